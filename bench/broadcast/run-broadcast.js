// Runs the broadcast measurement: a broadcast server per library (broadcast-server.js) with its own
// receivers process (receivers.js, ws client, N connections each), then for each round and each way to
// broadcast, in an order rotated per round: a latency run (one broadcast at a time) and a rate run (a
// window of broadcasts outstanding, counting acknowledged broadcasts for a fixed time).

import { sleep } from '../echo/ipc-worker.js';
import {
  machineBusyMicros,
  processCpuMicros,
  processSyscalls,
  startNode,
  stopAll,
  waitForListening,
} from '../echo/processes.js';
import { spreadOf } from '../echo/spread.js';

export const BROADCAST_BUDGET = Object.freeze({
  connections: Number(process.env.BENCH_BROADCAST_CONNECTIONS ?? 1_000),
  rounds: Number(process.env.BENCH_BROADCAST_ROUNDS ?? 3),
  /** Broadcasts per latency run (one outstanding at a time). */
  latencyCount: Number(process.env.BENCH_BROADCAST_COUNT ?? 100),
  /** Length of a rate run, and broadcasts kept outstanding in it. */
  rateMs: Number(process.env.BENCH_BROADCAST_RATE_MS ?? 1_500),
  window: 8,
});

/** RFC 6455 section 5.2: the largest payload with a 2-byte header (what the server script sends). */
export const PAYLOAD_BYTES = 125;

export const BROADCAST_SERIES = [
  { id: 'ours-loop', label: 'ours: loop over wss.clients, send()', library: 'wasmsocket', method: 'loop' },
  { id: 'ours-prepared', label: 'ours: wss.prepare() + loop', library: 'wasmsocket', method: 'prepared' },
  { id: 'ours-broadcast', label: 'ours: wss.broadcast()', library: 'wasmsocket', method: 'broadcast' },
  { id: 'ours-publish', label: 'ours: wss.publish(topic)', library: 'wasmsocket', method: 'publish' },
  { id: 'ws-loop', label: 'ws: loop over wss.clients, send()', library: 'ws', method: 'loop' },
  { id: 'floor', label: 'floor: socket.write of one pre-built frame', library: 'ws', method: 'raw' },
];

const SERVER = new URL('./broadcast-server.js', import.meta.url);
const RECEIVERS = new URL('./receivers.js', import.meta.url);
const RUN_TIMEOUT_MS = 60_000;
const HOLD_TIMEOUT_MS = 60_000;
/** Between runs: lets the previous run's last writes and acknowledgements settle. */
const PAUSE_MS = 100;

async function startSide(library, budget, handles) {
  const server = startNode(`broadcast server (${library})`, SERVER, ['--library', library]);
  handles.push(server);
  const url = await waitForListening(server);
  const { methods } = await server.request({ type: 'ready' }, 15_000);
  const receivers = startNode(`receivers (${library} server)`, RECEIVERS);
  handles.push(receivers);
  await receivers.request(
    { type: 'hold', url, connections: budget.connections, payloadBytes: PAYLOAD_BYTES },
    HOLD_TIMEOUT_MS,
  );
  return { server, receivers, methods };
}

const median = (values) => spreadOf(values)?.median ?? null;

/**
 * Resolves with { runs: [{ seriesId, round, ...figures }], missing: [series ids the library lacks],
 * receivers: { library: stats } }. Every child is stopped before it returns or throws.
 */
export async function runBroadcast(progress, budget = BROADCAST_BUDGET) {
  const handles = [];
  try {
    const sides = {
      wasmsocket: await startSide('wasmsocket', budget, handles),
      ws: await startSide('ws', budget, handles),
    };
    const available = BROADCAST_SERIES.filter((s) => sides[s.library].methods.includes(s.method));
    const missing = BROADCAST_SERIES.filter((s) => !available.includes(s)).map((s) => s.id);
    const runs = [];
    progress.begin(`broadcast to ${budget.connections}`, budget.rounds * available.length);
    for (let round = 0; round < budget.rounds; round++) {
      const order = available.map((_, i) => available[(i + round) % available.length]);
      for (const series of order) {
        progress.step(`${series.label} · round ${round + 1}`);
        const { server, receivers } = sides[series.library];
        const syscallsBefore = processSyscalls(server.pid);
        const latency = await server.request(
          { type: 'run', method: series.method, count: budget.latencyCount, window: 1 },
          RUN_TIMEOUT_MS,
        );
        const syscallsAfter = processSyscalls(server.pid);
        await sleep(PAUSE_MS);
        const receiverCpuStart = processCpuMicros(receivers.pid);
        const machineBusyStart = machineBusyMicros();
        const rate = await server.request(
          { type: 'run', method: series.method, durationMs: budget.rateMs, window: budget.window },
          RUN_TIMEOUT_MS,
        );
        const receiverCpuUs = processCpuMicros(receivers.pid) - receiverCpuStart;
        const machineBusyUs = machineBusyMicros() - machineBusyStart;
        await sleep(PAUSE_MS);
        if (latency.clients !== budget.connections || rate.clients !== budget.connections) {
          throw new Error(`bench: ${series.id} server had ${latency.clients} clients, not ${budget.connections}`);
        }
        const rateSeconds = rate.elapsedNs / 1e9;
        runs.push({
          seriesId: series.id,
          round,
          loopUs: median(latency.loopNs) / 1e3,
          loopCpuUs: median(latency.loopCpuUs),
          flushedUs: median(latency.flushedNs) / 1e3,
          deliveredUs: median(latency.deliveredNs) / 1e3,
          cpuUsPerBroadcastOneAtATime: latency.cpuUs / latency.sent,
          // Write system calls per message sent to one connection: 1 is one write (or writev) per send.
          writesPerSend: (syscallsAfter.writes - syscallsBefore.writes) / (latency.sent * latency.clients),
          broadcastsPerSecond: rate.acked / rateSeconds,
          cpuUsPerBroadcastWindowed: rate.cpuUs / rate.sent,
          serverCores: rate.cpuUs / 1e6 / rateSeconds,
          receiverCores: receiverCpuUs / 1e6 / rateSeconds,
          otherCores: Math.max(0, machineBusyUs - rate.cpuUs - receiverCpuUs) / 1e6 / rateSeconds,
        });
      }
    }
    progress.end();
    const receivers = {};
    for (const [library, side] of Object.entries(sides)) {
      const { id, ok, ...stats } = await side.receivers.request({ type: 'stats' }, 15_000);
      receivers[library] = {
        ...stats,
        serverErrors: side.server.stderrMatching(/error|exception|uncaught/i).slice(-5),
      };
    }
    for (const side of Object.values(sides)) await side.receivers.request({ type: 'release' }, HOLD_TIMEOUT_MS);
    return { runs, missing, receivers };
  } finally {
    await stopAll(handles);
  }
}
