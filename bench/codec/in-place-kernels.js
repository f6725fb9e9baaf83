// The SIMD build's private instance for the "WASM kernel in place" rows, read from build/ (see
// in-place-instance.js for why the bench instantiates the module itself).

import { readFileSync } from 'node:fs';
import { inPlaceInstance, withCapacity } from './in-place-instance.js';

const SIMD_WASM = new URL('../../build/wasmsocket.simd.wasm', import.meta.url);

let instance = null;

/** { exports, stagingPtr, bytes }: bytes is a view over all of linear memory, valid after any growth. */
export function inPlaceKernels(capacity) {
  if (instance === null) {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(SIMD_WASM)), {}).exports;
    instance = inPlaceInstance(exports, 'build/wasmsocket.simd.wasm');
  }
  return withCapacity(instance, capacity);
}
