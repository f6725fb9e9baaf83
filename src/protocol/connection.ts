// The WebSocket connection after the opening handshake (RFC 6455 sections 5-7), without I/O: bytes from
// the peer go into receive(), and what to send comes out through handler.write(). Messages, pings, the
// close handshake and protocol errors come out through the handler. No timers: the transport owns time
// (close timeouts, heartbeats) and the socket.

import {
  CloseCode,
  HeaderBits,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  type ProtocolError,
  UTF8_ACCEPT,
  validateUtf8,
} from '../codec/internal.js';
import { isValidWireCloseCode, MAX_CLOSE_REASON_BYTES } from './close-codes.js';
import { type DeflateSettings, InflateLimitError } from './deflate-codec.js';
import {
  closePayloadOfOneByte,
  compressionFailed,
  InvalidStateError,
  invalidCloseCode,
  invalidCloseReason,
  invalidCompressedData,
  invalidUtf8,
  messageTooBig,
} from './errors.js';
import { type CopyBytes, copyBytesSlice, FrameReader, type FrameSink } from './frame-reader.js';
import { type Allocate, allocateUint8Array, FrameWriter } from './frame-writer.js';
import { MessageAssembler } from './message-assembler.js';
import type { PreparedMessage } from './prepared-message.js';
import { maskKeyPoolFor, type RandomSource, webRandom } from './random.js';
import { SendQueue } from './send-queue.js';

/** 100 MiB, as ws: the default most bytes one received message may carry. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

export interface ConnectionOptions {
  /** 'server' for the side that accepted the handshake, 'client' for the side that opened it. */
  role: 'server' | 'client';
  /** The most bytes a received message may carry (1009 beyond it); 0 for no limit. Default 100 MiB. */
  maxPayload?: number;
  /** The most frames one received message may have (1008 beyond it); 0 (the default) for no limit. */
  maxFragments?: number;
  /** Check that received text is UTF-8 (1007 otherwise). Default true. */
  validateUtf8?: boolean;
  /** Answer pings with pongs. Default true. */
  autoPong?: boolean;
  /** Cryptographically strong random bytes, for masking keys. Default: crypto.getRandomValues. */
  random?: RandomSource;
  /** Allocates outgoing frames and assembled messages. Default: new Uint8Array. */
  allocate?: Allocate;
  /** Copies received payloads out of shared memory. Default: Uint8Array.prototype.slice. */
  copyBytes?: CopyBytes;
  /** permessage-deflate, when the handshake negotiated it. */
  deflate?: DeflateSettings;
  /**
   * Deliver every data message in parts as its bytes arrive (handler.messagePart) instead of whole
   * (handler.message), so a message larger than memory can be consumed as a stream. maxPayload then
   * limits each streamed message.
   */
  streamMessages?: boolean;
}

/** What a connection tells its transport. Calls are synchronous, in wire order. */
export interface ConnectionHandler {
  /**
   * Bytes to send, in order (one frame may be two chunks). `done` is what the caller of send, ping, pong
   * or close passed along (a callback, say), handed back with the bytes it asked for.
   */
  write(chunks: Uint8Array[], done?: unknown): void;
  /**
   * A frame queued behind compression will never be written (the connection failed or was terminated
   * first): `done` is what its caller passed along, so the transport can report the failure.
   */
  discarded?(done: unknown): void;
  /** A complete message. `data` belongs to the handler. */
  message(data: Uint8Array, isBinary: boolean): void;
  /**
   * With streamMessages: the next part of a message, in order; `first` on its first part, `last` on its
   * final one (which may be empty). `data` belongs to the handler.
   */
  messagePart?(data: Uint8Array, isBinary: boolean, first: boolean, last: boolean): void;
  ping(data: Uint8Array): void;
  pong(data: Uint8Array): void;
  /**
   * The peer's close frame arrived: its code (1005 when it had none) and reason. If we had not sent a
   * close frame, the echo has been written. Nothing more will be read. A server should now close the TCP
   * connection; a client should wait a while for the server to close it (section 7.1.1).
   */
  closed(code: number, reason: string): void;
  /**
   * The peer broke the protocol. A close frame with error.closeCode has been written (unless one was
   * sent before); nothing more will be read; the transport should close the TCP connection.
   */
  failed(error: ProtocolError): void;
}

export const ReadyState = { OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

export class Connection implements FrameSink {
  readonly role: 'server' | 'client';
  /** OPEN until a close frame is sent or received, CLOSING after ours, CLOSED after both (or a failure). */
  readyState: ReadyState = ReadyState.OPEN;
  /** The code and reason of the peer's close frame, once received. */
  closeCode: number = CloseCode.ABNORMAL_CLOSURE;
  closeReason = '';
  private closeSent = false;
  private closeReceived = false;
  private readonly handler: ConnectionHandler;
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  private readonly assembler: MessageAssembler;
  private readonly autoPong: boolean;
  private readonly maskOutgoing: boolean;
  /** The opcode of the message being received (for continuation frames), 0 when none. */
  private receivingOpcode = 0;
  /** True while a message sent with fin: false awaits its last fragment. */
  private sendingFragmented = false;
  /** Whether the message being sent is compressed (decided by its first fragment). */
  private sendingCompressed = false;
  /** Whether the message being received is compressed (RSV1 on its first frame). */
  private receivingCompressed = false;
  /** True while a received compressed piece is being inflated: delivery waits for it. */
  private inflating = false;
  private receivingPaused = false;
  /** With streamMessages: true until the first part of the message being received has gone out. */
  private awaitingFirstPart = true;
  /** The UTF-8 DFA state of the inflated text of the message being received. */
  private inflatedUtf8State = UTF8_ACCEPT;
  private readonly streamMessages: boolean;
  /** True while the transport's writes are backed up: automatic pongs wait (holdPongs). */
  private pongsHeld = false;
  /**
   * The payload of the latest ping whose automatic pong has not been written yet: copied into one
   * 125-byte buffer of this connection's (allocated the first time a pong waits), its length, -1 for none.
   * A copy, so that a caller that reuses its receive buffer cannot change it; one buffer, so that a flood
   * of pings allocates nothing.
   */
  private pingToAnswer: Uint8Array | null = null;
  private pingToAnswerLength = -1;
  /** True while a pong sits in the send queue (it answers pingToAnswer when its turn comes). */
  private pongQueued = false;
  private readonly maxPayload: number;
  private readonly validateUtf8: boolean;
  private readonly deflate: DeflateSettings | null;
  /** Keeps outgoing frames in call order while compression finishes asynchronously. */
  private readonly sendQueue: SendQueue;

  constructor(options: ConnectionOptions, handler: ConnectionHandler) {
    this.role = options.role;
    this.handler = handler;
    this.autoPong = options.autoPong ?? true;
    this.maskOutgoing = options.role === 'client';
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    const allocate = options.allocate ?? allocateUint8Array;
    this.maxPayload = maxPayload;
    this.validateUtf8 = options.validateUtf8 ?? true;
    this.deflate = options.deflate ?? null;
    this.streamMessages = options.streamMessages === true;
    this.sendQueue = new SendQueue(handler);
    this.writer = new FrameWriter(maskKeyPoolFor(options.random ?? webRandom), allocate);
    this.assembler = new MessageAssembler(allocate, maxPayload);
    this.reader = new FrameReader(
      {
        role: options.role,
        // RFC 7692 section 6: permessage-deflate gives RSV1 its meaning.
        allowedRsvBits: options.deflate ? HeaderBits.RSV1 : 0,
        validateUtf8: this.validateUtf8,
        maxPayload,
        maxFragments: options.maxFragments ?? 0,
        copyBytes: options.copyBytes ?? copyBytesSlice,
        allocate,
        deliverPartialFrames: this.streamMessages,
      },
      this,
    );
  }

  /** Bytes from the peer. The connection may modify `chunk` and hand out views of it. */
  receive(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Stops delivering received frames until resumeReceiving (bytes that arrive meanwhile are kept). */
  pauseReceiving(): void {
    this.receivingPaused = true;
  }

  resumeReceiving(): void {
    this.receivingPaused = false;
    if (!this.inflating) this.reader.resume();
  }

  /**
   * Sends a data message, or one fragment of it: `fin: false` starts or continues a fragmented message
   * (section 5.4), which the next call with `fin: true` ends. With permessage-deflate negotiated,
   * `compress` (default true) compresses messages of at least the threshold; RSV1 marks the first frame
   * only (RFC 7692 section 6). Throws InvalidStateError after close.
   */
  send(
    data: Uint8Array,
    isBinary: boolean,
    fin = true,
    mask = this.maskOutgoing,
    compress = true,
    done?: unknown,
  ): void {
    this.assertCanSend();
    const first = !this.sendingFragmented;
    const opcode = first ? (isBinary ? Opcode.BINARY : Opcode.TEXT) : Opcode.CONTINUATION;
    this.sendingFragmented = !fin;
    const deflate = this.deflate;
    if (first) this.sendingCompressed = deflate !== null && compress && data.length >= deflate.threshold;
    const finBit = fin ? HeaderBits.FIN : 0;
    if (!this.sendingCompressed || deflate === null) {
      this.sendQueue.push(() => this.writer.frame(finBit | opcode, data, mask), done, data.length);
      return;
    }
    const rsv1 = first ? HeaderBits.RSV1 : 0;
    this.sendQueue.pushAsync(
      (write) => {
        deflate.codec.compress(data, fin, (error, output) => {
          if (error !== null) {
            this.onError(compressionFailed(error));
            return;
          }
          write(this.writer.frame(finBit | rsv1 | opcode, joinChunks(output), mask));
        });
      },
      done,
      data.length,
    );
  }

  /**
   * Sends a message framed once for many connections (servers only). Uses its compressed frame where
   * the agreement allows it, compresses it for this connection where compression is on but it does
   * not, and sends its plain frame otherwise.
   */
  sendPrepared(message: PreparedMessage, compress: boolean, done?: unknown): void {
    this.assertCanSend();
    if (this.sendingFragmented) throw new InvalidStateError('A fragmented message is being sent');
    const deflate = this.deflate;
    if (compress && deflate !== null && message.data.length >= deflate.threshold) {
      const compressedFrame = message.compressedFrame;
      if (compressedFrame !== null && deflate.takesPrecompressed) {
        this.sendQueue.push(() => compressedFrame, done, message.data.length);
      } else {
        this.send(message.data, message.isBinary, true, false, true, done);
      }
      return;
    }
    this.sendQueue.push(() => message.frame, done, message.data.length);
  }

  ping(data: Uint8Array = EMPTY, mask = this.maskOutgoing, done?: unknown): void {
    this.sendControl(Opcode.PING, data, mask, done);
  }

  pong(data: Uint8Array = EMPTY, mask = this.maskOutgoing, done?: unknown): void {
    this.sendControl(Opcode.PONG, data, mask, done);
  }

  /**
   * Starts the closing handshake (section 7.1.2), or answers the peer's close. `code` must be one a close
   * frame may carry (1000, 1001-1003, 1007-1014, 3000-4999) and `reason` at most 123 UTF-8 bytes;
   * without a code the frame is empty and the peer reports 1005. A second call does nothing.
   */
  close(code?: number, reason = '', done?: unknown): void {
    const payload = encodeClosePayload(code, reason);
    if (this.closeSent || this.readyState === ReadyState.CLOSED) return;
    this.writeClose(payload, done);
  }

  /**
   * Stops writing at once (queued frames are abandoned, no close frame will be sent) while what was
   * already received is still delivered: the first half of a terminate that loses nothing accepted. The
   * transport drops the socket, waits for whenReceiveSettled, then calls terminate().
   */
  stopSending(): void {
    this.sendQueue.abandon();
    this.closeSent = true;
  }

  /** Stops reading and writing without a closing handshake (the transport then drops the socket). */
  terminate(): void {
    this.reader.stop();
    this.sendQueue.abandon();
    this.closeSent = true;
    this.readyState = ReadyState.CLOSED;
    this.finished = true;
    this.deflate?.codec.dispose();
  }

  /**
   * The transport cannot take more bytes for now (its buffer is past its high-water mark): until
   * releasePongs(), automatic pongs are not written, and the latest ping alone is answered then. RFC 6455
   * section 5.5.3 allows answering only the most recent ping when earlier ones are still unanswered; so
   * a peer that floods pings and never reads makes us hold one pong, not one per ping, and what the
   * connection writes by itself stays bounded without ever having to stop reading.
   */
  holdPongs(): void {
    this.pongsHeld = true;
  }

  /** The transport can take bytes again: the pong for the latest ping held meanwhile is written. */
  releasePongs(): void {
    this.pongsHeld = false;
    if (this.pingToAnswerLength >= 0 && !this.pongQueued && !this.closeSent) this.queuePong();
  }

  /** Payload bytes of messages waiting for compression (or behind it) before they can be written. */
  get queuedBytes(): number {
    return this.sendQueue.queuedBytes;
  }

  /** True while frames wait for compression to finish before they can be written. */
  get sendPending(): boolean {
    return this.sendQueue.busy;
  }

  /**
   * Calls `callback` once everything already received has been delivered: at once, or after an inflation
   * still running (and the frames queued behind it) finish. A transport whose input ended (the peer sent
   * a message, its close frame and FIN together) waits for this before reporting the end, so the message
   * and the peer's close code are not lost.
   */
  whenReceiveSettled(callback: () => void): void {
    if (!this.inflating || this.receivingPaused || this.finished) {
      callback();
      return;
    }
    this.receiveSettled = callback;
  }

  private receiveSettled: (() => void) | null = null;

  private notifyIfReceiveSettled(): void {
    if (this.inflating || this.receiveSettled === null) return;
    const callback = this.receiveSettled;
    this.receiveSettled = null;
    callback();
  }

  /** True while data frames may still be sent: open, and no close frame sent (nor sending stopped). */
  get canSend(): boolean {
    return !this.closeSent && this.readyState === ReadyState.OPEN;
  }

  private assertCanSend(): void {
    if (!this.canSend) {
      throw new InvalidStateError(`WebSocket is not open: readyState ${this.readyState}`);
    }
  }

  private sendControl(opcode: number, data: Uint8Array, mask: boolean, done: unknown): void {
    if (data.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    this.assertCanSend();
    this.sendQueue.push(() => this.writer.frame(HeaderBits.FIN | opcode, data, mask), done);
  }

  /** An automatic pong: written now, or, while an earlier one still waits, folded into it (section 5.5.3). */
  private answerPing(payload: Uint8Array): void {
    if (!this.pongsHeld && !this.pongQueued && !this.sendQueue.busy) {
      this.sendQueue.push(() => this.writer.frame(HeaderBits.FIN | Opcode.PONG, payload, this.maskOutgoing));
      return;
    }
    // The pong waits (behind compression, or until the transport drains): only the latest ping's
    // payload is kept.
    this.pingToAnswer ??= new Uint8Array(MAX_CONTROL_PAYLOAD);
    this.pingToAnswer.set(payload);
    this.pingToAnswerLength = payload.length;
    if (!this.pongsHeld && !this.pongQueued) this.queuePong();
  }

  /** Queues one pong that answers whichever ping is the latest when its turn comes. */
  private queuePong(): void {
    this.pongQueued = true;
    this.sendQueue.push(() => {
      this.pongQueued = false;
      const length = this.pingToAnswerLength;
      this.pingToAnswerLength = -1;
      const payload = length > 0 ? (this.pingToAnswer as Uint8Array).subarray(0, length) : EMPTY;
      // The frame holds a copy of the payload (a small frame is one buffer), so the buffer can be reused.
      return this.writer.frame(HeaderBits.FIN | Opcode.PONG, payload, this.maskOutgoing);
    });
  }

  private writeClose(payload: Uint8Array, done?: unknown): void {
    this.closeSent = true;
    this.readyState = this.closeReceived ? ReadyState.CLOSED : ReadyState.CLOSING;
    this.sendQueue.push(() => this.writer.frame(HeaderBits.FIN | Opcode.CLOSE, payload, this.maskOutgoing), done);
  }

  /** FrameSink: a frame from this connection's reader (not for callers). */
  frame(byte0: number, payload: Uint8Array): boolean {
    return this.onFrame(byte0, payload);
  }

  /** FrameSink: the reader found a protocol error (not for callers). */
  error(error: ProtocolError): void {
    this.onError(error);
  }

  private onFrame(byte0: number, payload: Uint8Array): boolean {
    const opcode = byte0 & HeaderBits.OPCODE;
    switch (opcode) {
      case Opcode.PING:
        if (this.autoPong && !this.closeSent) this.answerPing(payload);
        this.handler.ping(payload);
        break;
      case Opcode.PONG:
        this.handler.pong(payload);
        break;
      case Opcode.CLOSE:
        this.onCloseFrame(payload);
        return false;
      default: {
        const fin = (byte0 & HeaderBits.FIN) !== 0;
        if (opcode !== Opcode.CONTINUATION) {
          this.receivingOpcode = opcode;
          this.receivingCompressed = (byte0 & HeaderBits.RSV1) !== 0;
        }
        if (this.receivingCompressed) return this.inflate(payload, fin);
        this.deliverData(payload, fin);
      }
    }
    return !this.receivingPaused;
  }

  /** Plain message bytes (received, or inflated): assembled into a message, or passed on as a part. */
  private deliverData(data: Uint8Array, fin: boolean): void {
    const isBinary = this.receivingOpcode === Opcode.BINARY;
    if (this.streamMessages) {
      const first = this.awaitingFirstPart;
      this.awaitingFirstPart = fin;
      this.handler.messagePart?.(data, isBinary, first, fin);
      return;
    }
    const message = this.assembler.add(data, fin);
    if (message !== null) this.handler.message(message, isBinary);
  }

  /**
   * The scanner skips compressed text, so inflated text is checked here as it comes out (section 8.1):
   * fail-fast per piece, and whole code points at the end. False after failing the connection.
   */
  private checkInflatedText(piece: Uint8Array, end: boolean): boolean {
    if (this.receivingOpcode === Opcode.BINARY || !this.validateUtf8) return true;
    const run = validateUtf8(piece, 0, piece.length, this.inflatedUtf8State);
    if (run < 0 || (end && run !== UTF8_ACCEPT)) {
      this.onError(invalidUtf8());
      return false;
    }
    this.inflatedUtf8State = end ? UTF8_ACCEPT : run;
    return true;
  }

  /**
   * Inflates a piece of a compressed message (RFC 7692 section 7.2.2). Delivery of later frames waits
   * until it is done; returns whether the reader may go on at once (the codec finished synchronously).
   */
  private inflate(payload: Uint8Array, fin: boolean): boolean {
    const codec = (this.deflate as DeflateSettings).codec;
    let finishedSynchronously = false;
    let returned = false;
    this.inflating = true;
    const limit = Math.max(this.maxPayload, 0);
    codec.decompress(payload, fin, limit, (error, output) => {
      this.inflating = false;
      if (this.finished) {
        this.notifyIfReceiveSettled();
        return;
      }
      if (error !== null) {
        this.notifyIfReceiveSettled();
        this.onError(error instanceof InflateLimitError ? messageTooBig() : invalidCompressedData(error));
        return;
      }
      for (const piece of output) {
        if (!this.checkInflatedText(piece, false)) return;
        this.deliverData(piece, false);
      }
      if (fin) {
        if (!this.checkInflatedText(EMPTY, true)) return;
        this.deliverData(EMPTY, true);
      }
      if (returned) {
        if (!this.receivingPaused) this.reader.resume();
        this.notifyIfReceiveSettled();
      } else {
        finishedSynchronously = true;
      }
    });
    returned = true;
    return finishedSynchronously && !this.receivingPaused;
  }

  private onCloseFrame(payload: Uint8Array): void {
    this.reader.stop();
    const problem = closePayloadProblem(payload);
    if (problem !== null) {
      this.onError(problem);
      return;
    }
    const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : CloseCode.NO_STATUS_RECEIVED;
    const reason = payload.length > 2 ? textDecoder.decode(payload.subarray(2)) : '';
    this.closeReceived = true;
    this.closeCode = code;
    this.closeReason = reason;
    // Section 5.5.1: answer with a close frame, echoing the code and reason (an empty frame if none came).
    if (!this.closeSent) this.writeClose(code === CloseCode.NO_STATUS_RECEIVED ? EMPTY : payload);
    this.readyState = ReadyState.CLOSED;
    this.handler.closed(code, reason);
  }

  private onError(error: ProtocolError): void {
    if (this.finished) return;
    this.finished = true;
    this.reader.stop();
    // Frames still waiting on compression are dropped: the close frame must be the last thing sent.
    this.sendQueue.abandon();
    if (!this.closeSent) {
      this.closeSent = true;
      this.handler.write(
        this.writer.frame(HeaderBits.FIN | Opcode.CLOSE, encodeClosePayload(error.closeCode, ''), this.maskOutgoing),
      );
    }
    this.readyState = ReadyState.CLOSED;
    this.handler.failed(error);
  }

  /** True after a failure or terminate(): nothing more is read, written or reported. */
  private finished = false;
}

/** One buffer from the codec's output pieces (usually there is just one). */
function joinChunks(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const joined = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

/** Why a received close payload is invalid (section 5.5.1, 7.4), or null when it is fine. */
function closePayloadProblem(payload: Uint8Array): ProtocolError | null {
  if (payload.length === 0) return null;
  if (payload.length === 1) return closePayloadOfOneByte();
  const code = (payload[0] << 8) | payload[1];
  if (!isValidWireCloseCode(code)) return invalidCloseCode(code);
  if (validateUtf8(payload, 2, payload.length, UTF8_ACCEPT) !== UTF8_ACCEPT) return invalidCloseReason();
  return null;
}

/** The payload of a close frame; throws TypeError or RangeError for a code or reason that may not be sent. */
export function encodeClosePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) {
    if (reason !== '') throw new TypeError('A close reason needs a close code');
    return EMPTY;
  }
  if (typeof code !== 'number' || !isValidWireCloseCode(code)) {
    throw new TypeError(`First argument must be a valid error code number, got ${String(code)}`);
  }
  const reasonBytes = textEncoder.encode(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`The message must not be greater than ${MAX_CLOSE_REASON_BYTES} bytes`);
  }
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}
