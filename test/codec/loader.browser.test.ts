// In a browser the WASM build is fetched and compiled asynchronously; until then JS answers. Only the
// build `auto` uses is fetched: the SIMD one where the engine has SIMD (decided by validating a tiny
// probe module, not by fetching both builds).
//
// To see the codec answer before its build has arrived, this page holds back every .wasm response
// until the first test lets it through: the fetch wrapper goes in before the codec is imported (the
// imports below are dynamic for that reason; a static import would start the fetch first).

import { expect, it } from 'vitest';
import { within } from '../support/waits.ts';

/** The .wasm files the page asked for, by file name, in order. */
const requested: string[] = [];
/** Responses held back while `holding`; each call lets one through. */
const held: Array<() => void> = [];
let holding = true;

const networkFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const url = input instanceof Request ? input.url : String(input);
  const name = new URL(url, location.href).pathname.split('/').at(-1) as string;
  if (!name.endsWith('.wasm')) return networkFetch(input, init);
  requested.push(name);
  if (!holding) return networkFetch(input, init);
  return new Promise((resolve, reject) => held.push(() => networkFetch(input, init).then(resolve, reject)));
};

// Bounded: an import that waited for its build (a top-level await) would never finish while it is held.
const { activeBackend, isValidUtf8, prepareBackend, ready, setBackend } = await within(
  import('wasmsocket/codec'),
  'the codec to import while its .wasm is held back',
);
const { SIMD_PROBE } = await import('../../bindings/load.browser.ts');

/** The .wasm files this page has fetched so far, by file name (from the browser's own record). */
function fetchedWasmFiles(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname.split('/').at(-1) as string)
    .filter((name) => name.endsWith('.wasm'));
}

/** Lets a few turns of the event loop pass (a macrotask each), so that anything already settled would show. */
async function someTurns(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

it('answers before the WASM build arrives, and uses the SIMD build once ready, having fetched only it', async () => {
  let isReady = false;
  void ready.then(() => {
    isReady = true;
  });
  try {
    await someTurns();
    // The build was asked for at import and has not arrived: `ready` is pending and JS answers.
    expect(requested).toEqual(['wasmsocket.simd.wasm']);
    expect(held).toHaveLength(1);
    expect(isReady).toBe(false);
    expect(activeBackend()).toBe('js');
    expect(isValidUtf8(new TextEncoder().encode('before ready: ✓'))).toBe(true);
    expect(isValidUtf8(Uint8Array.of(0x61, 0xc0, 0x80))).toBe(false); // an overlong NUL: really validated
  } finally {
    // Let it arrive (also when a check above failed, so that the other tests do not wait for it).
    holding = false;
    for (const release of held.splice(0)) release();
  }
  await within(ready, 'the SIMD build once let through');
  expect(isReady).toBe(true);
  expect(activeBackend()).toBe('wasm-simd');
  expect(isValidUtf8(new TextEncoder().encode('after ready: ✓'))).toBe(true);
  expect(isValidUtf8(Uint8Array.of(0x61, 0xc0, 0x80))).toBe(false);
  expect(fetchedWasmFiles()).toEqual(['wasmsocket.simd.wasm']);
});

it('fetches the scalar build only when it is asked for', async () => {
  await within(ready, 'the SIMD build');
  expect(() => setBackend('wasm')).toThrow(/cannot load/);
  await prepareBackend('wasm');
  setBackend('wasm');
  expect(activeBackend()).toBe('wasm');
  expect(requested).toEqual(['wasmsocket.simd.wasm', 'wasmsocket.wasm']);
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
