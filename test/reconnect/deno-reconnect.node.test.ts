// ReconnectingWebSocket of wasmsocket/web in Deno (the npm `deno` package's binary): the web-scenarios
// against servers in this process, from the built package bundled with the "deno" export condition, in
// a child process with --allow-net=127.0.0.1 and no read access (the codec imports its .wasm files). Deno
// must end by itself once the scenarios are done: a timer or socket left behind would keep it running.
// Needs `npm run build` first.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { within } from '../support/waits.ts';
import { deadPort, type RecordingServer, startRecordingServer } from './servers.ts';
import { EXPECTED } from './web-scenarios.ts';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const denoBinary = (createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string }).runInstall();
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
    const result = await build({
      absWorkingDir: packageRoot,
      entryPoints: [fileURLToPath(new URL('./deno-reconnect.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['deno', 'import'],
      mainFields: ['module', 'main'],
      // The Deno loader's .wasm imports stay imports, as Deno loads them (../build/ beside bundle/).
      external: ['node:*', '*.wasm'],
      tsconfigRaw: {},
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(packageRoot, join(packageRoot, input)));
    expect(inputs).toContain('dist/src/web/reconnecting-websocket.js');
    expect(inputs).toContain('dist/src/web/connect-deno.js');
    expect(inputs.filter((input) => input.startsWith('src/') || input.startsWith('dist/src/node/'))).toEqual([]);
    mkdirSync(join(directory, 'bundle'));
    mkdirSync(join(directory, 'build'));
    writeFileSync(join(directory, 'bundle', 'client.js'), result.outputFiles[0].text);
    for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
      copyFileSync(join(packageRoot, 'dist/build', file), join(directory, 'build', file));
    }
    const child = spawn(
      denoBinary,
      [
        'run',
        '--allow-net=127.0.0.1',
        '--allow-env=WASMSOCKET_BACKEND',
        'bundle/client.js',
        dropping.url,
        `ws://127.0.0.1:${dead}/`,
        refusing.url,
      ],
      {
        cwd: directory,
        env: { ...process.env, DENO_DIR: join(directory, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      const code = await within(
        new Promise<number | null>((resolve) => child.once('exit', resolve)),
        'deno to finish by itself',
        RUN_TIMEOUT_MS,
      );
      expect(code, `deno failed: ${stderr}`).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const report = JSON.parse(stdout.trim().split('\n').at(-1) as string);
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
