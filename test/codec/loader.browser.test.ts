// In a browser the WASM build is fetched and compiled asynchronously; until then JS answers. Only the
// build `auto` uses is fetched: the SIMD one where the engine has SIMD (decided by validating a tiny
// probe module, not by fetching both builds).

import { expect, it } from 'vitest';
import { activeBackend, isValidUtf8, prepareBackend, ready, setBackend } from 'wasmsocket/codec';
import { SIMD_PROBE } from '../../bindings/load.browser.ts';

/** The .wasm files this page has fetched so far, by file name. */
function fetchedWasmFiles(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname.split('/').at(-1) as string)
    .filter((name) => name.endsWith('.wasm'));
}

it('answers before the WASM build arrives, and uses the SIMD build once ready, having fetched only it', async () => {
  expect(isValidUtf8(new TextEncoder().encode('before ready: ✓'))).toBe(true);
  await ready;
  expect(activeBackend()).toBe('wasm-simd');
  expect(isValidUtf8(new TextEncoder().encode('after ready: ✓'))).toBe(true);
  expect(fetchedWasmFiles()).toEqual(['wasmsocket.simd.wasm']);
});

it('fetches the scalar build only when it is asked for', async () => {
  await ready;
  expect(() => setBackend('wasm')).toThrow(/cannot load/);
  await prepareBackend('wasm');
  setBackend('wasm');
  expect(activeBackend()).toBe('wasm');
  expect(fetchedWasmFiles().sort()).toEqual(['wasmsocket.simd.wasm', 'wasmsocket.wasm']);
  setBackend('auto');
  expect(activeBackend()).toBe('wasm-simd');
});

it('the SIMD probe is a valid module in this engine, and invalid once its v128 instruction is broken', () => {
  expect(WebAssembly.validate(SIMD_PROBE)).toBe(true);
  const broken = SIMD_PROBE.slice();
  broken[broken.indexOf(0xfd) + 1] = 0xff; // no such SIMD opcode
  expect(WebAssembly.validate(broken)).toBe(false);
});
