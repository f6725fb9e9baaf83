// XOR masking (RFC 6455 section 5.3). Masking and unmasking are the same operation.
//
// `keyLE` holds the 4 key bytes as a little-endian u32 (byte 0 in the low bits). `phase` (0-3) is the
// key byte that applies to the first byte at ptr, so a payload processed in pieces continues where
// the previous piece stopped.

@inline
function rotateKey(keyLE: u32, phase: u32): u32 {
  // Shifting the little-endian word right by 8*phase brings key byte `phase` to the lowest byte.
  return rotr<u32>(keyLE, (phase & 3) << 3);
}

export function maskBytes(ptr: usize, len: usize, keyLE: u32, phase: u32): void {
  const key = rotateKey(keyLE, phase);
  const end = ptr + len;
  if (ASC_FEATURE_SIMD) {
    const keyVec = i32x4.splat(key);
    // 64 bytes per iteration keeps four independent loads in flight.
    while (ptr + 64 <= end) {
      v128.store(ptr, v128.xor(v128.load(ptr), keyVec));
      v128.store(ptr, v128.xor(v128.load(ptr, 16), keyVec), 16);
      v128.store(ptr, v128.xor(v128.load(ptr, 32), keyVec), 32);
      v128.store(ptr, v128.xor(v128.load(ptr, 48), keyVec), 48);
      ptr += 64;
    }
    while (ptr + 16 <= end) {
      v128.store(ptr, v128.xor(v128.load(ptr), keyVec));
      ptr += 16;
    }
  }
  const key64: u64 = (<u64>key << 32) | <u64>key;
  while (ptr + 8 <= end) {
    store<u64>(ptr, load<u64>(ptr) ^ key64);
    ptr += 8;
  }
  // Every step above advanced by a multiple of 4, so the key is still in phase for the tail.
  let k = key;
  while (ptr < end) {
    store<u8>(ptr, load<u8>(ptr) ^ <u8>k);
    k = rotr<u32>(k, 8);
    ptr++;
  }
}
