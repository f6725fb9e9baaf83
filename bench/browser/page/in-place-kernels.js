// The SIMD build's private instance for the "in place" rows in the page: fetched as the .wasm asset the
// build emitted (bench/codec/in-place-instance.js says why the bench instantiates the module itself).

import simdWasmUrl from '../../../dist/build/wasmsocket.simd.wasm?url';
import { inPlaceInstance, withCapacity } from '../../codec/in-place-instance.js';

let instance = null;

/** Fetches and instantiates the SIMD build once; call (and await) before inPlaceKernels. */
export async function loadInPlaceKernels() {
  if (instance !== null) return;
  const { instance: wasm } = await WebAssembly.instantiateStreaming(fetch(simdWasmUrl), {});
  instance = inPlaceInstance(wasm.exports, 'the .wasm fetched for the in-place rows');
}

/** { exports, stagingPtr, bytes } with room for `capacity` bytes from stagingPtr. */
export function inPlaceKernels(capacity) {
  if (instance === null) throw new Error('bench: loadInPlaceKernels() was not awaited');
  return withCapacity(instance, capacity);
}
