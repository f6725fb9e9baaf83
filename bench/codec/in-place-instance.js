// A private instance of the SIMD build, for the "WASM kernel in place" rows, in Node and in the browser
// page alike (in-place-kernels.js loads it from disk, bench/browser/page/in-place-kernels.js fetches it).
//
// Why the bench instantiates the module itself instead of going through bindings/kernels.ts: the wrapper
// copies caller data into linear memory and back on every call, which is the price an application pays
// and what the "auto" and forced-backend rows measure. These rows show the kernel alone, on data already
// in linear memory (as in the batch scanner, where a socket chunk is copied in once and every frame in it
// is unmasked and validated there), so the difference between the two is the cost of the copies and the
// wrapper. A private instance also keeps this bench's writes out of the memory the codec uses.
//
// Data sits from STAGING_PTR on; for sizes past the staging area (256 KiB) this instance's memory is grown,
// which the library itself never does: those rows show the kernel's speed, not a path the library takes.

const PAGE_SIZE = 65536;

/** { exports, stagingPtr, bytes } over an instance's exports, after checking it is the SIMD build. */
export function inPlaceInstance(exports, where) {
  if (!exports.usesSimd()) throw new Error(`bench: ${where} is not the SIMD build`);
  return { exports, stagingPtr: exports.STAGING_PTR.value, bytes: new Uint8Array(exports.memory.buffer) };
}

/** The instance with room for `capacity` bytes from stagingPtr; `bytes` views all of memory after growth. */
export function withCapacity(instance, capacity) {
  const needed = instance.stagingPtr + capacity;
  const memory = instance.exports.memory;
  if (memory.buffer.byteLength < needed) {
    memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_SIZE));
    instance.bytes = new Uint8Array(memory.buffer);
  }
  return instance;
}
