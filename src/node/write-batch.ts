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

import type { Duplex } from 'node:stream';
import { JOIN_PAYLOAD_MAX_BYTES } from '../protocol/frame-writer.js';

/**
 * Frames up to this size are built in the slab: every frame whose payload is copied next to its header
 * (frame-writer.ts), and the header of a larger one. Beyond Buffer.allocUnsafe's pool (4 KiB) a frame of
 * its own is an allocation of its own, which the slab saves too.
 */
export const BATCHED_FRAME_MAX_BYTES = JOIN_PAYLOAD_MAX_BYTES + 14;
const SLAB_BYTES = 64 * 1024;

let slab: Buffer = Buffer.allocUnsafeSlow(0);
/** slab's memory, read once per slab rather than once per frame. */
let slabMemory: ArrayBufferLike = slab.buffer;
let slabOffset = 0;
/** The batch: slab[start, end) is built and not yet handed to `socket`. */
let start = 0;
let end = 0;
/** The socket of the connection batching now, null when none is. */
let socket: Duplex | null = null;
/**
 * The room batchRoom gave last, until it is written: a plain Uint8Array view (a frame is never handed to
 * users; a Buffer view costs twice as much to make), known by identity.
 */
let room: Uint8Array | null = null;
/** The batch's frame while it holds just one (written as it is: no view of the region to make). */
let onlyFrame: Uint8Array | null = null;

/**
 * Starts batching for `target` (until the matching endBatch) and returns what it replaces: the batch of
 * a connection whose chunk was being read further up the stack (its frames are handed over first).
 */
export function beginBatch(target: Duplex): Duplex | null {
  const outer = socket;
  flushBatch();
  socket = target;
  room = null;
  return outer;
}

/** Hands the batch to its socket and goes back to `outer` (what beginBatch returned). */
export function endBatch(outer: Duplex | null): void {
  flushBatch();
  socket = outer;
  room = null;
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
 * Room for a frame of `size` bytes after the batch, when `target` is batching and the frame is small
 * (else null): the caller fills it and writes it at once (writeBatched), before taking more room.
 */
export function batchRoom(target: Duplex, size: number): Uint8Array | null {
  if (socket !== target || size > BATCHED_FRAME_MAX_BYTES) return null;
  if (end + size > slab.length) {
    flushBatch();
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabMemory = slab.buffer;
    slabOffset = slab.byteOffset;
    start = 0;
    end = 0;
  }
  room = new Uint8Array(slabMemory, slabOffset + end, size);
  return room;
}

/**
 * Takes `chunk` into `target`'s batch when it is the room batchRoom gave last (filled), and returns true;
 * with `callback`, the batch goes to the socket now, the callback with it. False for any other chunk:
 * the caller writes it itself, after flushBatch() so that it goes behind the batch.
 */
export function writeBatched(target: Duplex, chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean {
  if (chunk !== room || socket !== target) return false;
  room = null;
  onlyFrame = end === start ? chunk : null;
  end += chunk.length;
  if (callback !== undefined) flushBatch(callback);
  return true;
}

/** Hands what is batched to its socket (with `callback` for the last frame of it). */
export function flushBatch(callback?: (error?: Error | null) => void): void {
  if (socket === null || end === start) return;
  // A Uint8Array, which the socket turns into a Buffer more cheaply than Buffer's subarray makes one.
  const region = onlyFrame ?? new Uint8Array(slabMemory, slabOffset + start, end - start);
  onlyFrame = null;
  start = end;
  socket.write(region, callback);
}

/** Forgets what is batched for `target` (its socket is being destroyed: nothing more is written). */
export function dropBatch(target: Duplex): void {
  if (socket !== target) return;
  start = end;
  onlyFrame = null;
}
