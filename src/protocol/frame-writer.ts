// Encoding frames (RFC 6455 section 5.2): the header, and the payload masked when we are a client (5.3).
//
// A frame leaves as one chunk (header and payload in one buffer: one write) when the payload is small
// or masked (masking copies it anyway), or as two (header, then the caller's payload untouched) when a
// large unmasked payload would cost a copy to join. The caller's bytes are never modified.

import { HeaderBits, maskInto } from '../codec/internal.js';
import type { MaskKeyPool } from './random.js';

/** Allocates the bytes of an outgoing frame (Buffer.allocUnsafe in Node; a Uint8Array elsewhere). */
export type Allocate = (size: number) => Uint8Array;

export const allocateUint8Array: Allocate = (size) => new Uint8Array(size);

/** Unmasked payloads up to this size are copied next to their header: one write beats two. */
export const JOIN_PAYLOAD_MAX_BYTES = 16 * 1024;

/** The header length for a payload length, without a mask key. */
export function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10;
}

/** Writes a header into `target` at 0; returns where the mask key (or payload) starts. */
export function writeHeader(target: Uint8Array, byte0: number, payloadLength: number, masked: boolean): number {
  const maskBit = masked ? HeaderBits.MASK : 0;
  target[0] = byte0;
  if (payloadLength < 126) {
    target[1] = maskBit | payloadLength;
    return 2;
  }
  if (payloadLength < 0x10000) {
    target[1] = maskBit | 126;
    target[2] = payloadLength >>> 8;
    target[3] = payloadLength & 0xff;
    return 4;
  }
  target[1] = maskBit | 127;
  const high = Math.floor(payloadLength / 0x1_0000_0000);
  const low = payloadLength >>> 0;
  target[2] = high >>> 24;
  target[3] = (high >>> 16) & 0xff;
  target[4] = (high >>> 8) & 0xff;
  target[5] = high & 0xff;
  target[6] = low >>> 24;
  target[7] = (low >>> 16) & 0xff;
  target[8] = (low >>> 8) & 0xff;
  target[9] = low & 0xff;
  return 10;
}

export class FrameWriter {
  private readonly keys: MaskKeyPool;
  private readonly allocate: Allocate;

  constructor(keys: MaskKeyPool, allocate: Allocate = allocateUint8Array) {
    this.keys = keys;
    this.allocate = allocate;
  }

  /**
   * Frames `payload` with header byte 0 (FIN, RSV, opcode). Returns the chunks to write, in order:
   * one, or two when a large unmasked payload is passed through without a copy.
   */
  frame(byte0: number, payload: Uint8Array, masked: boolean): Uint8Array[] {
    const length = payload.length;
    const header = headerLength(length);
    if (masked) {
      const frame = this.allocate(header + 4 + length);
      const keyAt = writeHeader(frame, byte0, length, true);
      const key = this.keys.take();
      frame[keyAt] = key & 0xff;
      frame[keyAt + 1] = (key >>> 8) & 0xff;
      frame[keyAt + 2] = (key >>> 16) & 0xff;
      frame[keyAt + 3] = key >>> 24;
      maskInto(payload, 0, length, frame, keyAt + 4, key, 0);
      return [frame];
    }
    if (length <= JOIN_PAYLOAD_MAX_BYTES) {
      const frame = this.allocate(header + length);
      frame.set(payload, writeHeader(frame, byte0, length, false));
      return [frame];
    }
    const head = this.allocate(header);
    writeHeader(head, byte0, length, false);
    return [head, payload];
  }
}
