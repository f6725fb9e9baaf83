// Runs the capacity measurement: starts every server (pinned to one core) and the load generator (pinned to
// another), then for each case and round runs one session per server, in an order rotated per round so that
// load from other processes on a shared machine spreads over all servers rather than landing on one.
// Every process started here is stopped by its PID before this returns or throws.

import { startNode, startProcess, stopAll, waitForListening } from '../echo/processes.js';
import { startEchoServer } from '../echo/servers.js';
import { findBun } from './bun-binary.js';
import { BASELINE_DIR, CAPACITY_CASES, CAPACITY_SERIES, PROFILE_DIR, SWEEP_CASES, SWEEP_SERIES } from './cases.js';
import { CHANNELS } from './diagnostics-channels.js';
import { choosePinning, cpusAllowed } from './pinning.js';

const GENERATOR = new URL('./generator.js', import.meta.url);
const PUBLISH_SERVER = new URL('./publish-server.js', import.meta.url);
const BUN_SERVER = new URL('./bun-server.js', import.meta.url);
const PROBE = new URL('../echo/server-probe.js', import.meta.url);
const IDLE_DIAGNOSTICS = new URL('./idle-diagnostics.js', import.meta.url);
/** Opening up to 1,001 connections, warming up, one round, draining and closing: well under this. */
const SESSION_TIMEOUT_MS = 90_000;
const READY_TIMEOUT_MS = 15_000;

function parseUrl(url) {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

async function started(kind, handle) {
  try {
    const url = await waitForListening(handle);
    return { kind, handle, pid: handle.pid, ...parseUrl(url) };
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

/** The server process behind each (case kind, series) pair; null where that pairing is not measured. */
function serverKey(c, seriesId) {
  const only = CAPACITY_SERIES.find((s) => s.id === seriesId)?.cases;
  if (only !== undefined && !only.includes(c.id)) return null;
  if (seriesId.startsWith('backend-')) return seriesId === 'backend-auto' ? 'ours' : seriesId;
  if (c.kind === 'publish') return { ours: 'ours-publish', ws: 'ws-publish', bun: 'bun' }[seriesId] ?? null;
  return seriesId;
}

/** node --cpu-prof for our servers when BENCH_CAPACITY_PROFILE_DIR asks for profiles, named after the server. */
function profileArgs(key) {
  if (PROFILE_DIR === null) return [];
  return ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `${key}-${Date.now()}.cpuprofile`];
}

async function startServer(key, { cpu, bun }) {
  switch (key) {
    case 'ours':
      // auto stated explicitly: a WASMSOCKET_BACKEND in the caller's environment must not change this row.
      return startEchoServer('ours', { cpu, env: { WASMSOCKET_BACKEND: 'auto' }, nodeArgs: profileArgs(key) });
    case 'base':
      return startEchoServer('ours', {
        cpu,
        env: { WASMSOCKET_BACKEND: 'auto' },
        nodeArgs: profileArgs(key),
        packageDir: BASELINE_DIR,
      });
    case 'ours-diagnostics': {
      const server = await startEchoServer('ours', {
        cpu,
        env: { WASMSOCKET_BACKEND: 'auto' },
        nodeArgs: ['--import', IDLE_DIAGNOSTICS.href],
      });
      // The row means something only if the subscribers are there: the server says which channels have them.
      const { subscribed } = await server.handle.request({ type: 'diagnostics', channels: CHANNELS }, READY_TIMEOUT_MS);
      if (subscribed.length !== CHANNELS.length) {
        await server.handle.stop();
        throw new Error(
          `bench: the diagnostics server subscribes to ${subscribed.length} of ${CHANNELS.length} channels`,
        );
      }
      return server;
    }
    case 'ws':
    case 'ws-js':
      return startEchoServer(key, { cpu });
    case 'bun':
      return started(key, startProcess(`Bun.serve (${bun.version})`, bun.path, [BUN_SERVER.pathname], { cpu }));
    case 'ours-publish':
    case 'ws-publish': {
      const library = key === 'ours-publish' ? 'wasmsocket' : 'ws';
      const handle = startNode(`publish server (${library})`, PUBLISH_SERVER, ['--library', library], {
        nodeArgs: ['--import', PROBE.href],
        cpu,
      });
      return started(key, handle);
    }
    default: {
      const backend = key.slice('backend-'.length);
      const server = await startEchoServer('ours', { cpu, env: { WASMSOCKET_BACKEND: backend } });
      const { active } = await server.handle.request({ type: 'backend' }, READY_TIMEOUT_MS);
      if (active !== backend) {
        await server.handle.stop();
        throw new Error(`bench: WASMSOCKET_BACKEND=${backend} gave a server whose codec runs ${active}`);
      }
      return server;
    }
  }
}

/** Normalizes a server handle from startEchoServer ({ url }) or started() ({ host, port }). */
function endpoint(server) {
  return server.url !== undefined ? { ...server, ...parseUrl(server.url) } : server;
}

/**
 * Resolves with { sessions, failures, pinning, bun, serverCpus, generatorCpus, plan }. sessions:
 * [{ caseId, seriesId, round, ...figures }]. budget: capacityBudget(). cases (CAPACITY_CASES by default)
 * and seriesIds (all of CAPACITY_SERIES by default) narrow the run, as the smoke test does.
 */
export async function runCapacity(progress, budget, { cases = CAPACITY_CASES, seriesIds, sweep = budget.sweep } = {}) {
  const pinning = choosePinning();
  const cpu = pinning.pinned ? pinning.server : undefined;
  const wanted = CAPACITY_SERIES.filter((s) => seriesIds === undefined || seriesIds.includes(s.id));
  const bun = wanted.some((s) => s.id === 'bun')
    ? findBun((text) => progress.note(text))
    : { path: null, reason: 'not asked for' };
  if (bun.path === null) progress.note(`capacity: Bun rows left out: ${bun.reason}`);
  const plan = [
    ...cases.map((c) => ({ c, series: wanted.filter((s) => s.id !== 'bun' || bun.path !== null) })),
    ...(sweep ? SWEEP_CASES.map((c) => ({ c, series: SWEEP_SERIES })) : []),
  ].map(({ c, series }) => ({ c, series: series.filter((s) => serverKey(c, s.id) !== null) }));

  const servers = {};
  const retired = [];
  const failures = [];
  const sessions = [];
  let generator = null;
  const startGenerator = async () => {
    const handle = startNode('capacity load generator', GENERATOR, [], {
      cpu: pinning.pinned ? pinning.generator : undefined,
    });
    try {
      await handle.request({ type: 'ready' }, READY_TIMEOUT_MS);
    } catch (error) {
      await handle.stop();
      throw error;
    }
    return handle;
  };
  const serverFor = async (key) => {
    const current = servers[key];
    if (current !== undefined && current.handle.exitCode === undefined) return current;
    if (current !== undefined) {
      failures.push(`server ${key} exited (${current.handle.exitCode})${current.handle.stderrTail(5)}; restarted`);
      retired.push(current.handle);
    }
    servers[key] = endpoint(await startServer(key, { cpu, bun }));
    return servers[key];
  };

  try {
    generator = await startGenerator();
    const total = plan.reduce((sum, p) => sum + p.series.length, 0) * budget.rounds;
    progress.begin('capacity sessions', total);
    for (const { c, series } of plan) {
      for (let round = 0; round < budget.rounds; round++) {
        const order = series.map((_, i) => series[(i + round) % series.length]);
        for (const s of order) {
          progress.step(`${c.label} · ${s.label} · round ${round + 1}`);
          try {
            const server = await serverFor(serverKey(c, s.id));
            const request = {
              type: c.kind,
              host: server.host,
              port: server.port,
              serverPid: server.pid,
              size: c.size,
              binary: c.binary,
              warmupMs: budget.warmupMs,
              roundMs: budget.roundMs,
              parse: budget.parse,
              ...(c.kind === 'publish'
                ? { subscribers: c.subscribers, window: c.window }
                : { connections: c.connections, inFlight: c.inFlight }),
            };
            const raw = await generator.request(request, SESSION_TIMEOUT_MS);
            sessions.push({ caseId: c.id, seriesId: s.id, round, ...sessionFigures(raw, s.id === 'bun') });
          } catch (error) {
            failures.push(`${c.id} / ${s.id} round ${round + 1} failed: ${error.message}`);
            // A generator that timed out may still be inside the session: start a fresh one.
            await generator.stop();
            generator = await startGenerator();
          }
        }
      }
    }
    progress.end();
    const serverCpus = Object.fromEntries(Object.entries(servers).map(([key, s]) => [key, cpusAllowed(s.pid)]));
    const serverErrors = Object.entries(servers).flatMap(([key, s]) =>
      s.handle
        .stderrMatching(/error|exception|uncaught/i)
        .slice(-5)
        .map((line) => `server ${key} logged: ${line}`),
    );
    return {
      sessions,
      failures: [...failures, ...serverErrors],
      pinning,
      bun,
      serverCpus,
      generatorCpus: cpusAllowed(generator.pid),
      plan: plan.map(({ c, series }) => ({ caseId: c.id, series: series.map((s) => s.id) })),
    };
  } finally {
    await stopAll([generator, ...Object.values(servers).map((s) => s.handle), ...retired]);
  }
}

/**
 * The per-session figures the tables are built from. socketCallsUncounted: a server whose socket calls
 * /proc/<pid>/io does not count (syscr/syscw count read/write/readv/writev; Bun's uSockets uses recv/send).
 */
function sessionFigures(raw, socketCallsUncounted) {
  const seconds = raw.elapsedNs / 1e9;
  const perMessage = (value) => (raw.messages > 0 ? value / raw.messages : null);
  return {
    messagesPerSecond: raw.messages / seconds,
    megabytesPerSecond: raw.bytes / 1e6 / seconds,
    publishesPerSecond: raw.publishes === undefined ? null : raw.publishes / seconds,
    serverCpuUsPerMessage: perMessage(raw.serverCpuUs),
    serverCpuUsPerMegabyte: raw.bytes > 0 ? raw.serverCpuUs / (raw.bytes / 1e6) : null,
    serverReadsPerMessage: socketCallsUncounted ? null : perMessage(raw.serverReads),
    serverWritesPerMessage: socketCallsUncounted ? null : perMessage(raw.serverWrites),
    // In cores: 1.0 is one core busy for the whole round.
    serverCores: raw.serverCpuUs / 1e6 / seconds,
    generatorCores: raw.generatorCpuUs / 1e6 / seconds,
    otherCores: Math.max(0, raw.machineBusyUs - raw.serverCpuUs - raw.generatorCpuUs) / 1e6 / seconds,
    messages: raw.messages,
    totalVerified: raw.totalEchoes,
    outstandingAfterDrain: raw.outstanding,
    mismatches: raw.mismatches,
    unexpectedCloses: raw.unexpectedCloses,
    publisherBytes: raw.publisherBytes ?? 0,
    parsed: raw.parsed,
    parseProblems: raw.parseProblems,
    ringLength: raw.ringLength,
    errors: raw.errors,
  };
}
