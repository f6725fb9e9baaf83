// Builds raw frames byte by byte, independently of the library's writer, so that tests state exactly
// what goes on the wire (RFC 6455 section 5.2).

export interface RawFrame {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  /** RSV bits as in byte 0 (0x40, 0x20, 0x10). */
  rsv?: number;
  /** A 4-byte key masks the payload; absent leaves it unmasked. */
  maskKey?: Uint8Array;
  /** Declare this length instead of the payload's (for lying headers). */
  declaredLength?: number;
  /** Force the 16- or 64-bit length form even where a shorter one fits. */
  lengthForm?: 7 | 16 | 64;
}

const encoder = new TextEncoder();

export function encodeFrame(frame: RawFrame): Uint8Array {
  const payload =
    typeof frame.payload === 'string' ? encoder.encode(frame.payload) : (frame.payload ?? new Uint8Array(0));
  const length = frame.declaredLength ?? payload.length;
  const form = frame.lengthForm ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const header: number[] = [(frame.fin === false ? 0 : 0x80) | (frame.rsv ?? 0) | frame.opcode];
  const maskBit = frame.maskKey ? 0x80 : 0;
  if (form === 7) {
    header.push(maskBit | length);
  } else if (form === 16) {
    header.push(maskBit | 126, (length >>> 8) & 0xff, length & 0xff);
  } else {
    const high = Math.floor(length / 0x1_0000_0000);
    const low = length >>> 0;
    header.push(maskBit | 127, high >>> 24, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    header.push(low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff);
  }
  if (frame.maskKey) header.push(...frame.maskKey);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  for (let i = 0; i < payload.length; i++) {
    out[header.length + i] = frame.maskKey ? payload[i] ^ frame.maskKey[i & 3] : payload[i];
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
