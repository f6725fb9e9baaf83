// The frames measure's wire bytes in the browser: the same stream bench/codec/wire.js builds for Node (its
// frame kinds, frame writer, payload text and sizes), with chunks as plain Uint8Arrays, since a page has
// no Buffer. Each chunk has its own memory, as socket reads do.

import { createRandom, mixedText } from '../../codec/text.js';
import { CHUNK_BYTES, STREAM_BYTES, writeFrame } from '../../codec/wire.js';

const PAYLOAD_VARIANTS = 16;
const MAX_7_BIT_LENGTH = 125;
const TEXT_OPCODE = 0x1;

function headerLength(payloadLength) {
  return (payloadLength <= MAX_7_BIT_LENGTH ? 2 : 4) + 4;
}

/** Payloads for a kind: mixed-script text for text frames, pseudo-random bytes for binary ones. */
function payloads(kind) {
  const random = createRandom(kind.payloadLength);
  return Array.from({ length: PAYLOAD_VARIANTS }, (_, v) =>
    kind.opcode === TEXT_OPCODE
      ? mixedText(kind.payloadLength, v + 1)
      : Uint8Array.from({ length: kind.payloadLength }, () => random() >>> 24),
  );
}

/** A key with no zero byte, as real clients' random keys almost always are. */
function maskKey(random) {
  const word = random();
  return Uint8Array.of((word & 0x7f) | 1, ((word >>> 8) & 0x7f) | 1, ((word >>> 16) & 0x7f) | 1, (word >>> 24) | 1);
}

/** { chunks: Uint8Array[], frames }: as many masked frames of `kind` as fit in STREAM_BYTES. */
export function buildStream(kind) {
  const frameLength = headerLength(kind.payloadLength) + kind.payloadLength;
  const frames = Math.floor(STREAM_BYTES / frameLength);
  const wire = new Uint8Array(frames * frameLength);
  const variants = payloads(kind);
  const random = createRandom(frameLength);
  let at = 0;
  for (let i = 0; i < frames; i++) {
    at = writeFrame(wire, at, kind.opcode, variants[i % PAYLOAD_VARIANTS], maskKey(random));
  }
  const chunks = [];
  for (let start = 0; start < wire.length; start += CHUNK_BYTES) chunks.push(wire.slice(start, start + CHUNK_BYTES));
  return { chunks, frames };
}

/**
 * Fresh copies of a stream's chunks for receivers that unmask in place: pass p of a batch reads copy p, and
 * refresh() restores every copy, untimed, before a batch.
 */
export class FreshStreams {
  constructor(chunks) {
    this.pristine = chunks;
    this.passes = [];
  }

  refresh(passes) {
    while (this.passes.length < passes) this.passes.push(this.pristine.map((chunk) => chunk.slice()));
    for (let p = 0; p < passes; p++) {
      const copy = this.passes[p];
      for (let c = 0; c < copy.length; c++) copy[c].set(this.pristine[c]);
    }
  }

  pass(p) {
    return this.passes[p];
  }
}
