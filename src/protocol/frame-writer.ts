// Encoding frames (RFC 6455 section 5.2): the header, and the payload masked when we are a client (5.3).
//
// A frame leaves as one chunk (header and payload in one buffer: one write) when the payload is small
// or masked (masking copies it anyway), or as two (header, then the caller's payload untouched) when a
// large unmasked payload would cost a copy to join. The caller's bytes are never modified. A transport
// that gathers frames for one write may lend a FrameRoom: a one-chunk frame that fits is built there in
// place, and frame() returns FRAME_IN_ROOM instead of a buffer of its own.

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

/**
 * Writes a header into `target` at `at` (default 0); returns where the mask key (or payload) starts, as an
 * index of `target`.
 */
export function writeHeader(target: Uint8Array, byte0: number, payloadLength: number, masked: boolean, at = 0): number {
  const maskBit = masked ? HeaderBits.MASK : 0;
  target[at] = byte0;
  if (payloadLength < 126) {
    target[at + 1] = maskBit | payloadLength;
    return at + 2;
  }
  if (payloadLength < 0x10000) {
    target[at + 1] = maskBit | 126;
    target[at + 2] = payloadLength >>> 8;
    target[at + 3] = payloadLength & 0xff;
    return at + 4;
  }
  target[at + 1] = maskBit | 127;
  const high = Math.floor(payloadLength / 0x1_0000_0000);
  const low = payloadLength >>> 0;
  target[at + 2] = high >>> 24;
  target[at + 3] = (high >>> 16) & 0xff;
  target[at + 4] = (high >>> 8) & 0xff;
  target[at + 5] = high & 0xff;
  target[at + 6] = low >>> 24;
  target[at + 7] = (low >>> 16) & 0xff;
  target[at + 8] = (low >>> 8) & 0xff;
  target[at + 9] = low & 0xff;
  return at + 10;
}

/**
 * Room a transport lends for building frames in place, in a buffer it writes out itself (Node's write
 * batch). A frame built there is written (handler.write(FRAME_IN_ROOM)) before the next is built.
 */
export interface FrameRoom {
  /** Where a frame of `size` bytes may be built in `bytes` now, or -1: the frame gets a buffer of its own. */
  reserve(size: number): number;
  /** The buffer reserve()'s offsets are in; read after each reserve (a full one is replaced). */
  readonly bytes: Uint8Array;
}

/**
 * What frame() returns for a frame built in the FrameRoom, at the offset its last reserve() gave, of the
 * size it asked for: the handler that lent the room knows it. Empty, so that it writes nothing elsewhere.
 */
export const FRAME_IN_ROOM: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

export class FrameWriter {
  private readonly keys: MaskKeyPool;
  private readonly allocate: Allocate;
  private readonly room: FrameRoom | null;

  constructor(keys: MaskKeyPool, allocate: Allocate = allocateUint8Array, room: FrameRoom | null = null) {
    this.keys = keys;
    this.allocate = allocate;
    this.room = room;
  }

  /**
   * Frames `payload` with header byte 0 (FIN, RSV, opcode). Returns the chunks to write, in order:
   * one, or two when a large unmasked payload is passed through without a copy.
   */
  frame(byte0: number, payload: Uint8Array, masked: boolean): Uint8Array[] {
    const length = payload.length;
    const header = headerLength(length);
    if (masked) {
      const size = header + 4 + length;
      const at = this.room === null ? -1 : this.room.reserve(size);
      const frame = at < 0 ? this.allocate(size) : (this.room as FrameRoom).bytes;
      const keyAt = writeHeader(frame, byte0, length, true, Math.max(at, 0));
      const key = this.keys.take();
      frame[keyAt] = key & 0xff;
      frame[keyAt + 1] = (key >>> 8) & 0xff;
      frame[keyAt + 2] = (key >>> 16) & 0xff;
      frame[keyAt + 3] = key >>> 24;
      maskInto(payload, 0, length, frame, keyAt + 4, key, 0);
      return at < 0 ? [frame] : FRAME_IN_ROOM;
    }
    if (length <= JOIN_PAYLOAD_MAX_BYTES) {
      const size = header + length;
      const at = this.room === null ? -1 : this.room.reserve(size);
      if (at >= 0) {
        const bytes = (this.room as FrameRoom).bytes;
        bytes.set(payload, writeHeader(bytes, byte0, length, false, at));
        return FRAME_IN_ROOM;
      }
      const frame = this.allocate(size);
      frame.set(payload, writeHeader(frame, byte0, length, false));
      return [frame];
    }
    const head = this.allocate(header);
    writeHeader(head, byte0, length, false);
    return [head, payload];
  }
}
