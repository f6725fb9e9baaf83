// wasmsocket/web in Deno (the npm `deno` package's binary): the client scenario against our Node server
// and a ws-package server, from the built package bundled with the "deno" export condition, run as a
// child process with --allow-net and no read access: the codec's Deno loader imports its .wasm files as
// modules, so the scenario must report the wasm-simd backend without --allow-read.
// The test runs the binary that `npm install deno@2.9.6` put in node_modules, from the registry.
// Needs `npm run build` first.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleForDeno, packageRoot, runDeno } from '../support/deno.ts';
import { within } from '../support/waits.ts';
import { ECHO_SIZES, SCENARIO_CLOSE, SCENARIO_PROTOCOL, type ScenarioReport } from './client-scenario.ts';
import { type EchoServer, startOurServer, startWsPackageServer } from './echo-servers.ts';

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
    const inputs = await bundleForDeno(
      fileURLToPath(new URL('./deno-client.ts', import.meta.url)),
      directory,
      'client.js',
    );
    expect(inputs).toContain('dist/src/web/index.js');
    expect(inputs).toContain('dist/src/web/connect-deno.js');
    expect(inputs.filter((input) => input.startsWith('src/') || input.startsWith('dist/src/node/'))).toEqual([]);
    expect(inputs).toContain('dist/bindings/load.deno.js');
    const closes = [ours.nextClose(), wsPackage.nextClose()];
    const report = (await runDeno(
      directory,
      [
        'run',
        '--allow-net=127.0.0.1',
        // The codec reads WASMSOCKET_BACKEND through process.env, which Deno refuses (throws) without this.
        '--allow-env=WASMSOCKET_BACKEND',
        'bundle/client.js',
        String(ours.port),
        String(wsPackage.port),
      ],
      'deno to finish',
      RUN_TIMEOUT_MS,
    )) as {
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
