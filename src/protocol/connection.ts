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
import { concatBytes } from './bytes.js';
import { isValidWireCloseCode, MAX_CLOSE_REASON_BYTES } from './close-codes.js';
import { ConnectionState, LEGAL_MOVES, READY_STATE, type ReadyState } from './connection-state.js';
import type { ConnectionHandler, ConnectionOptions, SendOptions } from './connection-types.js';
import { DEFAULT_MAX_PAYLOAD } from './defaults.js';
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
import { copyBytesSlice, FrameReader, type FrameSink } from './frame-reader.js';
import { allocateUint8Array, FrameWriter } from './frame-writer.js';
import { MessageAssembler } from './message-assembler.js';
import { NowOrLater } from './now-or-later.js';
import type { PreparedMessage } from './prepared-message.js';
import { maskKeyPoolFor, webRandom } from './random.js';
import { SendQueue } from './send-queue.js';

export { ConnectionState, ReadyState } from './connection-state.js';

export type { ConnectionHandler, ConnectionOptions, SendOptions } from './connection-types.js';
export { DEFAULT_MAX_PAYLOAD };

const { OPEN, CLOSE_SENT, SENDING_STOPPED, CLOSED, ENDED } = ConnectionState;

/** Where the data message being sent is (permessage-deflate decides per message, on its first frame). */
const Outgoing = {
  /** Between messages: the next send starts one. */
  NONE: 0,
  /** A fragmented message is being sent uncompressed; the next send continues it. */
  PLAIN: 1,
  /** A fragmented message is being sent compressed; the next send continues it. */
  COMPRESSED: 2,
} as const;
type Outgoing = (typeof Outgoing)[keyof typeof Outgoing];

/** A prepared message's data, when it must be compressed for this connection (sendPrepared). */
const PREPARED_TEXT: SendOptions = Object.freeze({ binary: false, fin: true, mask: false, compress: true });
const PREPARED_BINARY: SendOptions = Object.freeze({ binary: true, fin: true, mask: false, compress: true });

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

export class Connection implements FrameSink {
  readonly role: 'server' | 'client';
  private readonly handler: ConnectionHandler;
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  private readonly assembler: MessageAssembler;
  /** Keeps outgoing frames in call order while compression finishes asynchronously. */
  private readonly sendQueue: SendQueue;
  private readonly deflate: DeflateSettings | null;
  private readonly maxPayload: number;
  private readonly validateUtf8: boolean;
  private readonly autoPong: boolean;
  private readonly maskOutgoing: boolean;
  private readonly streamMessages: boolean;

  /** Where the connection is in its life (ConnectionState: the legal moves are listed there). */
  private state: ConnectionState = OPEN;
  /** The code and reason of the peer's close frame, once received. */
  private peerCloseCode: number = CloseCode.ABNORMAL_CLOSURE;
  private peerCloseReason = '';

  /** The data message being sent. */
  private outgoing: Outgoing = Outgoing.NONE;

  /**
   * The data message being received: header byte 0 of its first frame, reduced to what holds for the
   * whole message, its opcode and RSV1 (compressed). 0 before the first message.
   */
  private incoming = 0;
  /** The UTF-8 DFA state of the inflated text of the message being received. */
  private inflatedUtf8State = UTF8_ACCEPT;
  /** With streamMessages: true until the first part of the message being received has gone out. */
  private awaitingFirstPart = true;
  /** True while a received compressed piece is being inflated: delivery waits for it. */
  private inflating = false;
  /** True between pauseReceiving() and resumeReceiving(). */
  private receivingPaused = false;
  /** Called once everything received so far has been delivered (whenReceiveSettled). */
  private receiveSettled: (() => void) | null = null;
  /**
   * Whether an inflation finished before decompress returned; if later, reading goes on from there. Made
   * with permessage-deflate only.
   */
  private readonly inflation: NowOrLater | null;

  /** True while the transport's writes are backed up: automatic pongs wait (holdPongs). */
  private pongsHeld = false;
  /** True while a pong sits in the send queue (it answers pingToAnswer when its turn comes). */
  private pongQueued = false;
  /**
   * The payload of the latest ping whose automatic pong has not been written yet: copied into one
   * 125-byte buffer of this connection's (allocated the first time a pong waits), its length, -1 for none.
   * A copy, so that a caller that reuses its receive buffer cannot change it; one buffer, so that a flood
   * of pings allocates nothing.
   */
  private pingToAnswer: Uint8Array | null = null;
  private pingToAnswerLength = -1;

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
    this.inflation =
      this.deflate === null
        ? null
        : new NowOrLater(() => {
            if (!this.receivingPaused) this.reader.resume();
            this.notifyIfReceiveSettled();
          });
    this.sendQueue = new SendQueue(handler);
    this.writer = new FrameWriter(maskKeyPoolFor(options.random ?? webRandom), allocate, options.frameRoom ?? null);
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

  /** OPEN until a close frame is sent or received, CLOSING after ours, CLOSED after both (or a failure). */
  get readyState(): ReadyState {
    return READY_STATE[this.state];
  }

  /** The code of the peer's close frame (1005 when it had none), 1006 until one arrives. */
  get closeCode(): number {
    return this.peerCloseCode;
  }

  /** The reason of the peer's close frame, '' until one arrives. */
  get closeReason(): string {
    return this.peerCloseReason;
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
   * only (RFC 7692 section 6). `options` is read before this returns (SendOptions). Throws
   * InvalidStateError after close.
   */
  send(data: Uint8Array, options: SendOptions, done?: unknown): void {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`send options must be an object such as { binary: true }, got ${String(options)}`);
    }
    const { binary, fin = true, mask = this.maskOutgoing, compress = true } = options;
    this.assertCanSend();
    const first = this.outgoing === Outgoing.NONE;
    const opcode = first ? (binary ? Opcode.BINARY : Opcode.TEXT) : Opcode.CONTINUATION;
    const deflate = this.deflate;
    const compressed =
      deflate !== null &&
      (first ? compress && data.length >= deflate.threshold : this.outgoing === Outgoing.COMPRESSED);
    this.outgoing = fin ? Outgoing.NONE : compressed ? Outgoing.COMPRESSED : Outgoing.PLAIN;
    const finBit = fin ? HeaderBits.FIN : 0;
    if (!compressed) {
      // Written now unless frames wait for compression ahead of it (no closure for the common case).
      if (this.sendQueue.busy) {
        this.sendQueue.push(() => this.writer.frame(finBit | opcode, data, mask), done, data.length);
      } else {
        this.handler.write(this.writer.frame(finBit | opcode, data, mask), done);
      }
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
          write(this.writer.frame(finBit | rsv1 | opcode, concatBytes(output), mask));
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
    if (this.outgoing !== Outgoing.NONE) throw new InvalidStateError('A fragmented message is being sent');
    const deflate = this.deflate;
    if (compress && deflate !== null && message.data.length >= deflate.threshold) {
      const compressedFrame = message.compressedFrame;
      if (compressedFrame !== null && deflate.takesPrecompressed) {
        this.sendQueue.push(() => compressedFrame, done, message.data.length);
      } else {
        this.send(message.data, message.isBinary ? PREPARED_BINARY : PREPARED_TEXT, done);
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
    if (this.state !== OPEN) return;
    this.moveTo(CLOSE_SENT);
    this.queueCloseFrame(payload, done);
  }

  /**
   * Stops writing at once (queued frames are abandoned, no close frame will be sent) while what was
   * already received is still delivered: the first half of a terminate that loses nothing accepted. The
   * transport drops the socket, waits for whenReceiveSettled, then calls terminate().
   */
  stopSending(): void {
    if (this.state === OPEN) this.moveTo(SENDING_STOPPED);
    this.sendQueue.abandon();
  }

  /** Stops reading and writing without a closing handshake (the transport then drops the socket). */
  terminate(): void {
    this.moveTo(ENDED);
    this.reader.stop();
    this.sendQueue.abandon();
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
    if (this.pingToAnswerLength >= 0 && !this.pongQueued && this.state === OPEN) this.queuePong();
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
    if (!this.inflating || this.receivingPaused || this.state === ENDED) {
      callback();
      return;
    }
    this.receiveSettled = callback;
  }

  /** True while data frames may still be sent: open, and no close frame sent (nor sending stopped). */
  get canSend(): boolean {
    return this.state === OPEN;
  }

  /** Moves to `next`; a move LEGAL_MOVES does not list is a bug in this class, reported as one. */
  private moveTo(next: ConnectionState): void {
    if ((LEGAL_MOVES[this.state] & (1 << next)) === 0) {
      throw new Error(`wasmsocket: internal error: connection state ${this.state} cannot move to ${next}`);
    }
    this.state = next;
  }

  private notifyIfReceiveSettled(): void {
    if (this.inflating || this.receiveSettled === null) return;
    const callback = this.receiveSettled;
    this.receiveSettled = null;
    callback();
  }

  private assertCanSend(): void {
    if (this.state !== OPEN) {
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

  /** Queues our close frame behind whatever is queued (the state has already moved). */
  private queueCloseFrame(payload: Uint8Array, done?: unknown): void {
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
        if (this.autoPong && this.state === OPEN) this.answerPing(payload);
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
        if (opcode !== Opcode.CONTINUATION) this.incoming = byte0 & (HeaderBits.OPCODE | HeaderBits.RSV1);
        if ((this.incoming & HeaderBits.RSV1) !== 0) return this.inflate(payload, fin);
        this.deliverData(payload, fin);
      }
    }
    return !this.receivingPaused;
  }

  /** True when the message being received is binary (else text). */
  private get incomingIsBinary(): boolean {
    return (this.incoming & HeaderBits.OPCODE) === Opcode.BINARY;
  }

  /** Plain message bytes (received, or inflated): assembled into a message, or passed on as a part. */
  private deliverData(data: Uint8Array, fin: boolean): void {
    const isBinary = this.incomingIsBinary;
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
    if (this.incomingIsBinary || !this.validateUtf8) return true;
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
    const inflation = this.inflation as NowOrLater;
    const limit = Math.max(this.maxPayload, 0);
    this.inflating = true;
    inflation.begin();
    codec.decompress(payload, fin, limit, (error, output) => {
      this.inflating = false;
      if (this.state === ENDED) {
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
      inflation.finish();
    });
    return inflation.end() && !this.receivingPaused;
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
    this.peerCloseCode = code;
    this.peerCloseReason = reason;
    const mustAnswer = this.state === OPEN;
    this.moveTo(CLOSED);
    // Section 5.5.1: answer with a close frame, echoing the code and reason (an empty frame if none came).
    if (mustAnswer) this.queueCloseFrame(code === CloseCode.NO_STATUS_RECEIVED ? EMPTY : payload);
    this.handler.closed(code, reason);
  }

  private onError(error: ProtocolError): void {
    if (this.state === ENDED) return;
    const mustSendClose = this.state === OPEN;
    this.moveTo(ENDED);
    this.reader.stop();
    // Frames still waiting on compression are dropped: the close frame must be the last thing sent.
    this.sendQueue.abandon();
    if (mustSendClose) {
      this.handler.write(
        this.writer.frame(HeaderBits.FIN | Opcode.CLOSE, encodeClosePayload(error.closeCode, ''), this.maskOutgoing),
      );
    }
    this.handler.failed(error);
  }
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
