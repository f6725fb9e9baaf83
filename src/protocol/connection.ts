// The WebSocket connection after the opening handshake (RFC 6455 sections 5-7), without I/O: bytes from
// the peer go into receive(), and what to send comes out through handler.write(). Messages, pings, the
// close handshake and protocol errors come out through the handler. No timers: the transport owns time
// (close timeouts, heartbeats) and the socket.

import { CloseCode, HeaderBits, Opcode } from '../codec/constants.js';
import { dispatchedOps } from '../codec/dispatch.js';
import type { ProtocolError } from '../codec/errors.js';
import { UTF8_ACCEPT } from '../codec/utf8.js';
import { isValidWireCloseCode, MAX_CLOSE_REASON_BYTES } from './close-codes.js';
import { closePayloadOfOneByte, InvalidStateError, invalidCloseCode, invalidCloseReason } from './errors.js';
import { type CopyBytes, copyBytesSlice, FrameReader } from './frame-reader.js';
import { type Allocate, allocateUint8Array, FrameWriter } from './frame-writer.js';
import { MessageAssembler } from './message-assembler.js';
import { MaskKeyPool, type RandomSource, webRandom } from './random.js';

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
}

/** What a connection tells its transport. Calls are synchronous, in wire order. */
export interface ConnectionHandler {
  /** Bytes to send, in order (one frame may be two chunks). */
  write(chunks: Uint8Array[]): void;
  /** A complete message. `data` belongs to the handler. */
  message(data: Uint8Array, isBinary: boolean): void;
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

export class Connection {
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

  constructor(options: ConnectionOptions, handler: ConnectionHandler) {
    this.role = options.role;
    this.handler = handler;
    this.autoPong = options.autoPong ?? true;
    this.maskOutgoing = options.role === 'client';
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    const allocate = options.allocate ?? allocateUint8Array;
    this.writer = new FrameWriter(new MaskKeyPool(options.random ?? webRandom), allocate);
    this.assembler = new MessageAssembler(allocate, maxPayload);
    this.reader = new FrameReader(
      {
        role: options.role,
        allowedRsvBits: 0,
        validateUtf8: options.validateUtf8 ?? true,
        maxPayload,
        maxFragments: options.maxFragments ?? 0,
        copyBytes: options.copyBytes ?? copyBytesSlice,
        allocate,
      },
      { frame: (byte0, payload) => this.onFrame(byte0, payload), error: (error) => this.onError(error) },
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
    this.reader.resume();
  }

  private receivingPaused = false;

  /**
   * Sends a data message, or one fragment of it: `fin: false` starts or continues a fragmented message
   * (section 5.4), which the next call with `fin: true` ends. Throws InvalidStateError after close.
   */
  send(data: Uint8Array, isBinary: boolean, fin = true, mask = this.maskOutgoing): void {
    this.assertCanSend();
    const opcode = this.sendingFragmented ? Opcode.CONTINUATION : isBinary ? Opcode.BINARY : Opcode.TEXT;
    this.sendingFragmented = !fin;
    this.handler.write(this.writer.frame((fin ? HeaderBits.FIN : 0) | opcode, data, mask));
  }

  ping(data: Uint8Array = EMPTY, mask = this.maskOutgoing): void {
    this.sendControl(Opcode.PING, data, mask);
  }

  pong(data: Uint8Array = EMPTY, mask = this.maskOutgoing): void {
    this.sendControl(Opcode.PONG, data, mask);
  }

  /**
   * Starts the closing handshake (section 7.1.2), or answers the peer's close. `code` must be one a close
   * frame may carry (1000, 1001-1003, 1007-1014, 3000-4999) and `reason` at most 123 UTF-8 bytes;
   * without a code the frame is empty and the peer reports 1005. A second call does nothing.
   */
  close(code?: number, reason = ''): void {
    const payload = encodeClosePayload(code, reason);
    if (this.closeSent || this.readyState === ReadyState.CLOSED) return;
    this.writeClose(payload);
  }

  /** Stops reading and writing without a closing handshake (the transport then drops the socket). */
  terminate(): void {
    this.reader.stop();
    this.closeSent = true;
    this.readyState = ReadyState.CLOSED;
  }

  private assertCanSend(): void {
    if (this.closeSent || this.readyState !== ReadyState.OPEN) {
      throw new InvalidStateError(`WebSocket is not open: readyState ${this.readyState}`);
    }
  }

  private sendControl(opcode: number, data: Uint8Array, mask: boolean): void {
    if (data.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    this.assertCanSend();
    this.handler.write(this.writer.frame(HeaderBits.FIN | opcode, data, mask));
  }

  private writeClose(payload: Uint8Array): void {
    this.closeSent = true;
    this.readyState = this.closeReceived ? ReadyState.CLOSED : ReadyState.CLOSING;
    this.handler.write(this.writer.frame(HeaderBits.FIN | Opcode.CLOSE, payload, this.maskOutgoing));
  }

  private onFrame(byte0: number, payload: Uint8Array): boolean {
    const opcode = byte0 & HeaderBits.OPCODE;
    switch (opcode) {
      case Opcode.PING:
        if (this.autoPong && !this.closeSent)
          this.handler.write(this.writer.frame(HeaderBits.FIN | Opcode.PONG, payload, this.maskOutgoing));
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
        if (opcode !== Opcode.CONTINUATION) this.receivingOpcode = opcode;
        const message = this.assembler.add(payload, fin);
        if (message !== null) this.handler.message(message, this.receivingOpcode === Opcode.BINARY);
      }
    }
    return !this.receivingPaused;
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
    this.reader.stop();
    if (!this.closeSent) this.writeClose(encodeClosePayload(error.closeCode, ''));
    this.readyState = ReadyState.CLOSED;
    this.handler.failed(error);
  }
}

/** Why a received close payload is invalid (section 5.5.1, 7.4), or null when it is fine. */
function closePayloadProblem(payload: Uint8Array): ProtocolError | null {
  if (payload.length === 0) return null;
  if (payload.length === 1) return closePayloadOfOneByte();
  const code = (payload[0] << 8) | payload[1];
  if (!isValidWireCloseCode(code)) return invalidCloseCode(code);
  const bad = dispatchedOps.validateUtf8(payload, 2, payload.length, UTF8_ACCEPT);
  if (bad >= 0 || dispatchedOps.utf8State !== UTF8_ACCEPT) return invalidCloseReason();
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
