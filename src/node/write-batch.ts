// The small frames a connection writes while one socket chunk of its peer's is read (the replies of an
// echo, say), built side by side in one shared slab and handed to the socket as one buffer: one write
// call, one Buffer, one iovec for the lot, where writing each frame costs a socket.write (a queued
// request each), its own Buffer and an iovec of the writev. What the socket is handed is the same bytes
// in the same order; a frame whose send has a callback ends a batch, so the callback comes with it.
//
// The slab is shared by every connection of the process (a connection that reads nothing holds none of
// it) and is never written twice: a region goes to one socket, and the next frames are built after it;
// a full slab is replaced, and the old one lives as long as a socket still holds a region of it (as
// Buffer.allocUnsafe's pool does). One connection batches at a time: the one whose chunk is being read.
// Frames are built in place (the connection's FrameRoom, frame-writer.ts): no buffer, no view per frame.

import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { JOIN_PAYLOAD_MAX_BYTES } from '../protocol/frame-writer.js';

/**
 * Frames up to this size are built in the slab: every frame whose payload is copied next to its header
 * (frame-writer.ts). Beyond Buffer.allocUnsafe's pool (4 KiB) a frame of its own is an allocation of its
 * own, which the slab saves too.
 */
export const BATCHED_FRAME_MAX_BYTES = JOIN_PAYLOAD_MAX_BYTES + 14;
const SLAB_BYTES = 64 * 1024;

let slab: Uint8Array = new Uint8Array(0);
/** The batch: slab[start, end) is built and not yet handed to `socket`. */
let start = 0;
let end = 0;
/** Bytes reserved after `end` for the frame being built (reserveRoom), 0 when none is. */
let reserved = 0;
/** The socket of the connection batching now, null when none is. */
let socket: Duplex | null = null;
/**
 * Whether that socket was corked during the batch (holdWrites): only when something is written before
 * the batch ends, so that a batch alone is one plain write, and anything else still leaves with it in one
 * writev. The flags of batches further up the stack (rare: a chunk read inside a handler) wait here.
 */
let corked = false;
const outerCorked: boolean[] = [];

/**
 * Starts batching for `target` (until the matching endBatch) and returns what it replaces: the batch of
 * a connection whose chunk was being read further up the stack (its frames are handed over first).
 */
export function beginBatch(target: Duplex): Duplex | null {
  const outer = socket;
  flushBatch();
  if (outer !== null) outerCorked.push(corked);
  socket = target;
  corked = false;
  reserved = 0;
  return outer;
}

/** Hands the batch to its socket (with what was held, in one writev) and goes back to `outer` (what beginBatch returned). */
export function endBatch(outer: Duplex | null): void {
  flushBatch();
  if (corked) (socket as Duplex).uncork();
  socket = outer;
  corked = outer !== null && outerCorked.pop() === true;
  reserved = 0;
}

/**
 * Corks the batching socket until the batch ends, if it is not yet: called before anything is written
 * to it while the batch is open, so that it leaves with the batch.
 */
export function holdWrites(): void {
  if (socket === null || corked) return;
  socket.cork();
  corked = true;
}

/** True while `target`'s frames are batched. */
export function isBatching(target: Duplex): boolean {
  return socket === target;
}

/** Bytes built for `target` and not yet handed to it. */
export function batchedBytes(target: Duplex): number {
  return socket === target ? end - start : 0;
}

/**
 * Where in batchSlab() a frame of `size` bytes may be built for `target` now: -1 unless `target` is
 * batching and the frame is small. The caller builds it and hands it over at once (takeReserved).
 */
export function reserveRoom(target: Duplex, size: number): number {
  if (socket !== target || size > BATCHED_FRAME_MAX_BYTES) return -1;
  if (end + size > slab.length) {
    holdWrites();
    flushBatch();
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    start = 0;
    end = 0;
  }
  reserved = size;
  return end;
}

/** The slab reserveRoom's offsets are in (a new one after a reserve that did not fit). */
export function batchSlab(): Uint8Array {
  return slab;
}

/**
 * Adds the frame built in the room reserved last to `target`'s batch, and returns its size; with
 * `callback`, the batch goes to the socket now, the callback with it.
 */
export function takeReserved(target: Duplex, callback?: (error?: Error | null) => void): number {
  if (socket !== target || reserved === 0) {
    throw new Error('wasmsocket: internal error: a frame was built in room that was not reserved for it');
  }
  const size = reserved;
  reserved = 0;
  end += size;
  if (callback !== undefined) {
    holdWrites();
    flushBatch(callback);
  }
  return size;
}

/** Hands what is batched to its socket (with `callback` for the last frame of it). */
export function flushBatch(callback?: (error?: Error | null) => void): void {
  if (socket === null || end === start) return;
  // A Uint8Array, which the socket turns into a Buffer more cheaply than Buffer's subarray makes one.
  const region = new Uint8Array(slab.buffer, slab.byteOffset + start, end - start);
  start = end;
  socket.write(region, callback);
}

/** Forgets what is batched for `target` (its socket is being destroyed: nothing more is written). */
export function dropBatch(target: Duplex): void {
  if (socket === target) start = end;
}
