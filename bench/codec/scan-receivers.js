// Receivers built on the batch scanner, as the connection layer would drive it: each socket chunk is
// copied once into the staging area after the bytes the previous chunk left unconsumed (the start of a
// frame still arriving), one WASM call scans every complete frame in it (headers checked, payloads
// unmasked, text validated), and each payload is handed out as a view of linear memory (valid until the
// next chunk) or copied once into a pooled Buffer. Also the pure-JS scanner and the public FrameScanner on
// the same stream. Internal modules come from dist/: the public API does not expose staging.

import { FrameScanner } from 'wasmsocket/codec';
import { kernelsFor } from '../../dist/src/codec/backend.js';
import { DecodeOption, ScanStatus } from '../../dist/src/codec/constants.js';
import { jsPayloadOps, scanFramesJs } from '../../dist/src/codec/frame-scanner.js';
import { FRAME_ENTRY_WORDS, ScanOutcome } from '../../dist/src/codec/scan-outcome.js';

/** A server's decoder options: client frames must be masked, text is validated. */
export const SERVER_OPTIONS = DecodeOption.REQUIRE_MASK | DecodeOption.VALIDATE_UTF8;
const HELD = 63;

/** The staged scanner: feed() scans a chunk; the frame table is then read from `out`; advance() carries. */
export class StagedScanner {
  constructor() {
    this.kernels = kernelsFor('simd');
    if (this.kernels === null) throw new Error('bench: the SIMD kernels cannot load here');
    // Only the WASM scanner fills this outcome: no table of its own for the JS backend.
    this.out = new ScanOutcome(0);
    this.staged = 0;
    this.state = 0;
  }

  /** Stages `chunk` after the carried bytes and scans; returns the number of complete frames found. */
  feed(chunk) {
    this.kernels.stage(chunk, 0, chunk.length, this.staged);
    this.staged += chunk.length;
    return this.scan();
  }

  scan() {
    const out = this.out;
    this.kernels.scanStaged(this.staged, SERVER_OPTIONS, this.state, 0, out);
    if (out.status === ScanStatus.ERROR) throw new Error(`bench: scanner error ${out.error} at ${out.errorAt}`);
    this.state = out.state;
    return out.count;
  }

  /** Moves the unconsumed bytes to the start of staging. True when the table was full: scan() again. */
  advance() {
    const out = this.out;
    const rest = this.staged - out.next;
    if (rest > 0 && out.next > 0) {
      const start = this.kernels.stagingOffset;
      out.source.copyWithin(start, start + out.next, start + this.staged);
    }
    this.staged = rest;
    return out.status === ScanStatus.TABLE_FULL;
  }
}

/** Feeds chunks; each payload becomes a view of linear memory. Returns the frames delivered. */
export function receiveAsViews(scanner, chunks, held) {
  let frames = 0;
  const out = scanner.out;
  for (const chunk of chunks) {
    let count = scanner.feed(chunk);
    for (;;) {
      const table = out.table;
      const buffer = out.source.buffer;
      // new Uint8Array(buffer, ...) costs about half of subarray() on this Node (no species lookup).
      for (let i = 0; i < count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
        held[frames++ & HELD] = new Uint8Array(buffer, table[i], table[i + 1]);
      }
      if (!scanner.advance()) break;
      count = scanner.scan();
    }
  }
  return frames;
}

/**
 * Feeds chunks; each payload is copied once into a Buffer from Node's pool. (A fresh Uint8Array of more
 * than 64 bytes gets its own off-heap store, about 600 ns on this machine; a pooled slice about 90.)
 */
export function receiveAsCopies(scanner, chunks, held) {
  let frames = 0;
  const out = scanner.out;
  for (const chunk of chunks) {
    let count = scanner.feed(chunk);
    for (;;) {
      const table = out.table;
      const buffer = out.source.buffer;
      for (let i = 0; i < count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
        const copy = Buffer.allocUnsafe(table[i + 1]);
        copy.set(new Uint8Array(buffer, table[i], table[i + 1]));
        held[frames++ & HELD] = copy;
      }
      if (!scanner.advance()) break;
      count = scanner.scan();
    }
  }
  return frames;
}

/** Bytes left over from the previous chunk, joined to the next one (the JS scanners scan caller memory). */
function join(rest, chunk) {
  if (rest === null) return chunk;
  const joined = Buffer.allocUnsafe(rest.length + chunk.length);
  joined.set(rest);
  joined.set(chunk, rest.length);
  return joined;
}

/** The pure-JS scanner (the WASM scanner's twin, with JS masking and UTF-8) over chunks, payloads as views. */
export function receiveWithJsScanner(chunks, held) {
  const out = new ScanOutcome();
  let frames = 0;
  let state = 0;
  let rest = null;
  for (const chunk of chunks) {
    const bytes = join(rest, chunk);
    let pos = 0;
    for (;;) {
      scanFramesJs(bytes, pos, bytes.length, SERVER_OPTIONS, state, out, jsPayloadOps);
      if (out.status === ScanStatus.ERROR) throw new Error(`bench: JS scanner error ${out.error}`);
      state = out.state;
      const table = out.table;
      for (let i = 0; i < out.count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
        held[frames++ & HELD] = new Uint8Array(bytes.buffer, bytes.byteOffset + table[i], table[i + 1]);
      }
      pos = out.next;
      if (out.status !== ScanStatus.TABLE_FULL) break;
    }
    rest = pos < bytes.length ? bytes.subarray(pos) : null;
  }
  return frames;
}

/** The public FrameScanner as an application would call it ('auto'), payloads as views of its input. */
export function receiveWithFrameScanner(scanner, chunks, held) {
  let frames = 0;
  let rest = null;
  for (const chunk of chunks) {
    const bytes = join(rest, chunk);
    const result = scanner.scan(bytes);
    if (result.error !== null) throw result.error;
    const table = result.frames;
    for (let i = 0; i < result.count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
      held[frames++ & HELD] = new Uint8Array(bytes.buffer, bytes.byteOffset + table[i], table[i + 1]);
    }
    rest = result.next < bytes.length ? bytes.subarray(result.next) : null;
  }
  return frames;
}

export function createFrameScanner() {
  return new FrameScanner({ role: 'server' });
}
