// The broadcast suite: one 125 B message to N connections (1,000 by default), ours (a loop over
// wss.clients, and wss.prepare()/wss.broadcast() where this build has them) against ws's loop over
// wss.clients: the server's time to send, the time until every receiver has it, broadcasts per second,
// and the server's CPU per broadcast.

import { loadavg } from 'node:os';
import { environment as codecEnvironment, environmentLine } from '../codec/environment.js';
import { formatSpread, spreadOf } from '../echo/spread.js';
import { spreadMeasure } from '../echo/spread-measure.js';
import { formatRatio } from '../lib/format.js';
import { ratioAt } from '../lib/result.js';
import { verdict } from '../lib/verdict.js';
import { BROADCAST_BUDGET, BROADCAST_SERIES, PAYLOAD_BYTES, runBroadcast } from './run-broadcast.js';

let outcome = { runs: [], missing: [], receivers: {} };
let running = null;
const notes = [
  "send loop, CPU: the server's CPU time (process.cpuUsage) across the synchronous send loop; send loop, wall: " +
    'its wall time; loop + deferred writes: until the next setImmediate (writes a library defers to a later ' +
    'tick are done); all received: until the receivers process saw the last of the copies.',
];

async function load(progress) {
  running ??= runBroadcast(progress).then((result) => {
    outcome = result;
    for (const id of result.missing) notes.push(`${id}: not in this build of wasmsocket (no such method)`);
    for (const [library, stats] of Object.entries(result.receivers)) {
      const problems = [];
      if (stats.wrong > 0) problems.push(`${stats.wrong} messages of the wrong size or type`);
      if (stats.incomplete > 0) problems.push(`${stats.incomplete} broadcasts some connections never got`);
      if (stats.unexpectedCloses > 0) problems.push(`${stats.unexpectedCloses} unexpected closes`);
      if (stats.serverErrors.length > 0) problems.push(`server logged: ${stats.serverErrors.join(' | ')}`);
      if (problems.length > 0) notes.push(`ANOMALY ${library} side: ${problems.join(', ')}`);
    }
  });
  await running;
}

function roundsOf(c, s) {
  return outcome.runs.filter((r) => r.seriesId === s.id).map((r) => r[c.figure]);
}

const SPEED_UPS = [
  { label: 'ws ÷ ours loop', of: 'ws-loop', over: 'ours-loop' },
  { label: 'ws ÷ ours prepared', of: 'ws-loop', over: 'ours-prepared' },
  { label: 'ws ÷ ours broadcast()', of: 'ws-loop', over: 'ours-broadcast' },
  { label: 'ws ÷ ours publish()', of: 'ws-loop', over: 'ours-publish' },
  { label: 'ws ÷ floor', of: 'ws-loop', over: 'floor' },
];
const RATIOS_HIGHER = [
  { label: 'ours loop ÷ ws', of: 'ours-loop', over: 'ws-loop' },
  { label: 'ours prepared ÷ ws', of: 'ours-prepared', over: 'ws-loop' },
  { label: 'ours broadcast() ÷ ws', of: 'ours-broadcast', over: 'ws-loop' },
  { label: 'ours publish() ÷ ws', of: 'ours-publish', over: 'ws-loop' },
  { label: 'floor ÷ ws', of: 'floor', over: 'ws-loop' },
];

const timeMeasure = spreadMeasure({
  id: 'broadcast-time',
  title: `one ${PAYLOAD_BYTES} B broadcast to ${BROADCAST_BUDGET.connections} connections, one at a time (median per round)`,
  unit: 'µs',
  better: 'lower',
  caseLabel: 'time until',
  cases: [
    { id: 'loop-cpu', label: 'send loop, CPU', figure: 'loopCpuUs' },
    { id: 'loop', label: 'send loop, wall', figure: 'loopUs' },
    { id: 'flushed', label: 'loop + deferred writes', figure: 'flushedUs' },
    { id: 'delivered', label: 'all received', figure: 'deliveredUs' },
  ],
  series: BROADCAST_SERIES,
  ratios: SPEED_UPS,
  notes,
  load,
  roundsOf,
  attach: (result) => {
    result.runs = outcome.runs;
    result.receivers = outcome.receivers;
  },
});

const rateMeasure = spreadMeasure({
  id: 'broadcast-rate',
  title: `broadcasts per second, ${BROADCAST_BUDGET.window} outstanding`,
  unit: 'broadcasts/s',
  caseLabel: 'window',
  cases: [{ id: 'rate', label: `${BROADCAST_BUDGET.window} outstanding`, figure: 'broadcastsPerSecond' }],
  series: BROADCAST_SERIES,
  ratios: RATIOS_HIGHER,
  load,
  roundsOf,
});

const cpuMeasure = spreadMeasure({
  id: 'broadcast-cpu',
  title: 'server CPU time per broadcast (process.cpuUsage in the server)',
  unit: 'CPU-µs/broadcast',
  better: 'lower',
  caseLabel: 'run',
  cases: [
    { id: 'one', label: 'one at a time', figure: 'cpuUsPerBroadcastOneAtATime' },
    { id: 'window', label: `${BROADCAST_BUDGET.window} outstanding`, figure: 'cpuUsPerBroadcastWindowed' },
  ],
  series: BROADCAST_SERIES,
  ratios: SPEED_UPS,
  load,
  roundsOf,
});

function detailMarkdown() {
  const lines = [
    '### Where the time went (median [min–max] over rounds)',
    '',
    'Cores are from the rate runs; writes per send (write/writev system calls in /proc/<pid>/io per message ' +
      'per connection) from the one-at-a-time runs. ' +
      'The receivers are one process (ws client); at ~1 core it, not the server, bounds broadcasts per second. ' +
      '"other" is what the rest of the machine used meanwhile (/proc/stat): on 2 cores, above 0.2 means contention.',
    '',
    '| series | broadcasts/s | server cores | receivers cores | other cores | server writes per send |',
    '| :--- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of BROADCAST_SERIES) {
    const runs = outcome.runs.filter((r) => r.seriesId === s.id);
    if (runs.length === 0) continue;
    const f = (figure) => formatSpread(spreadOf(runs.map((r) => r[figure])));
    lines.push(
      `| ${s.label} | ${f('broadcastsPerSecond')} | ${f('serverCores')} | ${f('receiverCores')} | ` +
        `${f('otherCores')} | ${f('writesPerSend')} |`,
    );
  }
  return lines.join('\n');
}

function targetsMarkdown(results) {
  const time = results.find((r) => r.id === 'broadcast-time');
  const indexOf = (id) => time.cases.findIndex((c) => c.id === id);
  const ours = SPEED_UPS.filter((r) => r.over.startsWith('ours'));
  const speedUps = (caseId, ratios = ours) =>
    ratios
      .map((ratio) => {
        const value = ratioAt(time, ratio, indexOf(caseId));
        return value === null ? null : { value, label: ratio.label.replace('ws ÷ ', '') };
      })
      .filter((x) => x !== null);
  const listed = (found) => found.map((f) => `${f.label} ${formatRatio(f.value)}`).join(', ') || '–';
  const rows = [];
  for (const [caseId, what] of [
    ['loop-cpu', 'server CPU time of the send loop'],
    ['flushed', 'server-side wall time (send loop + deferred writes)'],
    ['delivered', 'time until all connections received it'],
  ]) {
    const found = speedUps(caseId);
    const top = found.length > 0 ? found.reduce((a, b) => (b.value > a.value ? b : a)) : null;
    const text = top !== null && top.value >= 2 ? `met (${top.label})` : verdict(top?.value ?? null, 2);
    rows.push(`| broadcast to ${BROADCAST_BUDGET.connections} >= 2x ws loop: ${what} | ${listed(found)} | ${text} |`);
  }
  const floor = SPEED_UPS.filter((r) => r.over === 'floor');
  const floorText = time.cases
    .map((c) => ({ c, found: speedUps(c.id, floor)[0] }))
    .filter(({ found }) => found !== undefined)
    .map(({ c, found }) => `${c.label}: ${formatRatio(found.value)}`)
    .join(', ');
  rows.push(`| … ws ÷ floor (reported; no library can beat ws by more) | ${floorText || '–'} | – |`);
  return [
    '### Against the targets',
    '',
    'Speed-ups are ws time ÷ our time (2.00x = ours takes half as long). The floor writes one pre-built frame ' +
      "to each client's socket with no WebSocket library in the way: no library's loop can be faster. On a " +
      'busy machine the wall times include time the server waited for a core; the CPU time does not.',
    '',
    '| target | this run | |',
    '| :--- | :--- | :--- |',
    ...rows,
  ].join('\n');
}

export const suite = {
  name: 'broadcast',
  title: `broadcast of one ${PAYLOAD_BYTES} B message to ${BROADCAST_BUDGET.connections} connections: ours against ws`,
  environment: () => ({ ...codecEnvironment(), loadAverage: loadavg(), budget: BROADCAST_BUDGET }),
  header: () => {
    const b = BROADCAST_BUDGET;
    return [
      '## Broadcast benchmark',
      '',
      environmentLine(),
      '',
      `A broadcast server per library (bench/broadcast/broadcast-server.js) holds ${b.connections} connections ` +
        'from a receivers process (ws client). Each broadcast is a fresh 125 B binary message; when every ' +
        'connection has it, the receivers acknowledge it over their first connection with the time the last ' +
        `copy arrived. Per round and series: ${b.latencyCount} broadcasts one at a time (times: median per round), ` +
        `then ${b.rateMs} ms with ${b.window} outstanding (rate, CPU). ${b.rounds} rounds, series rotated; ` +
        `cells are medians over rounds. Load average at the start: ${loadavg()
          .map((v) => v.toFixed(2))
          .join(' ')}.`,
    ].join('\n');
  },
  measures: [timeMeasure, rateMeasure, cpuMeasure],
  summary: (results) => `${detailMarkdown()}\n\n${targetsMarkdown(results)}`,
};
