// The deflate suite: permessage-deflate (RFC 7692) servers under the same load, in the same run: our
// WebSocketServer in its two memory modes (dedicated: a compressor and window per connection, as ws;
// shared: no context takeover both ways and a process-wide engine pool) against ws's. Each server runs in
// a child process (echo-server.js); one load generator (load.js, ws clients offering permessage-deflate
// as browsers do) drives them all.
//   1. echo throughput: 16 connections, each echoing JSON-like text of 1 KiB or 16 KiB one at a time;
//   2. the server's CPU time per echoed message in those runs, and the bytes it put on the wire;
//   3. resident memory per idle connection: 1,000 connections that each exchanged one compressed
//      message, minus the server's memory before they came, per connection, for several options.
// Targets: throughput >= 1.0x ws; memory per idle connection in shared mode <= 0.5x ws.

import { environment, environmentLine } from '../codec/environment.js';
import { formatRatio, formatValue } from '../lib/format.js';
import { ratioAt, seriesById } from '../lib/result.js';
import { verdict } from '../lib/verdict.js';
import { closeClients, echoThroughput, exchangeOnce, openClients, startServer } from './load.js';

const KIB = 1024;
const CONNECTIONS = 16;
const IDLE_CONNECTIONS = Number(process.env.DEFLATE_BENCH_IDLE ?? 1000);
const WARMUP_MS = 500;
const DURATION_MS = Number(process.env.DEFLATE_BENCH_MS ?? 2000);
/**
 * Echo runs per (size, server), interleaved (A B C A B C ...) and reduced to their median: on a shared
 * 2-core machine one run can land on a busy second, and interleaving spreads that over every server.
 */
const ROUNDS = Number(process.env.DEFLATE_BENCH_ROUNDS ?? 3);
/** Distinct messages per size, so that context takeover cannot reduce each to one back-reference. */
const MESSAGE_VARIANTS = 64;

/** JSON-like text of exactly `size` ASCII bytes; `seed` varies the numbers and names. */
export function jsonLikeText(size, seed) {
  let text = '[';
  for (let i = 0; text.length < size; i++) {
    const n = (seed * 7919 + i * 104729) % 100_003;
    text += `{"id":${seed * 10_000 + i},"user":"user-${n % 977}","score":${n},"active":${n % 3 === 0},"tags":["t${n % 17}","t${n % 31}"]},`;
  }
  return text.slice(0, size);
}

const SERIES = [
  { id: 'ours-dedicated', label: 'wasmsocket dedicated', impl: 'wasmsocket', memory: 'dedicated' },
  { id: 'ours-shared', label: 'wasmsocket shared', impl: 'wasmsocket', memory: 'shared' },
  { id: 'ws', label: 'ws', impl: 'ws', memory: undefined },
];

function serverOptions(series, options) {
  if (options === false) return false;
  return series.memory === undefined ? { ...options } : { ...options, memory: series.memory };
}

const THROUGHPUT_CASES = [
  { label: '1 KiB', size: KIB },
  { label: '16 KiB', size: 16 * KIB },
];

/** One run per (size, server): messages/s and the server's CPU per message, shared by measures 1 and 2. */
const echoRuns = new Map();

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function runEchoes(progress) {
  progress.begin('compressed echo', THROUGHPUT_CASES.length * SERIES.length * ROUNDS);
  for (const c of THROUGHPUT_CASES) {
    const messages = Array.from({ length: MESSAGE_VARIANTS }, (_, i) => jsonLikeText(c.size, i + 1));
    const runs = new Map(SERIES.map((s) => [s.id, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of SERIES) {
        progress.step(`${c.label} · ${s.label} · round ${round + 1}`);
        // ws's defaults (threshold 1024, 15-bit windows, context takeover) unless the mode says otherwise.
        const server = await startServer(s.impl, serverOptions(s, {}));
        const clients = await openClients(server.port, CONNECTIONS);
        const timing = { warmupMs: WARMUP_MS, durationMs: DURATION_MS };
        runs.get(s.id).push(await echoThroughput(server, clients, messages, timing));
        await closeClients(clients);
        await server.stop();
      }
    }
    for (const s of SERIES) {
      const all = runs.get(s.id);
      echoRuns.set(`${c.label}/${s.id}`, {
        perSecond: median(all.map((run) => run.perSecond)),
        serverCpuUsPerMessage: median(all.map((run) => run.serverCpuUsPerMessage)),
        wireBytesPerMessage: median(all.map((run) => run.wireBytesPerMessage)),
      });
    }
  }
  progress.end();
}

const throughputMeasure = {
  id: 'echo',
  title: `Compressed echo, ${CONNECTIONS} connections, one message in flight each`,
  unit: 'k messages/s',
  scale: 1,
  caseLabel: 'message',
  chart: 'bars',
  cases: THROUGHPUT_CASES,
  series: SERIES,
  ratios: [
    { label: 'dedicated / ws', of: 'ours-dedicated', over: 'ws' },
    { label: 'shared / ws', of: 'ours-shared', over: 'ws' },
  ],
  notes: [
    'Servers in child processes, one load generator (ws clients offering permessage-deflate) for all.',
    `Median of ${ROUNDS} interleaved runs of ${DURATION_MS} ms each (after ${WARMUP_MS} ms of warm-up).`,
    'The generator shares the 2 cores: when it saturates first, rows converge; the CPU table below separates them.',
  ],
  before: runEchoes,
  cell: (c, s) => ({ value: echoRuns.get(`${c.label}/${s.id}`).perSecond / 1000 }),
};

const cpuMeasure = {
  id: 'echo-cpu',
  title: 'Server CPU time per echoed compressed message (same runs)',
  unit: 'CPU-µs per message',
  scale: 1,
  better: 'lower',
  caseLabel: 'message',
  chart: 'bars',
  cases: THROUGHPUT_CASES,
  series: SERIES,
  ratios: [
    { label: 'dedicated / ws', of: 'ours-dedicated', over: 'ws' },
    { label: 'shared / ws', of: 'ours-shared', over: 'ws' },
  ],
  notes: ['Inflating the request, compressing the echo, framing and socket work, user + system time (median run).'],
  cell: (c, s) => ({ value: echoRuns.get(`${c.label}/${s.id}`).serverCpuUsPerMessage }),
};

const wireMeasure = {
  id: 'echo-wire',
  title: 'Bytes the server put on the wire per echoed message (same runs)',
  unit: 'bytes per message',
  scale: 1,
  better: 'lower',
  caseLabel: 'message',
  chart: 'bars',
  cases: THROUGHPUT_CASES,
  series: SERIES,
  ratios: [
    { label: 'dedicated / ws', of: 'ours-dedicated', over: 'ws' },
    { label: 'shared / ws', of: 'ours-shared', over: 'ws' },
  ],
  notes: ['Frame headers included. Shared mode gives up context takeover: each message is compressed on its own.'],
  cell: (c, s) => ({ value: echoRuns.get(`${c.label}/${s.id}`).wireBytesPerMessage }),
};

const MEMORY_CASES = [
  { label: 'no compression', options: false },
  { label: 'defaults (15-bit windows)', options: {} },
  { label: 'max_window_bits 10 both ways', options: { serverMaxWindowBits: 10, clientMaxWindowBits: 10 } },
  {
    label: 'no_context_takeover both ways',
    options: { serverNoContextTakeover: true, clientNoContextTakeover: true },
  },
];

const idleMemory = new Map();

async function measureIdle(progress) {
  progress.begin('idle connections', MEMORY_CASES.length * SERIES.length);
  const message = (index) => jsonLikeText(2 * KIB, index);
  for (const c of MEMORY_CASES) {
    for (const s of SERIES) {
      progress.step(`${c.label} · ${s.label}`);
      const server = await startServer(s.impl, serverOptions(s, c.options));
      const before = await server.usage();
      const clients = await openClients(server.port, IDLE_CONNECTIONS);
      await exchangeOnce(clients, message);
      const after = await server.usage();
      if (after.connections !== IDLE_CONNECTIONS) throw new Error(`bench: ${after.connections} connections open`);
      await closeClients(clients);
      await server.stop();
      idleMemory.set(`${c.label}/${s.id}`, (after.rss - before.rss) / IDLE_CONNECTIONS / KIB);
    }
  }
  progress.end();
}

const memoryMeasure = {
  id: 'idle-memory',
  title: `Server resident memory per idle connection (${IDLE_CONNECTIONS} connections, one 2 KiB compressed message each)`,
  unit: 'KiB per connection',
  scale: 1,
  better: 'lower',
  caseLabel: 'server options',
  chart: 'bars',
  cases: MEMORY_CASES.map(({ label }) => ({ label })),
  series: SERIES,
  ratios: [
    { label: 'dedicated / ws', of: 'ours-dedicated', over: 'ws' },
    { label: 'shared / ws', of: 'ours-shared', over: 'ws' },
  ],
  notes: [
    'RSS of the server process after two full GCs, minus its RSS before the connections, divided by their number.',
    'Shared mode negotiates no context takeover both ways whatever the options say, and keeps no zlib state per connection.',
  ],
  before: measureIdle,
  cell: (c, s) => ({ value: idleMemory.get(`${c.label}/${s.id}`) }),
};

function targetsMarkdown(results) {
  const byId = Object.fromEntries(results.map((result) => [result.id, result]));
  const rows = ['### Targets', '', '| target | this run | |', '| :--- | :--- | :--- |'];
  const echo = byId.echo;
  for (const id of ['ours-dedicated', 'ours-shared']) {
    const ratios = echo.cases.map((_, i) => ratioAt(echo, { of: id, over: 'ws' }, i));
    const worst = Math.min(...ratios);
    rows.push(
      `| throughput >= 1.0x ws (${seriesById(echo, id).label}) | lowest ${formatRatio(worst)} | ${verdict(worst, 1)} |`,
    );
  }
  const memory = byId['idle-memory'];
  const defaults = memory.cases.findIndex((c) => c.label.startsWith('defaults'));
  const shared = ratioAt(memory, { of: 'ours-shared', over: 'ws' }, defaults);
  const sharedKib = seriesById(memory, 'ours-shared').values[defaults];
  const wsKib = seriesById(memory, 'ws').values[defaults];
  rows.push(
    `| idle memory <= 0.5x ws in shared mode (defaults) | ${formatValue(sharedKib)} vs ${formatValue(wsKib)} KiB: ${formatRatio(shared)} | ${verdict(shared, 0.5, { lowerIsBetter: true })} |`,
  );
  return rows.join('\n');
}

export const suite = {
  name: 'deflate',
  title: 'permessage-deflate: wasmsocket (dedicated, shared) against ws',
  environment,
  header: () => `## permessage-deflate benchmark\n\n${environmentLine()}`,
  measures: [throughputMeasure, cpuMeasure, wireMeasure, memoryMeasure],
  summary: targetsMarkdown,
};
