// The idle-connections measurement: an echo server (ours, then ws's, each a fresh process started with
// --expose-gc and the open-files limit raised) is collected and read, the load generator opens N idle
// connections to it from 127.0.0.1, and once they are all up the server is collected and read again.
// Resident memory is VmRSS from /proc/<pid>/status; the heap figures come from process.memoryUsage() in the
// server (through the server probe). The server's open file descriptors are counted before and after, which
// confirms it really holds the connections.

import { sleep } from '../echo/ipc-worker.js';
import { startLoadGenerator } from '../echo/matrix.js';
import { OPEN_FILES, openFileCount, processRssBytes, stopAll } from '../echo/processes.js';
import { startEchoServer } from '../echo/servers.js';

export const MEMORY_BUDGET = Object.freeze({
  connections: Number(process.env.BENCH_MEMORY_CONNECTIONS ?? 10_000),
  /** Rounds per server, alternating ours and ws. */
  rounds: Number(process.env.BENCH_MEMORY_ROUNDS ?? 2),
});

export const MEMORY_SERVERS = [
  { id: 'ours', label: 'wasmsocket serve' },
  { id: 'ws', label: 'ws + bufferutil' },
];

/** After the last handshake: lets the server finish its per-connection set-up work before it is read. */
const SETTLE_MS = 1_000;
const WARM_UP_CONNECTIONS = 16;
const GC_TIMEOUT_MS = 30_000;
/** Opening 10,000 connections takes a few seconds here; this bounds a server that stops accepting. */
const HOLD_TIMEOUT_MS = 120_000;
const RELEASE_TIMEOUT_MS = 60_000;

/** One round against one server kind: { kind, round, before, after, connections, ... }. */
async function measureOnce(kind, round, generator, connections) {
  const server = await startEchoServer(kind, { nodeArgs: ['--expose-gc'], openFiles: OPEN_FILES });
  try {
    // A few connections opened and closed first, so that code loaded and compiled on the first handshake
    // (the same for every later one) is in the baseline rather than charged to the idle connections.
    await generator.request({ type: 'hold', url: server.url, connections: WARM_UP_CONNECTIONS }, HOLD_TIMEOUT_MS);
    await generator.request({ type: 'release' }, RELEASE_TIMEOUT_MS);
    const before = await server.handle.request({ type: 'gc' }, GC_TIMEOUT_MS);
    const fdsBefore = openFileCount(server.pid);
    const hold = await generator.request({ type: 'hold', url: server.url, connections }, HOLD_TIMEOUT_MS);
    await sleep(SETTLE_MS);
    const after = await server.handle.request({ type: 'gc' }, GC_TIMEOUT_MS);
    const rssAfterFromOutside = processRssBytes(server.pid);
    const fdsAfter = openFileCount(server.pid);
    const release = await generator.request({ type: 'release' }, RELEASE_TIMEOUT_MS);
    const perConnection = (field) => (field(after) - field(before)) / connections;
    return {
      kind,
      round,
      connections,
      openMs: hold.openMs,
      serverSockets: fdsAfter - fdsBefore,
      rssBefore: before.vmRss,
      rssAfter: after.vmRss,
      rssAfterFromOutside,
      heapUsedBefore: before.memory.heapUsed,
      heapUsedAfter: after.memory.heapUsed,
      rssPerConnection: perConnection((u) => u.vmRss),
      heapPerConnection: perConnection((u) => u.memory.heapUsed),
      externalPerConnection: perConnection((u) => u.memory.external),
      stillOpenAtRelease: release.stillOpen,
      unexpectedCloses: release.unexpectedCloses,
      stderrErrors: server.handle.stderrMatching(/error|exception|uncaught/i).slice(-5),
    };
  } finally {
    await server.handle.stop();
  }
}

/** Runs every round; stops every child before it returns or throws. */
export async function runIdleConnections(progress, budget = MEMORY_BUDGET) {
  const rounds = [];
  let generator = null;
  try {
    generator = await startLoadGenerator('ws', { openFiles: OPEN_FILES });
    progress.begin(`${budget.connections} idle connections`, budget.rounds * MEMORY_SERVERS.length);
    for (let round = 0; round < budget.rounds; round++) {
      for (const server of MEMORY_SERVERS) {
        progress.step(`${server.label} · round ${round + 1}`);
        rounds.push(await measureOnce(server.id, round, generator, budget.connections));
      }
    }
    progress.end();
    return rounds;
  } finally {
    await stopAll([generator]);
  }
}
