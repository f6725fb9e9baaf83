// The dispatcher in Deno (the npm `deno` package's binary) takes Deno's threshold table
// (src/codec/dispatch-thresholds.ts) and masks correctly on both sides of its mask threshold. The built
// package is bundled with the "deno" export condition and run with no permissions. Needs `npm run build`.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { bundleForDeno, packageRoot, runDeno } from '../support/deno.ts';

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
    await bundleForDeno(fileURLToPath(new URL('./deno-runtime.ts', import.meta.url)), directory, 'check.js');
    const report = (await runDeno(directory, ['run', 'bundle/check.js'], 'deno to finish', RUN_TIMEOUT_MS)) as Record<
      string,
      unknown
    >;
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
