// XOR masking in JavaScript (RFC 6455 section 5.3): the reference for the WASM kernel and the path for
// small inputs, where crossing into WASM costs more than the loop.

/** Packs 4 key bytes as a little-endian u32 (key[0] in the low byte), the form the kernels take. */
export function keyToWord(key: Uint8Array): number {
  return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
}

/** The key word rotated so that its byte `phase` is the low byte. */
function rotateKey(keyWord: number, phase: number): number {
  const shift = (phase & 3) << 3;
  return shift === 0 ? keyWord : ((keyWord >>> shift) | (keyWord << (32 - shift))) >>> 0;
}

/** XORs bytes[start, end) with the key word, whose byte `phase` applies to bytes[start]. */
export function xorMaskJs(bytes: Uint8Array, start: number, end: number, keyWord: number, phase: number): void {
  const key = rotateKey(keyWord, phase);
  const k0 = key & 0xff;
  const k1 = (key >>> 8) & 0xff;
  const k2 = (key >>> 16) & 0xff;
  const k3 = key >>> 24;
  let i = start;
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
  const key = rotateKey(keyWord, phase);
  const k0 = key & 0xff;
  const k1 = (key >>> 8) & 0xff;
  const k2 = (key >>> 16) & 0xff;
  const k3 = key >>> 24;
  let i = srcStart;
  let j = destStart;
  for (const last = srcEnd - 3; i < last; i += 4, j += 4) {
    dest[j] = src[i] ^ k0;
    dest[j + 1] = src[i + 1] ^ k1;
    dest[j + 2] = src[i + 2] ^ k2;
    dest[j + 3] = src[i + 3] ^ k3;
  }
  if (i < srcEnd) dest[j++] = src[i++] ^ k0;
  if (i < srcEnd) dest[j++] = src[i++] ^ k1;
  if (i < srcEnd) dest[j] = src[i] ^ k2;
}
