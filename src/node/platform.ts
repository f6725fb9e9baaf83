// What the sans-IO core needs from Node: random bytes, SHA-1, and Buffers for frames and messages
// (ws users receive Buffers). The hot-path modules import Buffer from node:buffer: the global one is a
// getter on globalThis, a function call at every use.

import { Buffer } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import type { CopyBytes } from '../protocol/frame-reader.js';
import type { Allocate } from '../protocol/frame-writer.js';
import type { RandomSource } from '../protocol/random.js';

export const nodeRandom: RandomSource = (target) => {
  randomFillSync(target);
};

export function sha1(data: Uint8Array): Uint8Array {
  return createHash('sha1').update(data).digest();
}

/** Buffer.allocUnsafe: small sizes come from Node's shared pool, which makes them cheap. */
export const allocateBuffer: Allocate = (size) => Buffer.allocUnsafe(size);

// A Buffer view of the last source copied from (usually WASM linear memory, whose buffer changes only
// when it grows), so that each copy is one native Buffer.copy without a fresh view per payload.
let lastSource: Uint8Array | null = null;
let lastSourceView: Buffer = Buffer.alloc(0);

/** Copies source[start, end) into a new Buffer. */
export const copyToBuffer: CopyBytes = (source, start, end) => {
  if (source !== lastSource || lastSourceView.buffer !== source.buffer) {
    lastSource = source;
    lastSourceView = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  }
  const target = Buffer.allocUnsafe(end - start);
  lastSourceView.copy(target, 0, start, end);
  return target;
};

/** The bytes of what a user may send (ws accepts strings, Buffers, ArrayBuffers, views and numbers). */
export function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'number') return Buffer.from(String(data));
  if (Array.isArray(data)) return Buffer.from(data);
  throw new TypeError(
    `The data to send must be a string, Buffer, ArrayBuffer, typed array or DataView, got ${data === null ? 'null' : typeof data}`,
  );
}

/** A received payload as the Buffer ws users get: the same bytes, no copy. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
