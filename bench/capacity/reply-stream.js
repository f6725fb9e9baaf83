// Checks what one connection receives against the frames it must receive, every byte of it: the replies
// to R distinct messages sent round the ring come back as the same ring of server frames, in order (TCP and
// RFC 6455 keep order per connection). Each socket read is compared with the expected bytes at the
// current position (one memcmp, however many frames it holds), so the header bytes (FIN, opcode, length)
// and every payload byte are checked without per-frame work; whole frames matched are the echoes counted.
// A mismatch stops the count for that connection and says which frame and byte differed, decoding the
// header the server sent with our codec when it is the header that differs.

import { parseFrameHeader } from 'wasmsocket/codec';
import { headerLength } from './frames.js';

/** Bytes of context kept from a mismatching read for the report. */
const MISMATCH_CONTEXT = 16;

export class ReplyStream {
  /** rings: from buildRings(); the stream starts at frame 0 of the ring. */
  constructor(rings) {
    this.expect = rings.expect;
    this.period = rings.expectPeriod;
    this.frameLength = rings.expectFrameLength;
    this.headerBytes = headerLength(rings.payloadLength, false);
    /** Position in the expected ring, in [0, period). */
    this.offset = 0;
    /** Bytes of the frame in progress already matched. */
    this.inFrame = 0;
    /** Whole frames matched so far. */
    this.frames = 0;
    /** null, or what differed (a string for the report). */
    this.mismatch = null;
  }

  /**
   * Compares chunk[start, end) with the next expected bytes. Returns how many frames it completed, or -1
   * when a byte differs (this.mismatch says where; later calls return -1 too).
   */
  consume(chunk, start, end) {
    if (this.mismatch !== null) return -1;
    let at = start;
    while (at < end) {
      // The ring holds the period twice, so up to `period` bytes from any offset are contiguous.
      const length = Math.min(end - at, this.period);
      if (this.expect.compare(chunk, at, at + length, this.offset, this.offset + length) !== 0) {
        this.mismatch = this.describe(chunk, start, at, at + length);
        return -1;
      }
      at += length;
      this.offset = (this.offset + length) % this.period;
    }
    const total = this.inFrame + (end - start);
    const completed = Math.floor(total / this.frameLength);
    this.inFrame = total - completed * this.frameLength;
    this.frames += completed;
    return completed;
  }

  /** Where chunk[at, end) first departs from the expected bytes at this.offset (the read began at `first`). */
  describe(chunk, first, at, end) {
    let i = 0;
    while (at + i < end && chunk[at + i] === this.expect[this.offset + i]) i++;
    // Position of the differing byte in the stream of frames.
    const streamByte = this.frames * this.frameLength + this.inFrame + (at - first) + i;
    const frame = Math.floor(streamByte / this.frameLength);
    const inFrame = streamByte - frame * this.frameLength;
    const got = chunk[at + i];
    const expected = this.expect[this.offset + i];
    const hex = (v) => `0x${v.toString(16).padStart(2, '0')}`;
    let what = `frame ${frame}, byte ${inFrame}: got ${hex(got)}, expected ${hex(expected)}`;
    if (inFrame < this.headerBytes) {
      const frameStart = at + i - inFrame;
      what += ` (in the header: ${frameStart < first ? 'it began in an earlier read' : this.headerSeen(chunk, frameStart, end)})`;
    } else {
      what += ' (in the payload)';
    }
    const context = chunk.subarray(at + i, Math.min(end, at + i + MISMATCH_CONTEXT)).toString('hex');
    return `${what}; received from there: ${context}`;
  }

  /** The header the server sent, decoded by our codec, when this read holds all of it. */
  headerSeen(chunk, frameStart, end) {
    try {
      const header = parseFrameHeader(chunk.subarray(frameStart, end), 0, { role: 'client' });
      if (header === null) return 'incomplete in this read';
      return `opcode ${header.opcode}, fin ${header.fin}, length ${header.payloadLength}`;
    } catch (error) {
      return `not a valid header: ${error.message}`;
    }
  }
}
