// What the echo suite runs: the message cases (rows) and the client -> server pairings (series), then the
// run itself: every pairing of a case in each round, in an order rotated per round so that no pairing
// always goes first (other processes on a shared machine come and go; interleaving spreads that over all
// pairings rather than putting it on one).

import { startNode, stopAll } from './processes.js';
import { startEchoServer } from './servers.js';

const KIB = 1024;
const MIB = 1024 * KIB;

/** The budget, overridable for a quick look (BENCH_ECHO_ROUND_MS=300 BENCH_ECHO_ROUNDS=1 ...). */
export const ECHO_BUDGET = Object.freeze({
  rounds: Number(process.env.BENCH_ECHO_ROUNDS ?? 3),
  warmupMs: Number(process.env.BENCH_ECHO_WARMUP_MS ?? 500),
  roundMs: Number(process.env.BENCH_ECHO_ROUND_MS ?? 2_000),
});

// Labels stay short (they are chart axis labels too); the suite's header says what each case sends.
// Large messages keep fewer bytes in flight: 100 x 1 MiB on each of 64 connections would measure memory
// pressure, not the data path. 4 MiB (64 KiB) and 8 MiB (1 MiB) in flight keep both ends busy.
export const ECHO_CASES = [
  { id: 'text-32-c1', label: '32 B, 1 conn', size: 32, binary: false, connections: 1, inFlight: 100 },
  { id: 'text-32-c16', label: '32 B, 16 conn', size: 32, binary: false, connections: 16, inFlight: 100 },
  {
    id: 'text-32-c64',
    label: '32 B, 64 conn',
    size: 32,
    binary: false,
    connections: 64,
    inFlight: 100,
    clientComparison: true,
  },
  {
    id: 'binary-64k',
    label: '64 KiB, 16 conn',
    size: 64 * KIB,
    binary: true,
    connections: 16,
    inFlight: 4,
    clientComparison: true,
  },
  { id: 'binary-1m', label: '1 MiB, 4 conn', size: MIB, binary: true, connections: 4, inFlight: 2 },
];

/** client library -> server kind. The ws client is the default load generator, so the client is constant. */
export const PAIRINGS = [
  { id: 'ours', label: 'ws client -> wasmsocket', client: 'ws', server: 'ours' },
  { id: 'ws', label: 'ws client -> ws + bufferutil', client: 'ws', server: 'ws' },
  { id: 'ws-js', label: 'ws client -> ws, no bufferutil', client: 'ws', server: 'ws-js' },
  { id: 'ours-ours', label: 'wasmsocket client -> wasmsocket', client: 'wasmsocket', server: 'ours', clientSide: true },
  {
    id: 'ours-ws',
    label: 'wasmsocket client -> ws + bufferutil',
    client: 'wasmsocket',
    server: 'ws',
    clientSide: true,
  },
];

const LOAD_GENERATOR = new URL('./load-generator.js', import.meta.url);
/** Opening, warming up, measuring, draining and closing one session: well under this. */
const SESSION_TIMEOUT_MS = 60_000;

function pairingsOf(echoCase) {
  return PAIRINGS.filter((p) => !p.clientSide || echoCase.clientComparison === true);
}

/** How many sessions runEchoMatrix() will run (for progress and time estimates). */
export function sessionCount(budget = ECHO_BUDGET) {
  return ECHO_CASES.reduce((sum, c) => sum + pairingsOf(c).length, 0) * budget.rounds;
}

/** Starts a load generator for one client library and waits until it has loaded the library. */
export async function startLoadGenerator(client, options = {}) {
  const handle = startNode(`load generator (${client} client)`, LOAD_GENERATOR, ['--client', client], options);
  try {
    await handle.request({ type: 'ready' }, 15_000);
    return handle;
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

/**
 * Runs every case x pairing x round. Resolves with { sessions: [{ caseId, pairingId, round, ...figures }],
 * servers: { kind: { stderrErrors } }, failures: [text] }. Every child is stopped before it returns or throws.
 */
export async function runEchoMatrix(progress, budget = ECHO_BUDGET) {
  const servers = {};
  const generators = {};
  const sessions = [];
  const failures = [];
  const retired = [];
  // A session that fails is recorded and the run goes on: a server or load generator that died (or stopped
  // answering) is replaced, so one crash costs its own cells, not the whole suite.
  const replaceIfGone = async () => {
    for (const [kind, server] of Object.entries(servers)) {
      if (server.handle.exitCode === undefined) continue;
      failures.push(`server ${kind} exited (${server.handle.exitCode})${server.handle.stderrTail(5)}; restarted`);
      retired.push(server.handle);
      servers[kind] = await startEchoServer(kind);
    }
  };
  try {
    for (const kind of ['ours', 'ws', 'ws-js']) servers[kind] = await startEchoServer(kind);
    for (const client of ['ws', 'wasmsocket']) generators[client] = await startLoadGenerator(client);
    progress.begin('echo sessions', sessionCount(budget));
    for (const echoCase of ECHO_CASES) {
      const pairings = pairingsOf(echoCase);
      for (let round = 0; round < budget.rounds; round++) {
        const order = pairings.map((_, i) => pairings[(i + round) % pairings.length]);
        for (const pairing of order) {
          progress.step(`${echoCase.label} · ${pairing.label} · round ${round + 1}`);
          const server = servers[pairing.server];
          const { connections, inFlight, size, binary } = echoCase;
          try {
            const figures = await generators[pairing.client].request(
              {
                type: 'echo',
                url: server.url,
                serverPid: server.pid,
                connections,
                inFlight,
                size,
                binary,
                warmupMs: budget.warmupMs,
                roundMs: budget.roundMs,
              },
              SESSION_TIMEOUT_MS,
            );
            sessions.push({ caseId: echoCase.id, pairingId: pairing.id, round, ...sessionFigures(figures) });
          } catch (error) {
            failures.push(`${echoCase.id} / ${pairing.id} round ${round + 1} failed: ${error.message}`);
            // A load generator that timed out may still be inside the session: start a fresh one.
            const generator = generators[pairing.client];
            await generator.stop();
            generators[pairing.client] = await startLoadGenerator(pairing.client);
            await replaceIfGone();
          }
        }
      }
    }
    progress.end();
    const serverReports = {};
    for (const [kind, server] of Object.entries(servers)) {
      serverReports[kind] = { stderrErrors: server.handle.stderrMatching(/error|exception|uncaught/i).slice(-10) };
    }
    return { sessions, servers: serverReports, failures };
  } finally {
    await stopAll([...Object.values(generators), ...Object.values(servers).map((s) => s.handle), ...retired]);
  }
}

/** The per-session figures the tables are built from. */
function sessionFigures(raw) {
  const seconds = raw.elapsedNs / 1e9;
  const perMessage = (micros) => (raw.messages > 0 ? micros / raw.messages : null);
  return {
    messagesPerSecond: raw.messages / seconds,
    megabytesPerSecond: raw.bytes / 1e6 / seconds,
    serverCpuUsPerMessage: perMessage(raw.serverCpuUs),
    clientCpuUsPerMessage: perMessage(raw.clientCpuUs),
    // System calls per echoed message (syscr/syscw in /proc/<pid>/io): socket reads and writes, batched or not.
    serverReadsPerMessage: perMessage(raw.serverReads),
    serverWritesPerMessage: perMessage(raw.serverWrites),
    // In cores: 1.0 is one core busy for the whole round.
    serverCores: raw.serverCpuUs / 1e6 / seconds,
    clientCores: raw.clientCpuUs / 1e6 / seconds,
    otherCores: Math.max(0, raw.machineBusyUs - raw.serverCpuUs - raw.clientCpuUs) / 1e6 / seconds,
    messages: raw.messages,
    outstandingAfterDrain: raw.outstanding,
    wrongEchoes: raw.wrong,
    unexpectedCloses: raw.unexpectedCloses,
    errors: raw.errors,
  };
}
