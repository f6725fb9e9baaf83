// The capacity suite: what one server core can do, measured with a load generator that costs far less per
// message than the servers (generator.js) on a core of its own: wasmsocket serve against ws (with and
// without bufferutil) and Bun's built-in server, then our server's size sweep per codec backend. Rows,
// ratios and targets are from this run only.

import { loadavg } from 'node:os';
import { environment as codecEnvironment, environmentLine } from '../codec/environment.js';
import { spreadMeasure } from '../echo/spread-measure.js';
import {
  CAPACITY_CASES,
  CAPACITY_RATIOS,
  CAPACITY_SERIES,
  capacityBudget,
  describeCase,
  SWEEP_CASES,
  SWEEP_SERIES,
} from './cases.js';
import { copiesMarkdown, measureCopies } from './copies.js';
import {
  capacityDetailMarkdown,
  GENERATOR_BUSY,
  generatorBusyCells,
  SERVER_SATURATED,
  setupLines,
  unsaturatedCells,
} from './detail.js';
import { capacityHeadline } from './headline.js';
import { runCapacity } from './run-capacity.js';
import { sweepMarkdown } from './sweep.js';
import { capacityTargetsMarkdown } from './targets.js';

const BUDGET = capacityBudget();
const loadAtStart = loadavg();

/** Filled by the run: every session, and what went wrong. */
export const state = { outcome: null, anomalies: [], loadAtStart, loadAtEnd: null, copies: null };
let running = null;

async function load(progress) {
  running ??= runCapacity(progress, BUDGET).then(async (outcome) => {
    state.outcome = outcome;
    state.loadAtEnd = loadavg();
    state.anomalies.push(...anomaliesOf(outcome));
    if (BUDGET.copies) {
      try {
        state.copies = await measureCopies(progress);
      } catch (error) {
        state.anomalies.push(`ANOMALY copies measure failed: ${error.message}`);
      }
    }
  });
  await running;
}

/** Sessions whose replies were wrong, missing or cut off, and failures of the run itself. */
function anomaliesOf({ sessions, failures }) {
  const found = failures.map((failure) => `ANOMALY ${failure}`);
  for (const s of sessions) {
    const problems = [];
    if (s.mismatches > 0)
      problems.push(`${s.mismatches} connection(s) received bytes that differ from the expected frames`);
    if (s.outstandingAfterDrain > 0) problems.push(`${s.outstandingAfterDrain} messages never came back`);
    if (s.unexpectedCloses > 0) problems.push(`${s.unexpectedCloses} unexpected closes`);
    if (s.publisherBytes > 0) problems.push(`the publisher received ${s.publisherBytes} bytes`);
    if (s.parseProblems?.length > 0) problems.push(`parse check: ${s.parseProblems.join('; ')}`);
    if (s.errors.length > 0) problems.push(s.errors.join('; '));
    if (s.messages === 0) problems.push('no checked message in the round');
    if (problems.length > 0)
      found.push(`ANOMALY ${s.caseId} / ${s.seriesId} round ${s.round + 1}: ${problems.join(', ')}`);
  }
  return found;
}

function roundsOf(figure) {
  return (c, s) =>
    (state.outcome?.sessions ?? []).filter((x) => x.caseId === c.id && x.seriesId === s.id).map((x) => x[figure]);
}

/** Notes under a main table: the cells where the generator was busy, or the server not saturated. */
function busyNotes() {
  const sessions = state.outcome?.sessions ?? [];
  const busy = generatorBusyCells(sessions);
  const unsaturated = unsaturatedCells(sessions);
  return [
    ...(busy.length === 0
      ? []
      : [
          `load generator above ${Math.round(100 * GENERATOR_BUSY)} % of its core (median) in: ${busy.join(', ')}: ` +
            "there the figure may be the generator's limit, not the server's.",
        ]),
    ...(unsaturated.length === 0
      ? []
      : [
          `server below ${Math.round(100 * SERVER_SATURATED)} % of its core (median) in: ${unsaturated.join(', ')}: ` +
            'there the rate is not the capacity of a core (other processes took it, or the generator could not ' +
            'keep up); CPU per message still compares.',
        ]),
  ];
}

const mainMeasure = (fields) =>
  spreadMeasure({
    caseLabel: 'case',
    chart: 'bars',
    chartScale: 'per-case',
    cases: CAPACITY_CASES,
    series: CAPACITY_SERIES,
    ratios: CAPACITY_RATIOS,
    load,
    ...fields,
  });

const rateMeasure = mainMeasure({
  id: 'capacity-rate',
  title: 'messages per second on one server core (publish: deliveries)',
  unit: 'k msgs/s',
  divide: 1e3,
  notes: state.anomalies,
  roundsOf: roundsOf('messagesPerSecond'),
  // Every session's figures go to the JSON once, with the first table.
  attach: (result) => {
    result.notes.push(...busyNotes());
    result.sessions = state.outcome?.sessions ?? [];
    result.setup = state.outcome === null ? null : { ...state.outcome, sessions: undefined };
  },
});

const throughputMeasure = mainMeasure({
  id: 'capacity-throughput',
  title: 'payload bytes per second on one server core (publish: delivered)',
  unit: 'MB/s',
  roundsOf: roundsOf('megabytesPerSecond'),
});

const cpuMeasure = mainMeasure({
  id: 'capacity-cpu',
  title: 'server CPU time per message (/proc/<pid>/stat, all threads)',
  unit: 'CPU-µs/msg',
  better: 'lower',
  roundsOf: roundsOf('serverCpuUsPerMessage'),
});

const SWEEP_RATIOS = [
  { label: 'auto ÷ best forced', of: 'backend-auto', over: ['backend-js', 'backend-wasm', 'backend-wasm-simd'] },
  { label: 'js ÷ wasm-simd', of: 'backend-js', over: 'backend-wasm-simd' },
];

const sweepThroughput = spreadMeasure({
  id: 'sweep-throughput',
  title: 'our server per codec backend: echoed payload bytes per second',
  unit: 'MB/s',
  caseLabel: 'binary message size',
  chart: 'lines',
  cases: SWEEP_CASES,
  series: SWEEP_SERIES,
  ratios: SWEEP_RATIOS,
  load,
  roundsOf: roundsOf('megabytesPerSecond'),
});

const sweepCpu = spreadMeasure({
  id: 'sweep-cpu',
  title: 'our server per codec backend: server CPU time per MB echoed',
  unit: 'CPU-µs/MB',
  better: 'lower',
  caseLabel: 'binary message size',
  chart: 'lines',
  cases: SWEEP_CASES,
  series: SWEEP_SERIES,
  ratios: [{ label: 'js ÷ wasm-simd', of: 'backend-js', over: 'backend-wasm-simd' }],
  load,
  roundsOf: roundsOf('serverCpuUsPerMegabyte'),
});

function environment() {
  return { ...codecEnvironment(), loadAverage: loadavg(), budget: BUDGET };
}

function header() {
  const b = BUDGET;
  return [
    '## Capacity benchmark: one server core against a load generator that is not the bottleneck',
    '',
    environmentLine(),
    '',
    `Each cell: the median of ${b.rounds} rounds of ${b.roundMs} ms (after ${b.warmupMs} ms of warm-up on fresh ` +
      'connections); the servers of a row take turns, in an order rotated per round. Every figure counts only ' +
      'messages whose bytes the generator checked (bench/capacity/reply-stream.js). Servers: `wasmsocket serve` ' +
      '(dist/src/cli.js), ws 8 (bench/echo/ws-echo-server.js) with bufferutil and with WS_NO_BUFFER_UTIL=1, ' +
      "Bun's Bun.serve (bench/capacity/bun-server.js), and in the 32 B cases `wasmsocket serve` with a no-op " +
      'subscriber on every diagnostics channel (bench/capacity/idle-diagnostics.js); publish: ' +
      "bench/capacity/publish-server.js and Bun's " +
      'server.publish. Cases are labelled size, type, connections x messages in flight per connection (a new ' +
      'one sent for each one back); publish: ' +
      `${CAPACITY_CASES.filter((c) => c.kind === 'publish')
        .map(describeCase)
        .join('; ')}, counted as deliveries.` +
      (b.sweep
        ? ` Size sweep: ${SWEEP_CASES.map((c) => `${c.label} x ${c.inFlight}`).join(', ')} in flight on 4 connections.`
        : ''),
  ].join('\n');
}

export const suite = {
  name: 'capacity',
  title: 'server capacity per core: wasmsocket, ws and Bun.serve under a pipelined load generator',
  environment,
  header,
  measures: [rateMeasure, throughputMeasure, cpuMeasure, ...(BUDGET.sweep ? [sweepThroughput, sweepCpu] : [])],
  summary: (results) =>
    [
      setupLines(state).join('\n'),
      capacityDetailMarkdown(state.outcome?.sessions ?? []),
      ...(state.copies === null ? [] : [copiesMarkdown(state.copies)]),
      ...(BUDGET.sweep ? [sweepMarkdown(results)] : []),
      capacityTargetsMarkdown(results, state.outcome?.sessions ?? []),
    ].join('\n\n'),
  headline: (results) => capacityHeadline(results, state),
};
