// XOR masking in JavaScript (RFC 6455 section 5.3): the reference for the WASM kernel and the path for
// small inputs, where crossing into WASM costs more than the loop.
//
// A byte loop over a Uint8Array is slow in V8 (~3 ns per byte), so from WORD_LOOP_MIN_BYTES on, the aligned
// middle of the range is XORed as 32-bit words through an Int32Array view of the same memory: four bytes
// per element, at the price of creating the view (docs/measurements.md#js-mask-word-loop).

import { RUNTIME_THRESHOLDS } from './dispatch-thresholds.js';

/** Packs 4 key bytes as a little-endian u32 (key[0] in the low byte), the form the kernels take. */
export function keyToWord(key: Uint8Array): number {
  return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
}

/** True where typed arrays store the low byte first (every engine this runs on; checked, not assumed). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * From this many bytes the aligned middle is XORed as words; below it the view costs what the words save
 * (this runtime's table: docs/measurements.md#js-mask-word-loop, #thresholds-per-runtime).
 */
const WORD_LOOP_MIN_BYTES = RUNTIME_THRESHOLDS.jsMaskWordMinBytes;

/** The key word rotated so that its byte `phase` is the low byte. */
function rotateKey(keyWord: number, phase: number): number {
  const shift = (phase & 3) << 3;
  return shift === 0 ? keyWord | 0 : (keyWord >>> shift) | (keyWord << (32 - shift));
}

/** The 4 key bytes, low byte first, as the int32 an Int32Array element holds on this engine. */
function wordForMemory(key: number): number {
  if (LITTLE_ENDIAN) return key;
  return ((key & 0xff) << 24) | ((key & 0xff00) << 8) | ((key >>> 8) & 0xff00) | (key >>> 24);
}

/** XORs bytes[start, end) with the key word, whose byte `phase` applies to bytes[start]. */
export function xorMaskJs(bytes: Uint8Array, start: number, end: number, keyWord: number, phase: number): void {
  let key = rotateKey(keyWord, phase);
  let i = start;
  if (end - start >= WORD_LOOP_MIN_BYTES) {
    // Bytes up to a 4-byte boundary of the underlying buffer, each rotating the key by one byte.
    for (const head = i + ((4 - ((bytes.byteOffset + i) & 3)) & 3); i < head; i++) {
      bytes[i] ^= key;
      key = (key >>> 8) | (key << 24);
    }
    const count = (end - i) >>> 2;
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, count);
    const word = wordForMemory(key);
    for (let w = 0; w < count; w++) words[w] ^= word;
    i += count << 2;
  }
  const k0 = key & 0xff;
  const k1 = (key >>> 8) & 0xff;
  const k2 = (key >>> 16) & 0xff;
  const k3 = key >>> 24;
  for (const last = end - 3; i < last; i += 4) {
    bytes[i] ^= k0;
    bytes[i + 1] ^= k1;
    bytes[i + 2] ^= k2;
    bytes[i + 3] ^= k3;
  }
  if (i < end) bytes[i++] ^= k0;
  if (i < end) bytes[i++] ^= k1;
  if (i < end) bytes[i] ^= k2;
}

/** Writes src[srcStart, srcEnd) XORed with the key word (byte `phase` first) into dest from destStart. */
export function xorMaskIntoJs(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dest: Uint8Array,
  destStart: number,
  keyWord: number,
  phase: number,
): void {
  if (srcEnd - srcStart >= WORD_LOOP_MIN_BYTES) {
    // One native copy, then the word loop in place: both beat a byte loop that reads one array and
    // writes the other (and the copy handles src and dest overlapping in one buffer).
    dest.set(srcStart === 0 && srcEnd === src.length ? src : src.subarray(srcStart, srcEnd), destStart);
    xorMaskJs(dest, destStart, destStart + (srcEnd - srcStart), keyWord, phase);
    return;
  }
  let key = rotateKey(keyWord, phase);
  for (let i = srcStart, j = destStart; i < srcEnd; i++, j++) {
    dest[j] = src[i] ^ key;
    key = (key >>> 8) | (key << 24);
  }
}
