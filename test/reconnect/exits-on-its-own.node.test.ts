// After close() (or once it gives up) a ReconnectingWebSocket leaves nothing that keeps a process alive:
// no backoff timer, no connect timer, no socket. Each case runs the built package (dist/) in a child
// process that never calls process.exit; its timers would hold it for a minute, and the test waits at
// most EXIT_WAIT_MS for it to end by itself. Both flavours: 'wasmsocket' and 'wasmsocket/web'.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherOutput } from '../support/child-output.ts';
import { until, within } from '../support/waits.ts';
import {
  deadPort,
  type RecordingServer,
  type SilentServer,
  startRecordingServer,
  startSilentServer,
} from './servers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Far below the minute a leaked timer would hold the child; far above what a clean exit takes. */
const EXIT_WAIT_MS = 20_000;

/** The child: one client, closed at `stage`; prints how it closed. Reads 'go' on stdin when told to wait for it. */
const CHILD = `
const { flavour, stage, url } = JSON.parse(process.env.RECONNECT_SCENARIO);
const { ReconnectingWebSocket } = await import(flavour === 'node' ? 'wasmsocket' : 'wasmsocket/web');
// Every timer it could leave behind is a minute long.
const options = stage === 'gave-up'
  ? { minDelayMs: 10, maxDelayMs: 10, maxRetries: 2 }
  : { minDelayMs: 60000, maxDelayMs: 60000, random: () => 1, connectTimeoutMs: 60000 };
const rws = flavour === 'node'
  ? new ReconnectingWebSocket(url, options)
  : new ReconnectingWebSocket(url, undefined, options);
const on = (type, listener) => flavour === 'node' ? rws.on(type, listener) : rws.addEventListener(type, listener);
on('error', () => {});
on('close', (event) => console.log(JSON.stringify({ closed: flavour === 'node' ? event : event.code })));
if (stage === 'waiting') on('reconnecting', () => rws.close());
if (stage === 'open') on('open', () => rws.close(1000));
if (stage === 'connecting') {
  process.stdin.once('data', () => {
    process.stdin.destroy();
    rws.close();
  });
}
`;

let server: RecordingServer;
let silent: SilentServer;
let dead: number;

beforeAll(async () => {
  if (!existsSync(`${REPO_ROOT}dist/src/node/reconnecting-websocket.js`)) {
    throw new Error('the package is not built: run `npm run build` first');
  }
  [server, silent, dead] = await Promise.all([startRecordingServer(), startSilentServer(), deadPort()]);
});

afterAll(async () => {
  await Promise.all([server?.close(), silent?.close()]);
});

/** Runs the child until it exits by itself (bounded); resolves with its exit code and what it printed. */
async function runChild(scenario: object, whenStarted?: (send: (line: string) => void) => Promise<void>) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: REPO_ROOT,
    env: { ...process.env, RECONNECT_SCENARIO: JSON.stringify(scenario) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = gatherOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await whenStarted?.((line) => child.stdin.write(line));
    const code = await within(exited, 'the child to exit by itself', EXIT_WAIT_MS);
    return { code, ...output };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe.each(['node', 'web'])("the %s flavour's process exits by itself", (flavour) => {
  it('after close() while waiting for the next attempt', async () => {
    const { code, stdout, stderr } = await runChild({ flavour, stage: 'waiting', url: `ws://127.0.0.1:${dead}/` });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ closed: 1006 });
  });

  it('after close() while an attempt waits for the server to answer its upgrade', async () => {
    const accepted = silent.accepted;
    const { code, stdout, stderr } = await runChild(
      { flavour, stage: 'connecting', url: `ws://127.0.0.1:${silent.port}/` },
      async (send) => {
        await until(() => silent.accepted !== accepted, 'the child to connect');
        send('go\n');
      },
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ closed: 1006 });
    expect(silent.accepted).toBe(accepted + 1);
  });

  it('after close() of an open connection', async () => {
    const { code, stdout, stderr } = await runChild({ flavour, stage: 'open', url: server.url });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ closed: 1000 });
  });

  it('once it gives up (maxRetries)', async () => {
    const { code, stdout, stderr } = await runChild({ flavour, stage: 'gave-up', url: `ws://127.0.0.1:${dead}/` });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ closed: 1006 });
  });
});
