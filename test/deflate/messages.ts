// Messages and compressed payloads for the permessage-deflate tests. Payloads are built with node:zlib
// directly (not through the library), as RFC 7692 section 7.2.1 describes a sender: compress, sync
// flush, drop the trailing 00 00 FF FF.

import { createHash } from 'node:crypto';
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  deflateRawSync,
  type InflateRaw,
} from 'node:zlib';

/** RFC 7692 section 7.2.1: what a sync flush ends with, removed from a message and re-added to inflate it. */
export const SYNC_FLUSH_TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Autobahn groups 12 and 13 send 16 B to 128 KiB; we go to 256 KiB, and past 1 MiB with WASMSOCKET_FULL=1. */
export const FULL = process.env.WASMSOCKET_FULL === '1';
export const MESSAGE_SIZES = FULL
  ? [16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304]
  : [16, 64, 256, 1024, 4096, 16384, 65536, 262144];

/** Bytes with no short period (SHAKE256), so they barely compress and any shifted chunk shows. */
export function noiseBytes(length: number, seed = 'deflate'): Buffer {
  return createHash('shake256', { outputLength: length }).update(seed).digest();
}

/**
 * JSON-like text of exactly `length` bytes, compressible as real traffic is, mixing 1- to 4-byte UTF-8
 * characters. A noise-derived field keeps each record different, so matches reach back various distances.
 */
export function jsonLikeText(length: number, seed = 0): string {
  const noise = noiseBytes(Math.max(16, length >> 3), `json ${seed}`);
  const records: string[] = [];
  for (let i = 0, bytes = 0; bytes < length; i++) {
    const n = noise[i % noise.length];
    const record = `{"id":${seed * 1_000_000 + i},"name":"user-${n}","city":"Zürich ✓","score":${n * 7},"tag":"😀${n % 13}"},`;
    records.push(record);
    bytes += Buffer.byteLength(record);
  }
  return truncateUtf8(records.join(''), length);
}

/** The longest prefix of `text` of at most `length` UTF-8 bytes that ends on a character, padded with 'x'. */
function truncateUtf8(text: string, length: number): string {
  const bytes = Buffer.from(text);
  let end = Math.min(length, bytes.length);
  // Back off to the first byte of the character that straddles the cut (continuation bytes are 10xxxxxx).
  while (end < bytes.length && end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString() + 'x'.repeat(length - end);
}

/**
 * A message that tempts a compressor to reach back 257-512 bytes, past an 8-bit window, while also
 * offering matches within it: blocks of 300 and 450 noise bytes, each repeated, then text whose records
 * repeat within a few dozen bytes. Compressed into an 8-bit window it must still have back-references,
 * and none longer than 256 bytes.
 */
export function eightBitWindowProbe(seed: number): Buffer {
  const a = noiseBytes(300, `probe a ${seed}`);
  const b = noiseBytes(450, `probe b ${seed}`);
  return Buffer.concat([a, a, b, b, Buffer.from(jsonLikeText(3000, seed))]);
}

/** Binary that compresses well and has back-references at many distances: noise blocks, repeated. */
export function repetitiveBinary(length: number, seed = 'binary'): Buffer {
  const out = Buffer.alloc(length);
  let at = 0;
  for (let block = 0; at < length; block++) {
    const size = 64 << (block % 9); // 64 B .. 16 KiB
    const piece = noiseBytes(size, `${seed} ${block >> 1}`);
    at += piece.copy(out, at);
  }
  return out;
}

export interface CompressOptions {
  windowBits?: number;
  level?: number;
  strategy?: number;
}

/** One message compressed on its own (a fresh window), sync-flushed, trailer removed (section 7.2.1). */
export function compressMessage(data: Uint8Array, options: CompressOptions = {}): Buffer {
  const out = deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH });
  if (!out.subarray(-4).equals(SYNC_FLUSH_TRAILER)) throw new Error('a sync flush must end with 00 00 FF FF');
  return out.subarray(0, -4);
}

/** One message as a complete DEFLATE stream: its last block has BFINAL set and no trailer follows. */
export function compressWithFinalBlock(data: Uint8Array): Buffer {
  return deflateRawSync(data);
}

/** Splits bytes into pieces of `size` (the last may be shorter); empty input gives one empty piece. */
export function split(bytes: Uint8Array, size: number): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

function flushThrough(stream: DeflateRaw | InflateRaw, input: Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    stream.on('data', onData);
    stream.once('error', reject);
    for (const piece of input) stream.write(piece);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.removeListener('data', onData);
      stream.removeListener('error', reject);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** A peer's compressor that keeps its window from message to message (context takeover). */
export class MessageDeflater {
  private readonly stream: DeflateRaw;
  private readonly noContextTakeover: boolean;

  constructor(options: CompressOptions & { noContextTakeover?: boolean } = {}) {
    const { noContextTakeover = false, ...zlibOptions } = options;
    this.stream = createDeflateRaw(zlibOptions);
    this.noContextTakeover = noContextTakeover;
  }

  async compress(data: Uint8Array): Promise<Buffer> {
    const out = await flushThrough(this.stream, [data]);
    if (this.noContextTakeover) this.stream.reset();
    return out.subarray(0, -4);
  }

  close(): void {
    this.stream.close();
  }
}

/** A peer's decompressor that keeps its window from message to message. */
export class MessageInflater {
  private readonly stream: InflateRaw;

  constructor(windowBits = 15) {
    this.stream = createInflateRaw({ windowBits });
  }

  inflate(payload: Uint8Array): Promise<Buffer> {
    return flushThrough(this.stream, [payload, SYNC_FLUSH_TRAILER]);
  }

  close(): void {
    this.stream.close();
  }
}
