// The memory suite: what N idle connections cost an echo server (ours, then ws's, separate processes in
// the same run), per connection: resident memory, JS heap, and memory outside the heap.

import { loadavg } from 'node:os';
import { environment as codecEnvironment, environmentLine } from '../codec/environment.js';
import { formatSpread, spreadOf } from '../echo/spread.js';
import { spreadMeasure } from '../echo/spread-measure.js';
import { formatRatio, formatValue } from '../lib/format.js';
import { ratioAt } from '../lib/result.js';
import { verdict } from '../lib/verdict.js';
import { MEMORY_BUDGET, MEMORY_SERVERS, runIdleConnections } from './idle-connections.js';

const KIB = 1024;
const MIB = 1024 * KIB;

let rounds = [];
let running = null;
const notes = [
  'Deltas per connection: resident = VmRSS; JS heap = heapUsed; external + buffers = memoryUsage().external ' +
    '(which includes arrayBuffers: typed arrays allocated outside the V8 heap).',
];

async function load(progress) {
  running ??= runIdleConnections(progress).then((result) => {
    rounds = result;
    for (const r of result) {
      const problems = [];
      if (r.serverSockets < r.connections) problems.push(`server holds ${r.serverSockets} new fds`);
      if (r.stillOpenAtRelease !== r.connections) problems.push(`${r.stillOpenAtRelease} still open at release`);
      if (r.unexpectedCloses > 0) problems.push(`${r.unexpectedCloses} unexpected closes while idle`);
      if (r.stderrErrors.length > 0) problems.push(`server logged: ${r.stderrErrors.join(' | ')}`);
      if (problems.length > 0) notes.push(`ANOMALY ${r.kind} round ${r.round + 1}: ${problems.join(', ')}`);
    }
  });
  await running;
}

const CASES = [
  { id: 'rss', label: 'resident (VmRSS)', figure: 'rssPerConnection' },
  { id: 'heap', label: 'JS heap (heapUsed)', figure: 'heapPerConnection' },
  { id: 'external', label: 'external + buffers', figure: 'externalPerConnection' },
];

const memoryMeasure = spreadMeasure({
  id: 'idle-memory',
  title: `memory per idle connection, ${MEMORY_BUDGET.connections} connections, after gc`,
  unit: 'KiB/connection',
  better: 'lower',
  divide: KIB,
  caseLabel: 'memory',
  cases: CASES,
  series: MEMORY_SERVERS,
  ratios: [{ label: 'ours ÷ ws', of: 'ours', over: 'ws' }],
  notes,
  load,
  // Whole bytes: an average over thousands of connections has no meaningful fraction of a byte, and a
  // figure of ~0 (ws keeps no buffers per idle connection) would otherwise make a meaningless ratio.
  roundsOf: (c, s) => rounds.filter((r) => r.kind === s.id).map((r) => Math.round(r[c.figure])),
  attach: (result) => {
    result.rounds = rounds;
  },
});

function detailMarkdown() {
  const lines = [
    '### Every round',
    '',
    '| server | round | open time | server fds added | RSS before | RSS after | heapUsed before | heapUsed after |',
    '| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const mib = (v) => `${formatValue(v / MIB)} MiB`;
  for (const r of rounds) {
    lines.push(
      `| ${r.kind} | ${r.round + 1} | ${formatValue(r.openMs / 1000)} s | ${r.serverSockets} | ${mib(r.rssBefore)} | ` +
        `${mib(r.rssAfter)} | ${mib(r.heapUsedBefore)} | ${mib(r.heapUsedAfter)} |`,
    );
  }
  return lines.join('\n');
}

function targetsMarkdown(results) {
  const result = results[0];
  const rss = ratioAt(result, { of: 'ours', over: 'ws' }, 0);
  const totals = (kind) => spreadOf(rounds.filter((r) => r.kind === kind).map((r) => r.rssAfter));
  const total = totals('ours') !== null && totals('ws') !== null ? totals('ours').median / totals('ws').median : null;
  const rssVerdict = verdict(rss, 1, { lowerIsBetter: true });
  return [
    '### Against the targets',
    '',
    '| target | this run | |',
    '| :--- | :--- | :--- |',
    `| ${MEMORY_BUDGET.connections} idle connections: <= 1.0x ws resident memory (RSS added per connection) | ` +
      `${formatRatio(rss)} (ours ${formatSpread(spreadOf(rounds.filter((r) => r.kind === 'ours').map((r) => r.rssPerConnection)), KIB)} KiB, ` +
      `ws ${formatSpread(spreadOf(rounds.filter((r) => r.kind === 'ws').map((r) => r.rssPerConnection)), KIB)} KiB) | ${rssVerdict} |`,
    `| … whole-process RSS with the connections up, ours ÷ ws (reported) | ${formatRatio(total)} | – |`,
  ].join('\n');
}

export const suite = {
  name: 'memory',
  title: `memory of ${MEMORY_BUDGET.connections} idle connections: wasmsocket serve against ws`,
  environment: () => ({ ...codecEnvironment(), loadAverage: loadavg(), budget: MEMORY_BUDGET }),
  header: () =>
    [
      '## Idle-connection memory benchmark',
      '',
      environmentLine(),
      '',
      `Each server (\`wasmsocket serve\`, then ws's echo server with bufferutil) runs in a fresh process with ` +
        '--expose-gc and a raised open-files limit. 16 connections are opened and closed first (code loaded ' +
        'on the first handshake belongs to the baseline), then the server is collected (gc twice) and read, ' +
        `the load generator (ws client, its own process) opens ${MEMORY_BUDGET.connections} connections from ` +
        '127.0.0.1, and after 1 s the server is collected and read again. Per connection = (after - before) / ' +
        `connections. ${MEMORY_BUDGET.rounds} rounds per server, alternating; cells are medians.`,
    ].join('\n'),
  measures: [memoryMeasure],
  summary: (results) => `${detailMarkdown()}\n\n${targetsMarkdown(results)}`,
};
