// wasmsocket/web in Deno (the npm `deno` package's binary): the client scenario against our Node server
// and a ws-package server, from the built package bundled with the "deno" export condition, run as a
// child process with --allow-net and no read access: the codec's Deno loader imports its .wasm files as
// modules, so the scenario must report the wasm-simd backend without --allow-read.
// The test runs the binary that `npm install deno@2.9.6` put in node_modules, from the registry.
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
import { ECHO_SIZES, SCENARIO_CLOSE, SCENARIO_PROTOCOL, type ScenarioReport } from './client-scenario.ts';
import { type EchoServer, startOurServer, startWsPackageServer } from './echo-servers.ts';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The deno binary the npm package installed (its install API finds the platform package's binary). */
const denoBinary = (createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string }).runInstall();
/** Two scenarios of about 70 MiB each way; this only catches a hang. */
const RUN_TIMEOUT_MS = 60_000;

let ours: EchoServer;
let wsPackage: EchoServer;
let directory: string;

beforeAll(async () => {
  if (!existsSync(join(packageRoot, 'dist/src/web/index.js'))) {
    throw new Error('the package is not built: run `npm run build` first');
  }
  [ours, wsPackage] = await Promise.all([startOurServer(), startWsPackageServer()]);
  directory = mkdtempSync(join(tmpdir(), 'wasmsocket-deno-'));
});

afterAll(async () => {
  await Promise.all([ours?.close(), wsPackage?.close()]);
  if (directory) rmSync(directory, { recursive: true, force: true });
});

it(
  'runs the client scenario in Deno against our server and the ws package',
  async () => {
    const result = await build({
      absWorkingDir: packageRoot,
      entryPoints: [fileURLToPath(new URL('./deno-client.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['deno', 'import'],
      mainFields: ['module', 'main'],
      // The Deno loader's .wasm imports stay imports, as Deno loads them (../build/ beside bundle/).
      external: ['node:*', '*.wasm'],
      // The repository's tsconfig maps '#wasm-loader' and 'wasmsocket/codec' to sources for type-checking.
      tsconfigRaw: {},
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(packageRoot, join(packageRoot, input)));
    expect(inputs).toContain('dist/src/web/index.js');
    expect(inputs).toContain('dist/src/web/connect-deno.js');
    expect(inputs.filter((input) => input.startsWith('src/') || input.startsWith('dist/src/node/'))).toEqual([]);
    expect(inputs).toContain('dist/bindings/load.deno.js');
    // The bundle sits in bundle/, and the codec's loader imports ../build/*.wasm beside it, as in dist/.
    mkdirSync(join(directory, 'bundle'));
    mkdirSync(join(directory, 'build'));
    writeFileSync(join(directory, 'bundle', 'client.js'), result.outputFiles[0].text);
    for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
      copyFileSync(join(packageRoot, 'dist/build', file), join(directory, 'build', file));
    }
    const closes = [ours.nextClose(), wsPackage.nextClose()];
    const child = spawn(
      denoBinary,
      [
        'run',
        '--allow-net=127.0.0.1',
        // The codec reads WASMSOCKET_BACKEND through process.env, which Deno refuses (throws) without this.
        '--allow-env=WASMSOCKET_BACKEND',
        'bundle/client.js',
        String(ours.port),
        String(wsPackage.port),
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
        'deno to finish',
        RUN_TIMEOUT_MS,
      );
      expect(code, `deno failed: ${stderr}`).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const report = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
      deno: string;
      backend: string;
      ours: ScenarioReport;
      wsPackage: ScenarioReport;
    };
    expect(report.deno).toBe('2.9.6');
    expect(report.backend).toBe('wasm-simd');
    for (const scenario of [report.ours, report.wsPackage]) {
      expect(scenario.protocol).toBe(SCENARIO_PROTOCOL);
      expect(scenario.echoes.filter((echo) => !echo.ok)).toEqual([]);
      expect(scenario.echoes).toHaveLength(ECHO_SIZES.length * 2);
      expect(scenario.closed).toEqual(SCENARIO_CLOSE);
    }
    for (const close of closes) {
      expect(await within(close, "the server's close")).toEqual({
        code: SCENARIO_CLOSE.closeCode,
        reason: SCENARIO_CLOSE.reason,
      });
    }
  },
  RUN_TIMEOUT_MS + 30_000,
);
