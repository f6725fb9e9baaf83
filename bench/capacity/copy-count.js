// Preloaded into our echo server for the copies measure (`node --import ./bench/capacity/copy-count.js`):
// counts the bytes our code copies in user space, by where the copy was made, so that "how many times is
// each received and each sent byte copied" is measured rather than argued. It wraps the copy primitives
// our code calls (Uint8Array.prototype.set, which the WASM staging copies in and out also use,
// Buffer.prototype.copy, TypedArray slice); Node's internals call their own captured primitives and are
// not counted, nor are the kernel's copies in read and write. Copies under 1 KiB (headers, small frames)
// are left out: the stack that attributes each copy is too dear for them, and the large-message figures
// they would change are per byte.
//
// The server probe reports the counts (request 'copies'): bytes per kind, kind one of
//   receive (src/protocol/frame-reader.js, message-assembler.js: reading frames, joining fragments),
//   send (frame-writer.js, outgoing.js, connection.js: building frames), other (anything else).

const MIN_BYTES = 1024;
const counts = { receive: 0, send: 0, other: 0, calls: 0 };
globalThis.__wasmsocketCopyCounts = counts;

function kindOf(stack) {
  if (/frame-reader\.js|message-assembler\.js/.test(stack)) return 'receive';
  if (/frame-writer\.js|outgoing\.js|protocol\/connection\.js/.test(stack)) return 'send';
  return 'other';
}

function count(bytes) {
  if (!(bytes >= MIN_BYTES)) return;
  counts[kindOf(new Error().stack ?? '')] += bytes;
  counts.calls++;
}

const TypedArray = Object.getPrototypeOf(Uint8Array);
const set = TypedArray.prototype.set;
TypedArray.prototype.set = function countedSet(source, offset) {
  if (this instanceof Uint8Array) count(source?.length ?? 0);
  return set.call(this, source, offset);
};
const slice = TypedArray.prototype.slice;
TypedArray.prototype.slice = function countedSlice(start, end) {
  const result = slice.call(this, start, end);
  if (result instanceof Uint8Array) count(result.length);
  return result;
};
const copy = Buffer.prototype.copy;
Buffer.prototype.copy = function countedCopy(target, targetStart, sourceStart, sourceEnd) {
  const copied = copy.call(this, target, targetStart, sourceStart, sourceEnd);
  count(copied);
  return copied;
};
