// The codec checks inside Cloudflare workerd, from the built package as a Workers bundler would see it:
// 'wasmsocket/codec' resolved through package.json "exports" to dist/, '#wasm-loader' through "imports"
// with the workerd condition, and both .wasm builds kept as wasm modules of the Worker (workerd refuses to
// compile WebAssembly from bytes). Needs `npm run build` first, as `npm test` does.

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecChecks } from '../codec/checks/index.ts';
import type { Backend } from '../support/check.ts';
import {
  bundleWorker,
  fetchFromWorkerd,
  type RunningWorkerd,
  startWorkerd,
  type WorkerBundle,
} from '../support/workerd.ts';
import type { CodecReport } from './codec-worker.ts';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What the bundle takes from dist/; missing files mean the package was not built. */
const BUILT_FILES = [
  'dist/src/codec/index.js',
  'dist/bindings/load.workerd.js',
  'dist/build/wasmsocket.simd.wasm',
  'dist/build/wasmsocket.wasm',
];

// Every check for every backend in one request: about 20 s in workerd on a 2-core machine (CPU-bound in
// the Worker; standalone workerd applies no per-request CPU limit). These bounds only catch a hang.
const REPORT_TIMEOUT_MS = 120_000;
const SETUP_TIMEOUT_MS = 150_000;

const BACKENDS: readonly Backend[] = ['js', 'wasm', 'wasm-simd'];

let bundle: WorkerBundle;
let workerd: RunningWorkerd | undefined;
let report: CodecReport;

beforeAll(async () => {
  const missing = BUILT_FILES.filter((file) => !existsSync(join(packageRoot, file)));
  if (missing.length > 0) {
    throw new Error(`the package is not built (missing ${missing.join(', ')}): run \`npm run build\` first`);
  }
  bundle = await bundleWorker(new URL('./codec-worker.ts', import.meta.url));
  workerd = await startWorkerd({ bundle });
  const response = await fetchFromWorkerd(workerd, '/', REPORT_TIMEOUT_MS);
  if (!response.ok) {
    throw new Error(`the Worker answered ${response.status}: ${await response.text()}\n${workerd.output()}`);
  }
  report = (await response.json()) as CodecReport;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await workerd?.stop();
});

describe('the codec in workerd', () => {
  it("bundles the package's workerd loader, with both WebAssembly builds as wasm modules", () => {
    expect(bundle.inputs).toContain('dist/bindings/load.workerd.js');
    expect(bundle.inputs.filter((input) => /\/load\.(node|browser)\.[jt]s$/.test(input))).toEqual([]);
    // The built package, not the TypeScript sources the vitest config aliases.
    expect(bundle.inputs.filter((input) => input.startsWith('src/') || input.startsWith('bindings/'))).toEqual([]);
    expect(bundle.wasmModules.map(({ path }) => relative(packageRoot, path)).sort()).toEqual([
      'dist/build/wasmsocket.simd.wasm',
      'dist/build/wasmsocket.wasm',
    ]);
    for (const { name } of bundle.wasmModules) expect(bundle.code).toContain(`from "./${name}"`);
    // No loader that reads, fetches or compiles bytes: only instances of the imported modules.
    expect(bundle.code).not.toMatch(
      /readFileSync|instantiateStreaming|WebAssembly\.instantiate\(|WebAssembly\.Module\(/,
    );
    expect(bundle.code).toContain('new WebAssembly.Instance(');
  });

  it("runs in workerd, where 'auto' resolves to the SIMD build", () => {
    expect(report.userAgent).toBe('Cloudflare-Workers');
    expect(report.autoBackend).toBe('wasm-simd');
    expect(report.runtime).toBe('workerd');
    expect(report.usesRuntimeTable).toBe(true);
    expect(report.checkNames).toEqual(codecChecks.map(({ name }) => name));
  });

  for (const backend of BACKENDS) {
    it(`passes every codec check on ${backend}`, () => {
      const outcomes = report.outcomes.filter((outcome) => outcome.backend === backend);
      expect(outcomes.map(({ name }) => name)).toEqual(codecChecks.map(({ name }) => name));
      const failures = outcomes.filter(({ ok }) => !ok).map(({ name, error }) => `${name}: ${error}`);
      expect(failures, `failed on ${backend} in workerd`).toEqual([]);
    });
  }
});
