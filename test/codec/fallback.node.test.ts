// Where WebAssembly cannot load (here: node --jitless, which removes it), the codec answers from its
// JavaScript twins, with the same answers. Runs the built package (dist/) in child processes.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/codec-answers.js', import.meta.url));

function answers(nodeFlags: string[], backend: string) {
  const output = execFileSync(process.execPath, [...nodeFlags, script], {
    env: { ...process.env, WASMSOCKET_BACKEND: backend },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(output) as { backend: string } & Record<string, unknown>;
}

describe('the codec without WebAssembly', () => {
  it('falls back to JS under node --jitless and gives the same answers as the SIMD build', () => {
    const withoutWasm = answers(['--jitless'], 'auto');
    const withSimd = answers([], 'wasm-simd');
    expect(withoutWasm.backend).toBe('js');
    expect(withSimd.backend).toBe('wasm-simd');
    const { backend: _a, ...jsAnswers } = withoutWasm;
    const { backend: _b, ...simdAnswers } = withSimd;
    expect(jsAnswers).toEqual(simdAnswers);
    expect(jsAnswers.utf8).toEqual([true, true, false, false]);
  });

  it('a forced WASM backend that cannot load leaves the import working, on JS', () => {
    expect(answers(['--jitless'], 'wasm-simd').backend).toBe('js');
  });
});
