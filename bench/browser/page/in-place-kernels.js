// A private instance of the SIMD build for the "in place" rows, as bench/codec/in-place-kernels.js does in
// Node (which reads the file from disk): here the page fetches the .wasm asset the build emitted. The
// kernel then runs on bytes already in linear memory, with no copy in or out, which is the ceiling for the
// batch scanner; the difference to the setBackend('wasm-simd') rows is the wrapper's copies and checks.
// For sizes past the staging area this instance's memory is grown, which the library itself never does.

import simdWasmUrl from '../../../dist/build/wasmsocket.simd.wasm?url';

const PAGE_SIZE = 65536;

let instance = null;

/** Fetches and instantiates the SIMD build once; call (and await) before inPlaceKernels. */
export async function loadInPlaceKernels() {
  if (instance !== null) return;
  const { instance: wasm } = await WebAssembly.instantiateStreaming(fetch(simdWasmUrl), {});
  const exports = wasm.exports;
  if (!exports.usesSimd()) throw new Error('bench: the .wasm fetched for the in-place rows is not the SIMD build');
  instance = { exports, stagingPtr: exports.STAGING_PTR.value, bytes: new Uint8Array(exports.memory.buffer) };
}

/** { exports, stagingPtr, bytes } with room for `capacity` bytes from stagingPtr. */
export function inPlaceKernels(capacity) {
  if (instance === null) throw new Error('bench: loadInPlaceKernels() was not awaited');
  const needed = instance.stagingPtr + capacity;
  const memory = instance.exports.memory;
  if (memory.buffer.byteLength < needed) {
    memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_SIZE));
    instance.bytes = new Uint8Array(memory.buffer);
  }
  return instance;
}
