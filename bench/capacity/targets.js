// The capacity targets of issue 15, read off this run's ratios. Reported, never asserted: a benchmark
// informs, it does not fail a build. Each row gives the ratio in every case it covers and its verdict on
// the worst of them ("missed" says by how much, with the machine's load).

import { formatRatio } from '../lib/format.js';
import { ratioAt } from '../lib/result.js';
import { verdict } from '../lib/verdict.js';
import { cellFlag } from './detail.js';

/** { id, label, metric (result id), of, over, goal, lower, cases } for every target. */
export const CAPACITY_TARGETS = [
  {
    label: '32 B pipelined: >= 1.0x Bun msgs/s',
    metric: 'capacity-rate',
    over: 'bun',
    goal: 1.0,
    cases: ['text-32-c1', 'text-32-c16'],
  },
  {
    label: '32 B pipelined: >= 10x ws+bufferutil msgs/s',
    metric: 'capacity-rate',
    over: 'ws',
    goal: 10,
    cases: ['text-32-c1', 'text-32-c16'],
  },
  { label: '4 KiB: >= 1.0x Bun msgs/s', metric: 'capacity-rate', over: 'bun', goal: 1.0, cases: ['binary-4k'] },
  {
    label: '64 KiB and 1 MiB: >= 1.0x Bun MB/s',
    metric: 'capacity-throughput',
    over: 'bun',
    goal: 1.0,
    cases: ['binary-64k', 'binary-1m'],
  },
  {
    label: '64 KiB and 1 MiB: >= 1.2x ws+bufferutil MB/s',
    metric: 'capacity-throughput',
    over: 'ws',
    goal: 1.2,
    cases: ['binary-64k', 'binary-1m'],
  },
  {
    label: "256 conn x 1: server CPU per message <= ws's",
    metric: 'capacity-cpu',
    over: 'ws',
    goal: 1.0,
    lower: true,
    cases: ['rr-256'],
  },
  {
    label: "256 conn x 1: server CPU per message <= 1.2x Bun's",
    metric: 'capacity-cpu',
    over: 'bun',
    goal: 1.2,
    lower: true,
    cases: ['rr-256'],
  },
  {
    label: "publish to 1,000: >= 2x ws's loop deliveries/s",
    metric: 'capacity-rate',
    over: 'ws',
    goal: 2,
    cases: ['publish-1000'],
  },
  {
    label: "publish to 1,000: >= 1.0x Bun's server.publish",
    metric: 'capacity-rate',
    over: 'bun',
    goal: 1.0,
    cases: ['publish-1000'],
  },
];

/**
 * Each target's ratio per case and its worst case: [{ target, perCase: [{ caseId, label, value }], worst,
 * flag }]. flag: '*' or '~' when a cell it reads was flagged (cellFlag: generator busy, server not saturated),
 * so that a verdict taken from rates that were not capacities says so; ' ' otherwise.
 */
/** False where BENCH_CAPACITY_SERVERS left a target's server (or ours) out of the run. */
function hasSeries(result, id) {
  return result?.series.some((s) => s.id === id) === true && result.series.some((s) => s.id === 'ours');
}

export function evaluateTargets(results, sessions = []) {
  return CAPACITY_TARGETS.map((target) => {
    const flags = target.cases.flatMap((caseId) => ['ours', target.over].map((id) => cellFlag(sessions, caseId, id)));
    const flag = flags.includes('*') ? '*' : flags.includes('~') ? '~' : ' ';
    const result = results.find((r) => r.id === target.metric);
    const perCase = target.cases.map((caseId) => {
      const i = result?.cases.findIndex((c) => c.id === caseId) ?? -1;
      const value =
        i < 0 || !hasSeries(result, target.over) ? null : ratioAt(result, { of: 'ours', over: target.over }, i);
      return { caseId, label: i < 0 ? caseId : result.cases[i].label, value };
    });
    const measured = perCase.filter((x) => x.value !== null);
    const worst =
      measured.length === 0
        ? null
        : measured.reduce((a, x) => ((target.lower ? x.value > a.value : x.value < a.value) ? x : a));
    return { target, perCase, worst, flag };
  });
}

const FLAG_NOTES = {
  '*': ' (the generator was busy in these cases: the rates may be its limit)',
  '~': ' (a server was not saturated in these cases: rates are not capacities, the CPU column holds better)',
  ' ': '',
};

export function capacityTargetsMarkdown(results, sessions = []) {
  const cpu = results.find((r) => r.id === 'capacity-cpu');
  const rows = evaluateTargets(results, sessions).map(({ target, perCase, worst, flag }) => {
    const measured = perCase.map((x) => `${x.label} ${formatRatio(x.value)}`).join(', ');
    // The other view of the same cases: server CPU per message, which other processes disturb less.
    const cpuRatios = perCase
      .map((x) => {
        const i = cpu?.cases.findIndex((c) => c.id === x.caseId) ?? -1;
        return formatRatio(
          i < 0 || !hasSeries(cpu, target.over) ? null : ratioAt(cpu, { of: 'ours', over: target.over }, i),
        );
      })
      .join(', ');
    const text = `${verdict(worst?.value ?? null, target.goal, { lowerIsBetter: target.lower })}${target.metric === 'capacity-cpu' ? '' : FLAG_NOTES[flag]}`;
    return `| ${target.label} | ${measured} | ${text} | ${cpuRatios} |`;
  });
  return [
    '### Against the targets (issue 15; ours ÷ the other server, same run)',
    '',
    '| target | this run | verdict (worst case) | server CPU per message, ours ÷ the other (same cases) |',
    '| :--- | :--- | :--- | :--- |',
    ...rows,
  ].join('\n');
}
