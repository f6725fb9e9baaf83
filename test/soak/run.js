// The soak (`npm run soak`; not part of `npm test`): SOAK_CONNECTIONS connections echoing on loopback for
// SOAK_DURATION_S seconds, a server process and a client process, each started through
// `bash -c 'ulimit -n 8192; exec node ...'` so that thousands of sockets fit under the open-files limit.
//
// Checks, each printed with its figures; the exit code is 1 when any fails:
//   - every connection opened, and none closed before the end;
//   - every echo came back exactly, in order, and none was left unanswered;
//   - the server's resident memory (sampled after a garbage collection) is flat after the warm-up: the
//     mean of the last third of the samples is within SOAK_RSS_TOLERANCE (10 %) of the first third's;
//   - after the clients close and the server shuts down, neither process holds a socket, server or
//     ref'd timer of ours (process.getActiveResourcesInfo()).
//
// Settings (environment): SOAK_CONNECTIONS (2000), SOAK_DURATION_S (60), SOAK_WARMUP_S (a fifth of the
// duration, at least 5), SOAK_INTERVAL_MS (1000: each connection's send interval), SOAK_MESSAGE_BYTES
// (1024), SOAK_SAMPLE_MS (1000), SOAK_RSS_TOLERANCE (0.10), SOAK_HEARTBEAT_MS (10000).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleLibrary } from './bundle.js';

const setting = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return number;
};

const CONNECTIONS = setting('SOAK_CONNECTIONS', 2000);
const DURATION_S = setting('SOAK_DURATION_S', 60);
const WARMUP_S = setting('SOAK_WARMUP_S', Math.max(5, DURATION_S / 5));
const INTERVAL_MS = setting('SOAK_INTERVAL_MS', 1000);
const MESSAGE_BYTES = Math.max(32, setting('SOAK_MESSAGE_BYTES', 1024));
const SAMPLE_MS = setting('SOAK_SAMPLE_MS', 1000);
const RSS_TOLERANCE = setting('SOAK_RSS_TOLERANCE', 0.1);
const HEARTBEAT_MS = setting('SOAK_HEARTBEAT_MS', 10_000);
/** File descriptors for each process: the connections, plus room for Node's own. */
const OPEN_FILES = Math.max(8192, CONNECTIONS + 1024);
/** Bounds on each step; they only turn a hang into a failure. */
const STEP_WAIT_MS = 120_000;

const MIB = 1024 * 1024;
const mib = (bytes) => (bytes / MIB).toFixed(1);

/** Starts a Node script under bash with a raised open-files limit, with an IPC channel to it. */
function startProcess(script, env, nodeFlags = []) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const command = `ulimit -n ${OPEN_FILES} && exec "${process.execPath}" ${nodeFlags.join(' ')} "${path}"`;
  const child = spawn('bash', ['-c', command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages = [];
  const waiters = new Set();
  child.on('message', (message) => {
    messages.push(message);
    for (const wake of [...waiters]) wake();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    for (const wake of [...waiters]) wake();
  });
  return {
    child,
    /** The next message of `type` (sent after this call), or a rejection when the step takes too long. */
    next(type) {
      const from = messages.length;
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.slice(from).find((m) => m.type === type);
          if (found !== undefined) {
            finish();
            resolve(found);
          } else if (exited) {
            finish();
            reject(new Error(`${script} exited while the soak waited for '${type}'`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${script} did not send '${type}' within ${STEP_WAIT_MS} ms`));
        }, STEP_WAIT_MS);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    /** Sends a request and waits for its answer (`replyType`, the request's own type by default). */
    ask(type, replyType = type) {
      const answer = this.next(replyType);
      child.send({ type });
      return answer;
    },
    /** Waits a moment for an exit it was asked for, then kills what is left. */
    async stop() {
      if (!exited) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 2_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (!exited) child.kill('SIGKILL');
    },
  };
}

const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

async function main() {
  console.log(
    `soak: ${CONNECTIONS} connections, ${DURATION_S} s (warm-up ${WARMUP_S} s), a message per connection every ${INTERVAL_MS} ms (16-${MESSAGE_BYTES} B), heartbeat ${HEARTBEAT_MS} ms, open files ${OPEN_FILES}`,
  );
  const bundle = await bundleLibrary();
  const processes = [];
  const checks = [];
  const check = (name, ok, detail) => {
    checks.push({ name, ok });
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  };
  try {
    const server = startProcess(
      './server.js',
      { WASMSOCKET_BUNDLE: bundle.path, SOAK_HEARTBEAT_MS: String(HEARTBEAT_MS) },
      ['--expose-gc'],
    );
    processes.push(server);
    const { port } = await server.next('listening');
    const client = startProcess('./client.js', {
      WASMSOCKET_BUNDLE: bundle.path,
      SOAK_PORT: String(port),
      SOAK_CONNECTIONS: String(CONNECTIONS),
      SOAK_INTERVAL_MS: String(INTERVAL_MS),
      SOAK_MESSAGE_BYTES: String(MESSAGE_BYTES),
    });
    processes.push(client);
    await client.next('ready');
    const opened = await client.ask('open', 'opened');
    console.log(`opened ${opened.opened} of ${CONNECTIONS} in ${opened.ms} ms (${opened.failed} failed)`);

    const samples = [];
    const started = Date.now();
    let nextReport = started + 10_000;
    while (Date.now() - started < DURATION_S * 1000) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const sample = await server.ask('sample');
      samples.push({ at: (Date.now() - started) / 1000, ...sample });
      if (Date.now() >= nextReport) {
        nextReport += 10_000;
        const progress = await client.ask('progress');
        console.log(
          `  ${sample.connections} open, ${progress.received} echoes (${progress.mismatched} wrong), server RSS ${mib(sample.rss)} MiB, heap ${mib(sample.heapUsed)} MiB, ArrayBuffers ${mib(sample.arrayBuffers)} MiB`,
        );
      }
    }

    const stopped = await client.ask('stop', 'stopped');
    const afterClose = await server.ask('sample');
    const shutdown = await server.ask('shutdown');

    check(
      'every connection opened and stayed open',
      stopped.opened === CONNECTIONS && stopped.unexpectedCloses === 0 && stopped.errors === 0,
      `${stopped.opened}/${CONNECTIONS} opened, ${stopped.unexpectedCloses} closed early, ${stopped.errors} errors`,
    );
    check(
      'every echo exact and in order',
      stopped.mismatched === 0 && stopped.received === stopped.sent && stopped.sent > 0,
      `${stopped.sent} sent, ${stopped.received} echoed, ${stopped.mismatched} wrong${stopped.firstMismatch ? ` (first: ${JSON.stringify(stopped.firstMismatch)})` : ''}, ${stopped.inFlight} unanswered`,
    );
    check(
      'every connection closed cleanly with 1000',
      stopped.allClosed && (stopped.closeCodes['1000'] ?? 0) === stopped.opened,
      `close codes ${JSON.stringify(stopped.closeCodes)}; server connections after close: ${afterClose.connections}`,
    );

    const measured = samples.filter((s) => s.at >= WARMUP_S);
    if (measured.length < 6) {
      check('resident memory flat after warm-up', false, `only ${measured.length} samples after the warm-up`);
    } else {
      const third = Math.floor(measured.length / 3);
      const first = mean(measured.slice(0, third).map((s) => s.rss));
      const last = mean(measured.slice(-third).map((s) => s.rss));
      const growth = (last - first) / first;
      const rss = measured.map((s) => s.rss);
      check(
        `resident memory flat after warm-up (within ${(RSS_TOLERANCE * 100).toFixed(0)} %)`,
        growth <= RSS_TOLERANCE,
        `first third ${mib(first)} MiB, last third ${mib(last)} MiB (${(growth * 100).toFixed(1)} %), min ${mib(Math.min(...rss))}, max ${mib(Math.max(...rss))} MiB over ${measured.length} samples; heap ${mib(measured[0].heapUsed)} -> ${mib(measured.at(-1).heapUsed)} MiB`,
      );
    }
    check(
      'no handles of ours left in the server after shutdown()',
      shutdown.handles.length === 0 && shutdown.connections === 0,
      `${JSON.stringify(shutdown.handles)}, ${shutdown.connections} connections tracked`,
    );
    check(
      'no handles of ours left in the client process after every close',
      stopped.handles.length === 0,
      JSON.stringify(stopped.handles),
    );
    server.child.send({ type: 'exit' });
    client.child.send({ type: 'exit' });
  } catch (error) {
    check('the soak ran to its end', false, error instanceof Error ? error.message : String(error));
  } finally {
    await Promise.all(processes.map((each) => each.stop()));
    bundle.remove();
  }
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`soak: ${checks.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
