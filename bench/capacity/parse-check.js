// A second, independent check of one connection's replies for the smoke test and for doubt
// (BENCH_CAPACITY_PARSE=1): every read is copied and parsed with our FrameScanner (role 'client': server
// frames, unmasked), and each frame's type, length and payload are checked against the message it answers.
// It costs a copy and per-frame work, so the measured rounds leave it off; the counts it finds must equal
// ReplyStream's.

import { FrameScanner } from 'wasmsocket/codec';

const ENTRY_WORDS = 4;
const OPCODE_BITS = 0x0f;
const FIN = 0x80;

export class ParsedReplies {
  /** rings: from buildRings(). */
  constructor(rings) {
    this.rings = rings;
    this.scanner = new FrameScanner({ role: 'client' });
    this.pending = Buffer.alloc(0);
    this.frames = 0;
    this.problem = null;
  }

  /** Parses chunk[start, end) (copied: the read buffer is reused). */
  consume(chunk, start, end) {
    if (this.problem !== null) return;
    const bytes = Buffer.concat([this.pending, chunk.subarray(start, end)]);
    const result = this.scanner.scan(bytes);
    for (let i = 0; i < result.count; i++) {
      const offset = result.frames[i * ENTRY_WORDS];
      const length = result.frames[i * ENTRY_WORDS + 1];
      const byte0 = result.frames[i * ENTRY_WORDS + 2];
      const expected = this.rings.payloads[this.frames % this.rings.count];
      if ((byte0 & OPCODE_BITS) !== this.rings.opcode || (byte0 & FIN) === 0) {
        this.problem = `frame ${this.frames}: header byte 0x${byte0.toString(16)}, expected opcode ${this.rings.opcode} with FIN`;
      } else if (length !== expected.length) {
        this.problem = `frame ${this.frames}: ${length} bytes, expected ${expected.length}`;
      } else if (!expected.equals(bytes.subarray(offset, offset + length))) {
        this.problem = `frame ${this.frames}: payload differs from message ${this.frames % this.rings.count}`;
      }
      if (this.problem !== null) return;
      this.frames++;
    }
    if (result.error !== null) {
      this.problem = `frame ${this.frames}: ${result.error.message}`;
      return;
    }
    this.pending = bytes.subarray(result.next);
  }
}
