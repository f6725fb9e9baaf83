// Reading frames from a byte stream (RFC 6455 section 5): socket chunks in, checked frames out.
//
// Copies per received payload, the cost this file exists to keep low:
//   A frame whole in one chunk: unmasked in the chunk itself and handed out as a view of it. The WASM path
//     (a chunk the codec's scanChunk gives to WASM: 64 B or more) copies the chunk into the staging area,
//     decodes, unmasks and validates every frame in one call, then copies the unmasked bytes back over
//     the chunk in one copy (copyPayloadsBack) before any frame is delivered (a handler that sends masks
//     through the same staging area): 2 copies per chunk, shared by all its frames, none per frame. The
//     JS path (small chunks) unmasks in place: 0 copies.
//   Memory a kept message holds: a view keeps its whole chunk alive (a socket read, at most 64 KiB in
//     Node; each read is a fresh buffer, never reused). So a view is handed out only when the chunk is at
//     most RETAIN_MAX_BYTES or at most RETAIN_MAX_RATIO times the payload; other payloads get a buffer of
//     their own (copyBytes, from linear memory or the chunk: 1 copy). A kept message then holds no more
//     than Buffer.allocUnsafe's 8 KiB pool slab would, or 16 times its size (ws's views hold any chunk).
//     A control frame's payload (125 bytes at most) is always a view: the sink copies the few it lets out.
//   A frame whose payload spans chunks (the one frame a chunk can end inside) streams into a buffer of
//     its own, of the frame's length (allocated once, up to 1 MiB; beyond that it grows as bytes arrive),
//     unmasked on the way (maskInto: through staging for large pieces) and validated as it goes
//     (fail-fast UTF-8): 1 copy, 2 through staging. Its header is read in JS, so the chunk it starts in
//     is not staged for a scan that would find only that header.
// Only a header split between chunks (at most 13 bytes) is ever kept and joined with the next chunk.
// Fragments are assembled into messages by the caller (message-assembler.ts), which costs one more copy
// for a fragmented message only.

import {
  copyPayloadsBack,
  DecodeOption,
  DecodeResult,
  decodeError,
  decodeHeaderJs,
  FRAME_ENTRY_WORDS,
  HeaderBits,
  isDecodeError,
  isPlainText,
  MessageState,
  maskInto,
  Opcode,
  type ProtocolError,
  ScanOutcome,
  ScanStatus,
  scanChunk,
  sequenceError,
  startMessageState,
  UTF8_ACCEPT,
  validateUtf8,
} from '../codec/internal.js';
import { messageTooBig, tooManyFragments } from './errors.js';
import type { Allocate } from './frame-writer.js';

/** Copies source[start, end) into a fresh buffer (Buffer in Node, so messages are Buffers). */
export type CopyBytes = (source: Uint8Array, start: number, end: number) => Uint8Array;

export const copyBytesSlice: CopyBytes = (source, start, end) => source.slice(start, end);

export interface FrameReaderOptions {
  /** 'server' reads a client's frames (must be masked); 'client' a server's (must not be). */
  role: 'server' | 'client';
  /** RSV bits negotiated extensions define (0x40 with permessage-deflate). */
  allowedRsvBits: number;
  /** Check the UTF-8 of uncompressed text as it arrives. */
  validateUtf8: boolean;
  /** The most payload bytes one message may carry on the wire, across its fragments; 0 for no limit. */
  maxPayload: number;
  /** The most frames one message may have; 0 for no limit. */
  maxFragments: number;
  copyBytes: CopyBytes;
  /** Allocates the buffer a payload that spans chunks streams into. */
  allocate: Allocate;
  /**
   * Deliver a data frame that spans chunks piece by piece as its bytes arrive, instead of whole: the
   * pieces come out as a fragmented message would (the first with the frame's opcode and RSV bits, the
   * rest as continuations, FIN on the last piece of a final frame), so a 1 GiB frame never sits in memory.
   */
  deliverPartialFrames?: boolean;
}

/** Where frames go. */
export interface FrameSink {
  /**
   * A complete, checked frame: header byte 0 (FIN, RSV, opcode) and its unmasked payload, which the sink
   * now owns. Return false to hold delivery: the reader keeps the rest until resume() (or stop()).
   */
  frame(byte0: number, payload: Uint8Array): boolean;
  /** The peer broke the protocol; nothing more will be read. */
  error(error: ProtocolError): void;
}

/** A payload is handed out as a view of its chunk when the chunk is at most this large (Buffer.poolSize)... */
const RETAIN_MAX_BYTES = 8 * 1024;
/**
 * ...or at most this many times the payload's size; otherwise it is copied into a buffer of its own. 16:
 * a 4 KiB message (the smallest that Node's Buffer pool does not serve, so that its copy costs an
 * allocation of its own) stays a view of a full 64 KiB read.
 */
const RETAIN_MAX_RATIO = 16;

/** From this many bytes left in a chunk, the scan first looks whether its first frame ends in it (scan). */
const PEEK_MIN_BYTES = 1024;

// Streamed payloads at most this large get their whole buffer at once; beyond it, the buffer grows as
// bytes arrive, so that a peer that declares a huge frame and sends it slowly holds memory only for what
// it has sent.
const STREAM_UPFRONT_MAX_BYTES = 1 << 20;

/**
 * One scan outcome and JS frame table for every reader in the process: a reader reads it only between
 * a scan and the end of queueScanned, with no callback in between, so no other reader can interleave;
 * keeping one per connection would cost 64 KiB for each.
 */
const sharedOutcome = new ScanOutcome();

/** A frame whose header has been read and whose payload is still arriving. */
class StreamingFrame {
  byte0 = 0;
  masked = false;
  keyWord = 0;
  length = 0;
  filled = 0;
  buffer: Uint8Array = new Uint8Array(0);
  /** The message state after this frame's predecessors; UTF-8 state included when checking text. */
  messageState = 0;
  checkUtf8 = false;
  /** Delivered in pieces (deliverPartialFrames), and how many pieces have gone so far. */
  inPieces = false;
  piecesDelivered = 0;
}

export class FrameReader {
  private readonly options: FrameReaderOptions;
  private readonly decodeOptions: number;
  private readonly sink: FrameSink;
  // Shared by every reader (see sharedOutcome): not a per-connection 64 KiB table.
  private readonly outcome = sharedOutcome;
  /** The message state word (see MessageState) after the last frame read. */
  private state = 0;
  /** Wire bytes and frames of the data message in progress, for maxPayload and maxFragments. */
  private messageBytes = 0;
  private messageFrames = 0;
  /** A header split across chunks: its first bytes. */
  private pendingHeader: Uint8Array | null = null;
  private streaming: StreamingFrame | null = null;
  /** Frames read but not yet delivered, in order. */
  private readonly queuedByte0: number[] = [];
  private readonly queuedPayload: Uint8Array[] = [];
  private queueAt = 0;
  /** Input that arrived while delivery was held. */
  private readonly heldInput: Uint8Array[] = [];
  private held = false;
  private reading = false;
  private stopped = false;
  /** The error found after the queued frames, reported once they are delivered. */
  private failure: ProtocolError | null = null;

  constructor(options: FrameReaderOptions, sink: FrameSink) {
    this.options = options;
    this.sink = sink;
    this.decodeOptions =
      (options.role === 'server' ? DecodeOption.REQUIRE_MASK : DecodeOption.FORBID_MASK) |
      (options.validateUtf8 ? DecodeOption.VALIDATE_UTF8 : 0) |
      (options.allowedRsvBits << DecodeOption.ALLOWED_RSV_SHIFT);
  }

  /** Reads a chunk. The reader may unmask it in place and hand out views of it: it must not be reused. */
  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    // A chunk pushed while delivery is held, or from inside a sink callback, waits its turn.
    this.heldInput.push(chunk);
    if (!this.held && !this.reading) this.drain();
  }

  /** Resumes delivery after the sink returned false. */
  resume(): void {
    if (this.stopped || !this.held) return;
    this.held = false;
    if (!this.reading) this.drain();
  }

  private drain(): void {
    this.reading = true;
    try {
      if (!this.deliverQueue()) return;
      while (this.heldInput.length > 0 && !this.held && !this.stopped) {
        this.read(this.heldInput.shift() as Uint8Array);
      }
    } finally {
      this.reading = false;
    }
  }

  /** Reads nothing more: after a close frame, an error, or the end of the connection. */
  stop(): void {
    this.stopped = true;
    this.queuedByte0.length = 0;
    this.queuedPayload.length = 0;
    this.heldInput.length = 0;
    this.streaming = null;
    this.pendingHeader = null;
  }

  /** True while a header or payload has been partly received. */
  get midFrame(): boolean {
    return this.pendingHeader !== null || this.streaming !== null;
  }

  private read(chunk: Uint8Array): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end || this.queueAt < this.queuedPayload.length) {
      if (this.streaming !== null) {
        pos = this.feedStreaming(chunk, pos);
      } else if (this.pendingHeader !== null) {
        pos = this.completeSplitHeader(chunk, pos);
      } else if (pos < end) {
        pos = this.scan(chunk, pos);
      }
      if (!this.deliverQueue()) {
        if (pos < end && !this.stopped) this.heldInput.unshift(chunk.subarray(pos));
        return;
      }
      if (this.stopped) return;
    }
  }

  /** Scans chunk from pos (the codec picks the backend); queues the frames; returns where it stopped. */
  private scan(chunk: Uint8Array, pos: number): number {
    const out = this.outcome;
    // A frame that does not end in this chunk (a large message's first bytes) streams from here: staging
    // the chunk for a scan would copy it only to find that one header. Worth a look only where that copy
    // would be (a small chunk's scan costs less than the look).
    const header = out.header;
    const headerLength =
      chunk.length - pos >= PEEK_MIN_BYTES ? decodeHeaderJs(chunk, pos, chunk.length, this.decodeOptions, header) : 0;
    if (headerLength > 0 && header.payloadLength > chunk.length - pos - headerLength) {
      if (sequenceError(header.byte0, this.state) === 0) {
        this.startStreaming(header.byte0, header.byte1, header.maskKey, header.payloadLength);
        return pos + headerLength;
      }
    }
    scanChunk(chunk, pos, this.decodeOptions, this.state, out);
    if (!this.queueScanned(chunk, pos)) return chunk.length;
    this.state = out.state;
    switch (out.status) {
      case ScanStatus.ERROR: {
        // out.next is where the frame at fault starts (its header bytes name the opcode in the message).
        const at = out.next;
        const byte1 = at + 1 < chunk.length ? chunk[at + 1] : -1;
        const byte0 = at < chunk.length ? chunk[at] : -1;
        this.fail(decodeError(out.error, byte0, byte1));
        return chunk.length;
      }
      case ScanStatus.PARTIAL:
        this.startStreaming(out.header.byte0, out.header.byte1, out.header.maskKey, out.header.payloadLength);
        return out.next + out.header.headerLength;
      case ScanStatus.TABLE_FULL:
        return out.next;
      default:
        // Everything consumed, or a header still arriving. If the scan reached the chunk's end, that
        // header's first bytes are kept; if it stopped at the end of the staging area, scan on from there.
        if (out.next < out.end && out.end === chunk.length) {
          this.pendingHeader = chunk.slice(out.next);
          return chunk.length;
        }
        return out.next;
    }
  }

  /**
   * Queues the scanned frames, checking the message limits; false when a limit failed the stream. A
   * payload is a view of the chunk unless that would keep too much of the chunk alive (RETAIN_MAX_BYTES,
   * RETAIN_MAX_RATIO): then it is copied into a buffer of its own. After a WASM scan the unmasked bytes
   * are copied back over the chunk (one copy for all its frames) before the first view is taken; copies
   * are taken from linear memory. Either way, before a sink callback can send (and so reuse staging).
   */
  private queueScanned(chunk: Uint8Array, scanStart: number): boolean {
    const out = this.outcome;
    const { table, count, source, sourceToInput } = out;
    let unmaskedInChunk = !out.inLinearMemory;
    const copyBytes = this.options.copyBytes;
    const chunkBytes = chunk.byteLength;
    for (let i = 0; i < count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
      const at = table[i];
      const length = table[i + 1];
      const byte0 = table[i + 2];
      if (!this.countFrame(byte0, length)) return false;
      this.queuedByte0.push(byte0);
      // A control frame's payload (at most 125 bytes) is always a view: most are answered or dropped
      // unread, so a buffer of its own per ping would only feed the garbage collector (in a flood of
      // 125-byte pings, 336 heap bytes allocated per ping with it, 202 without). The sink copies the
      // payloads it lets out.
      if (
        (byte0 & HeaderBits.OPCODE) >= Opcode.CLOSE ||
        chunkBytes <= RETAIN_MAX_BYTES ||
        chunkBytes <= RETAIN_MAX_RATIO * length
      ) {
        if (!unmaskedInChunk) {
          copyPayloadsBack(chunk, scanStart, out);
          unmaskedInChunk = true;
        }
        this.queuedPayload.push(chunk.subarray(at + sourceToInput, at + sourceToInput + length));
      } else {
        this.queuedPayload.push(copyBytes(source, at, at + length));
      }
    }
    return true;
  }

  /** Applies maxPayload and maxFragments to a data frame about to be read; false when one is exceeded. */
  private countFrame(byte0: number, length: number): boolean {
    const opcode = byte0 & HeaderBits.OPCODE;
    if (opcode >= 0x8) return true;
    const { maxPayload, maxFragments } = this.options;
    if (opcode === 0) {
      this.messageBytes += length;
      this.messageFrames++;
    } else {
      this.messageBytes = length;
      this.messageFrames = 1;
    }
    if (maxPayload > 0 && this.messageBytes > maxPayload) {
      this.fail(messageTooBig());
      return false;
    }
    if (maxFragments > 0 && this.messageFrames > maxFragments) {
      this.fail(tooManyFragments(maxFragments));
      return false;
    }
    return true;
  }

  /** Joins a header split across chunks with the start of this chunk; returns where its payload begins. */
  private completeSplitHeader(chunk: Uint8Array, pos: number): number {
    const kept = this.pendingHeader as Uint8Array;
    const take = Math.min(14 - kept.length, chunk.length - pos);
    const joined = new Uint8Array(kept.length + take);
    joined.set(kept);
    joined.set(chunk.subarray(pos, pos + take), kept.length);
    const header = this.outcome.header;
    const result = decodeHeaderJs(joined, 0, joined.length, this.decodeOptions, header);
    if (result === DecodeResult.NEED_MORE) {
      this.pendingHeader = joined;
      return pos + take;
    }
    this.pendingHeader = null;
    if (isDecodeError(result)) {
      this.fail(decodeError(result, joined[0], joined[1] ?? -1));
      return chunk.length;
    }
    const sequence = sequenceError(header.byte0, this.state);
    if (sequence !== 0) {
      this.fail(decodeError(sequence, header.byte0, header.byte1));
      return chunk.length;
    }
    this.startStreaming(header.byte0, header.byte1, header.maskKey, header.payloadLength);
    return pos + (result - kept.length);
  }

  /** Begins a frame whose payload is still to come (its header is already checked). */
  private startStreaming(byte0: number, byte1: number, keyWord: number, length: number): void {
    if (!this.countFrame(byte0, length)) return;
    const frame = new StreamingFrame();
    frame.byte0 = byte0;
    frame.masked = (byte1 & HeaderBits.MASK) !== 0;
    frame.keyWord = keyWord;
    frame.length = length;
    const isData = (byte0 & HeaderBits.OPCODE) < 0x8;
    frame.inPieces = isData && this.options.deliverPartialFrames === true;
    if (!frame.inPieces) frame.buffer = this.options.allocate(Math.min(length, STREAM_UPFRONT_MAX_BYTES));
    if (isData) {
      frame.messageState = (this.state & MessageState.OPCODE_BITS) !== 0 ? this.state : startMessageState(byte0);
      frame.checkUtf8 = this.options.validateUtf8 && isPlainText(frame.messageState);
    }
    this.streaming = frame;
    // An empty payload is complete already (a split header of an empty ping, say).
    if (length === 0) this.feedStreaming(new Uint8Array(0), 0);
  }

  /** Feeds a streaming frame from chunk at pos; when it completes, queues it. Returns the new position. */
  private feedStreaming(chunk: Uint8Array, pos: number): number {
    const frame = this.streaming as StreamingFrame;
    if (frame.inPieces) return this.feedInPieces(frame, chunk, pos);
    const n = Math.min(frame.length - frame.filled, chunk.length - pos);
    const at = frame.filled;
    if (at + n > frame.buffer.length) {
      const grown = this.options.allocate(Math.min(frame.length, Math.max(at + n, frame.buffer.length * 2)));
      grown.set(frame.buffer.subarray(0, at));
      frame.buffer = grown;
    }
    if (frame.masked) maskInto(chunk, pos, pos + n, frame.buffer, at, frame.keyWord, at & 3);
    else frame.buffer.set(chunk.subarray(pos, pos + n), at);
    frame.filled = at + n;
    const fin = (frame.byte0 & HeaderBits.FIN) !== 0;
    const complete = frame.filled === frame.length;
    if (frame.checkUtf8) {
      // Fail fast: each piece is checked as it arrives, and the message must end on a code point.
      const utf8State = (frame.messageState >>> MessageState.UTF8_SHIFT) & 0xff;
      const run = validateUtf8(frame.buffer, at, at + n, utf8State);
      if (run < 0 || (complete && fin && run !== UTF8_ACCEPT)) {
        this.fail(decodeError(DecodeResult.INVALID_UTF8));
        return chunk.length;
      }
      frame.messageState = (frame.messageState & 0xff) | (run << MessageState.UTF8_SHIFT);
    }
    if (!complete) return pos + n;
    this.streaming = null;
    if ((frame.byte0 & HeaderBits.OPCODE) < 0x8) this.state = fin ? 0 : frame.messageState;
    this.queuedByte0.push(frame.byte0);
    this.queuedPayload.push(
      frame.buffer.length === frame.length ? frame.buffer : frame.buffer.subarray(0, frame.length),
    );
    return pos + n;
  }

  /** Feeds a frame delivered in pieces: each arriving piece is unmasked into its own buffer and queued. */
  private feedInPieces(frame: StreamingFrame, chunk: Uint8Array, pos: number): number {
    const n = Math.min(frame.length - frame.filled, chunk.length - pos);
    const complete = frame.filled + n === frame.length;
    // Nothing to hand out but the end: an empty piece carries it.
    if (n === 0 && !complete) return pos;
    const piece = this.options.allocate(n);
    if (frame.masked) maskInto(chunk, pos, pos + n, piece, 0, frame.keyWord, frame.filled & 3);
    else piece.set(chunk.subarray(pos, pos + n));
    frame.filled += n;
    const fin = (frame.byte0 & HeaderBits.FIN) !== 0;
    if (frame.checkUtf8) {
      const utf8State = (frame.messageState >>> MessageState.UTF8_SHIFT) & 0xff;
      const run = validateUtf8(piece, 0, n, utf8State);
      if (run < 0 || (complete && fin && run !== UTF8_ACCEPT)) {
        this.fail(decodeError(DecodeResult.INVALID_UTF8));
        return chunk.length;
      }
      frame.messageState = (frame.messageState & 0xff) | (run << MessageState.UTF8_SHIFT);
    }
    // The first piece keeps the frame's opcode and RSV bits; the rest continue it; FIN marks the end.
    const first = frame.piecesDelivered === 0;
    const byte0 = (first ? frame.byte0 & ~HeaderBits.FIN : 0) | (complete && fin ? HeaderBits.FIN : 0);
    frame.piecesDelivered++;
    this.queuedByte0.push(byte0);
    this.queuedPayload.push(piece);
    if (complete) {
      this.streaming = null;
      this.state = fin ? 0 : frame.messageState;
    }
    return pos + n;
  }

  /** Delivers queued frames in order, then a pending failure. False when delivery is held or stopped. */
  private deliverQueue(): boolean {
    const byte0s = this.queuedByte0;
    const payloads = this.queuedPayload;
    while (this.queueAt < payloads.length) {
      const i = this.queueAt++;
      const keepGoing = this.sink.frame(byte0s[i], payloads[i]);
      if (this.stopped) return false;
      if (!keepGoing) {
        this.held = true;
        return false;
      }
    }
    byte0s.length = 0;
    payloads.length = 0;
    this.queueAt = 0;
    if (this.failure !== null) {
      const failure = this.failure;
      this.stop();
      this.sink.error(failure);
      return false;
    }
    return true;
  }

  /** Records a protocol error, to be reported after the frames before it are delivered. */
  private fail(error: ProtocolError): void {
    if (this.failure === null) this.failure = error;
    this.streaming = null;
    this.pendingHeader = null;
  }
}
