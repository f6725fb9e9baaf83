// How a target reads in the reports: "met", or "missed" with by how much and the machine's load at the
// time, because on a shared machine a miss can be other processes' doing rather than the code's.

import { availableParallelism, loadavg } from 'node:os';
import { formatRatio } from './format.js';

/** The 1-minute load average over the cores, as text: 'load 2.31 on 2 cores'. */
export function loadText() {
  return `load ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`;
}

/** True when other work probably shared the cores (1-minute load average above half the cores). */
export function machineBusy() {
  return loadavg()[0] > availableParallelism() / 2;
}

/**
 * 'met' when value reaches goal (at most goal when lowerIsBetter), else 'missed by N % (value vs goal; load
 * ...)'; 'not measured' for null. format renders value and goal (a ratio by default). short: for the
 * one-screen summary, 'met (1.23x)' or 'missed by N % (0.68x; load 2.31)'.
 */
export function verdict(value, goal, { lowerIsBetter = false, format = formatRatio, short = false } = {}) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'not measured';
  const met = lowerIsBetter ? value <= goal : value >= goal;
  if (met) return short ? `met (${format(value)})` : 'met';
  const shortfall = 100 * (lowerIsBetter ? value / goal - 1 : 1 - value / goal);
  const by = shortfall < 1 ? shortfall.toFixed(1) : Math.round(shortfall);
  if (short) return `missed by ${by} % (${format(value)}; load ${loadavg()[0].toFixed(2)})`;
  const sign = lowerIsBetter ? '<=' : '>=';
  const busy = machineBusy() ? ', machine busy' : '';
  return `missed by ${by} % (${format(value)} vs ${sign} ${format(goal)}; ${loadText()}${busy})`;
}
