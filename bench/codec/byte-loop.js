// The pure-JavaScript baseline: the plain byte-at-a-time XOR a WebSocket library without a native or WASM
// helper runs (RFC 6455 section 5.3: byte i is XORed with key byte i mod 4). Written for this bench.

export function maskByteLoop(bytes, key) {
  const length = bytes.length;
  for (let i = 0; i < length; i++) bytes[i] ^= key[i & 3];
}
