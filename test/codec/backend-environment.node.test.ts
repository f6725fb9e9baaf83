// WASMSOCKET_BACKEND is never ignored silently: a value that is not a backend, or a backend that cannot
// load here, gives one warning (process.emitWarning, code WASMSOCKET_BACKEND) and the import goes on
// with 'auto' (a warning rather than an error: the variable only tunes speed, and 'auto' gives the same
// answers). Runs the built package (dist/) in child processes, whose stderr is where the warning goes.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Imports the built codec by its package name and prints the active backend. */
const PROBE =
  "import('wasmsocket/codec').then(async (codec) => { await codec.ready; console.log(codec.activeBackend()); })";

function importWith(value: string | undefined, nodeFlags: string[] = []) {
  const env = { ...process.env };
  delete env.WASMSOCKET_BACKEND;
  if (value !== undefined) env.WASMSOCKET_BACKEND = value;
  const child = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', PROBE], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  // Only ours: under --jitless Node warns about its own flags too.
  const warnings = child.stderr.split('\n').filter((line) => line.includes('[WASMSOCKET_BACKEND] Warning'));
  return { status: child.status, backend: child.stdout.trim(), warnings, stderr: child.stderr };
}

describe('WASMSOCKET_BACKEND', () => {
  it('a value that is not a backend gives one warning naming it and the choices, and runs on auto', () => {
    const run = importWith('bogus');
    expect(run.status, run.stderr).toBe(0);
    expect(run.backend).toBe('wasm-simd');
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toContain('WASMSOCKET_BACKEND="bogus" is not a backend');
    expect(run.warnings[0]).toContain('auto, js, wasm, wasm-simd');
  });

  it('a backend that cannot load here (node --jitless has no WebAssembly) gives one warning, and runs on JS', () => {
    const run = importWith('wasm-simd', ['--jitless']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.backend).toBe('js');
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toContain('WASMSOCKET_BACKEND=wasm-simd cannot load in this runtime');
  });

  it('a valid value, an empty one or none gives no warning', () => {
    for (const [value, backend] of [
      ['js', 'js'],
      ['wasm', 'wasm'],
      ['wasm-simd', 'wasm-simd'],
      ['auto', 'wasm-simd'],
      ['', 'wasm-simd'],
      [undefined, 'wasm-simd'],
    ] as const) {
      const run = importWith(value);
      expect(run.status, run.stderr).toBe(0);
      expect(run.backend, String(value)).toBe(backend);
      expect(run.warnings, String(value)).toEqual([]);
    }
  });
});
