// In a browser the WASM builds are fetched and compiled asynchronously; until then JS answers.

import { expect, it } from 'vitest';
import { activeBackend, isValidUtf8, ready } from 'wasmsocket/codec';

it('answers before the WASM builds arrive, and uses the SIMD build once ready', async () => {
  expect(isValidUtf8(new TextEncoder().encode('before ready: ✓'))).toBe(true);
  await ready;
  expect(activeBackend()).toBe('wasm-simd');
  expect(isValidUtf8(new TextEncoder().encode('after ready: ✓'))).toBe(true);
});
