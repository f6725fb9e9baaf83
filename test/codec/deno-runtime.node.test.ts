// The dispatcher in Deno (the npm `deno` package's binary) takes Deno's threshold table
// (src/codec/dispatch-thresholds.ts) and masks correctly on both sides of its mask threshold. The built
// package is bundled with the "deno" export condition and run with no permissions. Needs `npm run build`.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { within } from '../support/waits.ts';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const denoBinary = (createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string }).runInstall();
/** Deno starts and answers in about a second; this only catches a hang. */
const RUN_TIMEOUT_MS = 30_000;

let directory: string | undefined;

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

it(
  "takes Deno's threshold table in Deno",
  async () => {
    if (!existsSync(join(packageRoot, 'dist/src/codec/dispatch.js'))) {
      throw new Error('the package is not built: run `npm run build` first');
    }
    directory = mkdtempSync(join(tmpdir(), 'wasmsocket-deno-runtime-'));
    const result = await build({
      absWorkingDir: packageRoot,
      entryPoints: [fileURLToPath(new URL('./deno-runtime.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['deno', 'import'],
      mainFields: ['module', 'main'],
      external: ['node:*', '*.wasm'],
      tsconfigRaw: {},
      logLevel: 'silent',
    });
    mkdirSync(join(directory, 'bundle'));
    mkdirSync(join(directory, 'build'));
    writeFileSync(join(directory, 'bundle', 'check.js'), result.outputFiles[0].text);
    for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
      copyFileSync(join(packageRoot, 'dist/build', file), join(directory, 'build', file));
    }
    const child = spawn(denoBinary, ['run', 'bundle/check.js'], {
      cwd: directory,
      env: { ...process.env, DENO_DIR: join(directory, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    const report = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(report.runtime).toBe('deno');
    expect(report.usesRuntimeTable).toBe(true);
    expect(report.autoBackend).toBe('wasm-simd');
    const key = [1, 2, 3, 4];
    for (const masked of report.masked as number[][]) {
      expect(masked).toEqual(masked.map((_, i) => 0x5a ^ key[i & 3]));
    }
  },
  RUN_TIMEOUT_MS + 30_000,
);
