// ReconnectingWebSocket of wasmsocket/web in Deno (the npm `deno` package's binary): the web-scenarios
// against servers in this process, from the built package bundled with the "deno" export condition, in
// a child process with --allow-net=127.0.0.1 and no read access (the codec imports its .wasm files). Deno
// must end by itself once the scenarios are done: a timer or socket left behind would keep it running.
// Needs `npm run build` first.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleForDeno, packageRoot, runDeno } from '../support/deno.ts';
import { deadPort, type RecordingServer, startRecordingServer } from './servers.ts';
import { EXPECTED } from './web-scenarios.ts';

/** The scenarios take about a second; this only catches a hang (or a timer that keeps Deno alive). */
const RUN_TIMEOUT_MS = 30_000;

let dropping: RecordingServer;
let refusing: RecordingServer;
let dead: number;
let directory: string;

beforeAll(async () => {
  if (!existsSync(join(packageRoot, 'dist/src/web/reconnecting-websocket.js'))) {
    throw new Error('the package is not built: run `npm run build` first');
  }
  [dropping, refusing, dead] = await Promise.all([
    startRecordingServer({
      dropAfter: (text) => text === 'first',
      refuse: (handshake) => (handshake === 1 || handshake === 2 ? 503 : undefined),
      reply: (text) => (text === 'after' ? 'done' : undefined),
    }),
    startRecordingServer({ refuse: () => 401 }),
    deadPort(),
  ]);
  directory = mkdtempSync(join(tmpdir(), 'wasmsocket-deno-reconnect-'));
});

afterAll(async () => {
  await Promise.all([dropping?.close(), refusing?.close()]);
  if (directory) rmSync(directory, { recursive: true, force: true });
});

it(
  'runs the reconnecting scenarios in Deno, which then exits by itself',
  async () => {
    const inputs = await bundleForDeno(
      fileURLToPath(new URL('./deno-reconnect.ts', import.meta.url)),
      directory,
      'client.js',
    );
    expect(inputs).toContain('dist/src/web/reconnecting-websocket.js');
    expect(inputs).toContain('dist/src/web/connect-deno.js');
    expect(inputs.filter((input) => input.startsWith('src/') || input.startsWith('dist/src/node/'))).toEqual([]);
    const report = (await runDeno(
      directory,
      [
        'run',
        '--allow-net=127.0.0.1',
        '--allow-env=WASMSOCKET_BACKEND',
        'bundle/client.js',
        dropping.url,
        `ws://127.0.0.1:${dead}/`,
        refusing.url,
      ],
      'deno to finish by itself',
      RUN_TIMEOUT_MS,
    )) as Record<string, unknown>;
    expect(report.deno).toBe('2.9.6');
    expect(report.backend).toBe('wasm-simd');
    expect(report.drop).toEqual(EXPECTED.drop);
    expect(dropping.received.map((message) => message.text)).toEqual(EXPECTED.dropServerReceived);
    expect(report.backoff).toEqual(EXPECTED.backoff);
    expect(report.queue).toEqual(EXPECTED.queue);
    expect(report.refused).toEqual(EXPECTED.refused);
    expect(refusing.handshakes).toBe(EXPECTED.refusedServerHandshakes);
  },
  RUN_TIMEOUT_MS + 30_000,
);
