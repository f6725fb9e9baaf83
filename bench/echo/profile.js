// A CPU profile of an echo server under one load of the echo suite, by default 32 B / 64 connections x 100
// in flight (not part of `npm run bench`: profiling slows the server down, so its figures are not
// comparable).
//
//   node bench/echo/profile.js [--server ours|ws|ws-js] [--case text-32-c64|binary-64k|...] [--seconds 8] [--top 30]
//
// Starts the server with `node --cpu-prof`, drives it with the ws-client load generator (1 s warm-up, then
// the given seconds), stops it with SIGTERM (the profile is written as it exits), and prints self time per
// function and per origin. Writes bench/results/profiles/echo-<server>-<case>.cpuprofile (open it in
// Chrome DevTools or speedscope) and echo-<server>-<case>.md.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cpuProfileMarkdown, summarizeCpuProfile } from './cpu-profile-summary.js';
import { ECHO_CASES, startLoadGenerator } from './matrix.js';
import { stopAll } from './processes.js';
import { startEchoServer } from './servers.js';

const PROFILE_DIR = new URL('../results/profiles/', import.meta.url);
const WARMUP_MS = 1_000;
const PROFILE_WRITE_TIMEOUT_MS = 15_000;

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'ours' },
    case: { type: 'string', default: 'text-32-c64' },
    seconds: { type: 'string', default: '8' },
    top: { type: 'string', default: '30' },
  },
});
const kind = values.server;
const PROFILED_CASE = ECHO_CASES.find((c) => c.id === values.case);
if (PROFILED_CASE === undefined) {
  throw new RangeError(`--case must be one of ${ECHO_CASES.map((c) => c.id).join(', ')} (got ${values.case})`);
}
const seconds = Number(values.seconds);
if (!(seconds > 0 && seconds <= 120)) throw new RangeError('--seconds must be in (0, 120]');

mkdirSync(PROFILE_DIR, { recursive: true });
const profileName = `echo-${kind}-${PROFILED_CASE.id}.cpuprofile`;
const profileUrl = new URL(profileName, PROFILE_DIR);
rmSync(profileUrl, { force: true });

let server = null;
let generator = null;
let session;
let loadStartMs = 0;
const spawnedAt = performance.now();
try {
  server = await startEchoServer(kind, {
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR.pathname, '--cpu-prof-name', profileName],
  });
  generator = await startLoadGenerator('ws');
  const { connections, inFlight, size, binary } = PROFILED_CASE;
  // Samples before the load (start-up, module loading) and during the warm-up are left out of the summary.
  loadStartMs = performance.now() - spawnedAt + WARMUP_MS;
  session = await generator.request(
    {
      type: 'echo',
      url: server.url,
      serverPid: server.pid,
      connections,
      inFlight,
      size,
      binary,
      warmupMs: WARMUP_MS,
      roundMs: seconds * 1000,
    },
    seconds * 1000 + 60_000,
  );
} finally {
  await stopAll([generator, server?.handle]);
}

// The profile is written while the server exits; give the file system a moment if it lags.
const deadline = Date.now() + PROFILE_WRITE_TIMEOUT_MS;
while (!existsSync(profileUrl) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
if (!existsSync(profileUrl))
  throw new Error(`bench: no profile at ${profileUrl.pathname} (exit ${server.handle.exitCode})`);

const summary = summarizeCpuProfile(JSON.parse(readFileSync(profileUrl, 'utf8')), { fromMs: loadStartMs });
const perSecond = session.messages / (session.elapsedNs / 1e9);
const markdown = [
  `## CPU profile: ${server.handle.name} under ${PROFILED_CASE.label} (ws client)`,
  '',
  `${new Date().toISOString().slice(0, 10)}. While profiled: ${Math.round(perSecond)} echoes/s, ` +
    `${(session.serverCpuUs / session.messages).toFixed(2)} server CPU-µs per message (profiling adds overhead). ` +
    `Samples from the first ${(loadStartMs / 1000).toFixed(1)} s (start-up, connections, warm-up) are left out. ` +
    `Profile: ${profileUrl.pathname}.`,
  '',
  cpuProfileMarkdown(summary, 'Self time', Number(values.top)),
  '',
].join('\n');
writeFileSync(new URL(`echo-${kind}-${PROFILED_CASE.id}.md`, PROFILE_DIR), markdown);
process.stdout.write(markdown);
