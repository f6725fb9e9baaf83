// The wire bytes a server receives from a client: a stream of masked frames (RFC 6455 section 5.3) of one
// kind, cut into socket-sized chunks, so that frames straddle chunk boundaries as they do on a socket.

import { createRandom, mixedText } from './text.js';

/**
 * A copy of `bytes` in memory of its own, as socket reads are: a Buffer in Node (ws's Receiver takes
 * Buffers), a Uint8Array in the browser page, which has no Buffer.
 */
const ownCopy = typeof Buffer === 'function' ? (bytes) => Buffer.from(bytes) : (bytes) => bytes.slice();

/** The frame kinds of the frames measure: masked client-to-server data frames. */
export const FRAME_KINDS = [
  { id: 'binary-32', label: 'binary 32 B', opcode: 0x2, payloadLength: 32 },
  { id: 'binary-125', label: 'binary 125 B', opcode: 0x2, payloadLength: 125 },
  { id: 'binary-1k', label: 'binary 1 KiB', opcode: 0x2, payloadLength: 1024 },
  { id: 'text-32', label: 'text 32 B (mixed)', opcode: 0x1, payloadLength: 32 },
  { id: 'text-125', label: 'text 125 B (mixed)', opcode: 0x1, payloadLength: 125 },
  { id: 'text-1k', label: 'text 1 KiB (mixed)', opcode: 0x1, payloadLength: 1024 },
];

/** How much one pass feeds, and in what pieces (64 KiB: what a Node socket usually delivers). */
export const STREAM_BYTES = 1 << 20;
export const CHUNK_BYTES = 64 << 10;

const FIN = 0x80;
const MASK = 0x80;
const LENGTH_16_BIT = 126;
const MAX_7_BIT_LENGTH = 125;
const PAYLOAD_VARIANTS = 16;

function headerLength(payloadLength) {
  return (payloadLength <= MAX_7_BIT_LENGTH ? 2 : 4) + 4;
}

/** Writes one masked frame at `at`; returns the offset after it. */
export function writeFrame(out, at, opcode, payload, key) {
  const length = payload.length;
  out[at++] = FIN | opcode;
  if (length <= MAX_7_BIT_LENGTH) {
    out[at++] = MASK | length;
  } else {
    out[at++] = MASK | LENGTH_16_BIT;
    out[at++] = length >> 8;
    out[at++] = length & 0xff;
  }
  out.set(key, at);
  at += 4;
  for (let i = 0; i < length; i++) out[at + i] = payload[i] ^ key[i & 3];
  return at + length;
}

/** Payloads for a kind: mixed-script text for text frames, pseudo-random bytes for binary ones. */
function payloads(kind) {
  const random = createRandom(kind.payloadLength);
  return Array.from({ length: PAYLOAD_VARIANTS }, (_, v) =>
    kind.opcode === 0x1
      ? mixedText(kind.payloadLength, v + 1)
      : Uint8Array.from({ length: kind.payloadLength }, () => random() >>> 24),
  );
}

/** A key with no zero byte (ws skips unmasking an all-zero key; real clients pick random keys). */
function maskKey(random) {
  const word = random();
  return Uint8Array.of((word & 0x7f) | 1, ((word >>> 8) & 0x7f) | 1, ((word >>> 16) & 0x7f) | 1, (word >>> 24) | 1);
}

/** { chunks: Buffer[] (Uint8Array[] in a page), frames, payloadBytes }: as many frames of `kind` as fit in `totalBytes`. */
export function buildStream(kind, totalBytes = STREAM_BYTES, chunkBytes = CHUNK_BYTES) {
  const frameLength = headerLength(kind.payloadLength) + kind.payloadLength;
  const frames = Math.floor(totalBytes / frameLength);
  const wire = new Uint8Array(frames * frameLength);
  const variants = payloads(kind);
  const random = createRandom(frameLength);
  let at = 0;
  for (let i = 0; i < frames; i++)
    at = writeFrame(wire, at, kind.opcode, variants[i % PAYLOAD_VARIANTS], maskKey(random));
  const chunks = [];
  // Each chunk gets its own memory, as socket reads do.
  for (let start = 0; start < wire.length; start += chunkBytes)
    chunks.push(ownCopy(wire.subarray(start, start + chunkBytes)));
  return { chunks, frames, payloadBytes: frames * kind.payloadLength };
}

/**
 * Fresh copies of a stream's chunks for receivers that unmask in place (ws, the JS scanner, the public
 * FrameScanner): pass p of a batch reads copy p, and refresh() restores every copy untimed before a batch.
 */
export class FreshStreams {
  constructor(chunks) {
    this.pristine = chunks;
    this.passes = [];
  }

  refresh(passes) {
    while (this.passes.length < passes) this.passes.push(this.pristine.map(ownCopy));
    for (let p = 0; p < passes; p++) {
      const copy = this.passes[p];
      for (let c = 0; c < copy.length; c++) copy[c].set(this.pristine[c]);
    }
  }

  pass(p) {
    return this.passes[p];
  }
}
