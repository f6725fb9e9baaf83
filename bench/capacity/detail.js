// The capacity suite's wide tables: how the run was set up (pinning, Bun, load), and every cell's median and
// range with the CPU split that says whose limit a figure is (server, generator, or the rest of the machine).

import { availableParallelism } from 'node:os';
import { formatSpread, spreadOf } from '../echo/spread.js';
import { CAPACITY_CASES, CAPACITY_SERIES, SWEEP_CASES, SWEEP_SERIES } from './cases.js';

/** A generator busier than this (CPU time over wall time, median of the rounds) may be the bottleneck. */
export const GENERATOR_BUSY = 0.8;
/**
 * A server that used less of its core than this (median) was not saturated: its rate is not its capacity
 * (other processes took the core, or the generator could not keep it busy); its CPU per message still holds.
 */
export const SERVER_SATURATED = 0.8;
/** Other processes above this many cores during the rounds: the run was contended. */
const CONTENDED_CORES = 0.2;

const ALL_SERIES = [...CAPACITY_SERIES, ...SWEEP_SERIES];
const ALL_CASES = [...CAPACITY_CASES, ...SWEEP_CASES];

function cellSessions(sessions, caseId, seriesId) {
  return sessions.filter((s) => s.caseId === caseId && s.seriesId === seriesId);
}

/** 'case / server' for every cell whose generator was above GENERATOR_BUSY. */
export function generatorBusyCells(sessions) {
  const cells = [];
  for (const c of ALL_CASES) {
    for (const s of ALL_SERIES) {
      const spread = spreadOf(cellSessions(sessions, c.id, s.id).map((x) => x.generatorCores));
      if (spread !== null && spread.median > GENERATOR_BUSY) cells.push(`${c.label} / ${s.label}`);
    }
  }
  return cells;
}

/** True when the generator was above GENERATOR_BUSY for this cell. */
export function generatorBusy(sessions, caseId, seriesId) {
  const spread = spreadOf(cellSessions(sessions, caseId, seriesId).map((x) => x.generatorCores));
  return spread !== null && spread.median > GENERATOR_BUSY;
}

/** True when the server used less than SERVER_SATURATED of its core in this cell (median). */
export function serverUnsaturated(sessions, caseId, seriesId) {
  const spread = spreadOf(cellSessions(sessions, caseId, seriesId).map((x) => x.serverCores));
  return spread !== null && spread.median < SERVER_SATURATED;
}

/** '*' when the generator was busy, else '~' when the server was not saturated, else ' '. */
export function cellFlag(sessions, caseId, seriesId) {
  if (generatorBusy(sessions, caseId, seriesId)) return '*';
  return serverUnsaturated(sessions, caseId, seriesId) ? '~' : ' ';
}

/** 'case / server' for every cell whose server was below SERVER_SATURATED. */
export function unsaturatedCells(sessions) {
  const cells = [];
  for (const c of ALL_CASES) {
    for (const s of ALL_SERIES) {
      if (serverUnsaturated(sessions, c.id, s.id)) cells.push(`${c.label} / ${s.label}`);
    }
  }
  return cells;
}

const loadText = (values) => (values === null ? '–' : values.map((v) => v.toFixed(2)).join(' '));

/** How the run was set up: pinning, Bun, load average, budget. */
export function setupLines(state) {
  const outcome = state.outcome;
  if (outcome === null) return ['### Setup', '', 'The capacity run did not complete.'];
  const { pinning, bun, serverCpus, generatorCpus } = outcome;
  const other = spreadOf(outcome.sessions.map((s) => s.otherCores));
  const cpus = Object.entries(serverCpus)
    .map(([key, list]) => `${key} ${list}`)
    .join(', ');
  return [
    '### Setup',
    '',
    pinning.pinned
      ? `- Pinned with taskset: every server to core ${pinning.server}, the load generator to core ${pinning.generator} ` +
        `(Cpus_allowed_list at the end: servers ${cpus}; generator ${generatorCpus}).`
      : `- Not pinned: ${pinning.reason}. Server and generator share the machine's cores as the scheduler decides.`,
    bun.path === null
      ? `- Bun.serve: not measured (${bun.reason}).`
      : `- Bun.serve: Bun ${bun.version}, ${bun.source}.`,
    `- Load average (1, 5, 15 min) at the start ${loadText(state.loadAtStart)}, at the end ${loadText(state.loadAtEnd)}, ` +
      `${availableParallelism()} cores. Other processes used ${formatSpread(other)} cores during the rounds` +
      (other !== null && other.median > CONTENDED_CORES
        ? ': a shared, busy machine, so rates are low and noisy; same-run ratios and CPU per message hold up better.'
        : '.'),
    `- Flags: "generator busy" where the load generator's median CPU time was above ${Math.round(100 * GENERATOR_BUSY)} % ` +
      'of the round (it may be what limits the figure); "server not saturated" where the server used less than ' +
      `${Math.round(100 * SERVER_SATURATED)} % of its core (its rate is then not its capacity; CPU per message still holds).`,
  ];
}

/** Every cell: median [min–max] over rounds, and the CPU split. */
export function capacityDetailMarkdown(sessions) {
  const lines = [
    '### Every cell: median [min–max] over rounds',
    '',
    'Cores: CPU time over wall time during the round (1.00 = one core busy throughout); "other" is the rest ' +
      'of the machine meanwhile (busy time in /proc/stat less server and generator). Reads/writes: read and ' +
      'write system calls of the server per message (/proc/<pid>/io): how many messages share one (– for ' +
      'Bun: its recv/send calls are not counted there).',
    '',
    '| case | server | k msgs/s | MB/s | server CPU-µs/msg | server reads/msg | server writes/msg | server cores | generator cores | other cores | flags |',
    '| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- |',
  ];
  for (const c of ALL_CASES) {
    for (const s of ALL_SERIES) {
      const cell = cellSessions(sessions, c.id, s.id);
      if (cell.length === 0) continue;
      const f = (figure, divide = 1) => formatSpread(spreadOf(cell.map((x) => x[figure])), divide);
      const flags = [
        ...(generatorBusy(sessions, c.id, s.id) ? ['generator busy'] : []),
        ...(serverUnsaturated(sessions, c.id, s.id) ? ['server not saturated'] : []),
      ];
      lines.push(
        `| ${c.label} | ${s.label} | ${f('messagesPerSecond', 1e3)} | ${f('megabytesPerSecond')} | ` +
          `${f('serverCpuUsPerMessage')} | ${f('serverReadsPerMessage')} | ${f('serverWritesPerMessage')} | ` +
          `${f('serverCores')} | ${f('generatorCores')} | ${f('otherCores')} | ${flags.join(', ') || '–'} |`,
      );
    }
  }
  return lines.join('\n');
}
