// What a WebSocket sends, on its way to the Connection: data of every form ws accepts turned into bytes
// (a wrong type throws to the caller, before any waiting), held in order behind a streamed message or a
// Blob being read (send-order.ts), refused past maxBackpressure (the callback learns it; with the 'close'
// policy the peer does too, with 1008), and, once the connection can no longer send, reported to the
// callback and counted in bufferedAmount, as ws counts it. The WebSocket's methods sort out ws's argument
// forms (a callback in place of options) and the CONNECTING check; this is the rest of their work, and
// how close()'s reason is read.

import { Buffer, Blob as NodeBlob } from 'node:buffer';
import type { SendOptions as FrameOptions } from '../protocol/connection.js';
import * as DEFAULTS from '../protocol/defaults.js';
import { ErrorCode } from '../protocol/errors.js';
import { publishBackpressure } from './diagnostics.js';
import { toBuffer } from './platform.js';
import { PreparedMessage } from './prepared.js';
import { SendOrder, type SendStreamOptions } from './send-order.js';
import type { ConnectionSettings, SocketGlue } from './socket-glue.js';
import type { WebSocket } from './websocket.js';
import type { SendCallback, SendOptions } from './websocket-types.js';

/**
 * The backpressure limit for published and broadcast messages when maxBackpressure is not set: a
 * subscriber that does not keep up is handled by the policy instead of buffering without bound.
 */
export const DEFAULT_PUBLISH_MAX_BACKPRESSURE = DEFAULTS.DEFAULT_PUBLISH_MAX_BACKPRESSURE;

/** A WebSocket's readyState while it is open (WebSocket.OPEN). */
const OPEN = 1;
const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
/** RFC 6455 section 5.5: a control frame carries at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125;
const EMPTY_BUFFER = Buffer.alloc(0);
/** globalThis.Blob (the same class), held here: globalThis's is a lazy getter, which cost a call per send. */
const BlobClass = NodeBlob as unknown as typeof Blob;

/** The options of every Connection.send: filled before each call, which reads them at once (no allocation). */
const frameOptions: Required<FrameOptions> = { binary: false, fin: true, mask: false, compress: true };

export class Outgoing {
  private readonly ws: WebSocket;
  /** The socket glue once the connection is open (open()); until then nothing can be sent. */
  private glue: SocketGlue | null = null;
  /** Frames from a client are masked unless a send says otherwise (RFC 6455 section 5.3). */
  private maskByDefault = false;
  private maxBackpressure = 0;
  private refuseOnBackpressure = false;
  /** Bytes sent while the connection was not open, which ws counts in bufferedAmount. */
  private unsentBytes = 0;
  /** Created by the first streamed message or Blob, so that other connections carry none of it. */
  private order: SendOrder | null = null;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  /** The connection opened over `glue`, with these limits. */
  open(glue: SocketGlue, settings: ConnectionSettings, role: 'server' | 'client'): void {
    this.glue = glue;
    this.maskByDefault = role === 'client';
    this.maxBackpressure = settings.maxBackpressure ?? 0;
    this.refuseOnBackpressure = settings.backpressurePolicy === 'refuse';
  }

  /**
   * Bytes queued to send and not yet handed to the operating system (waitingBytes), and, as ws counts
   * them, bytes sent while the connection was not open.
   */
  get bufferedAmount(): number {
    // Published frames gathered for this tick's writev count as handed to the operating system, as they
    // would have been written at once.
    this.glue?.flushGathered();
    return this.unsentBytes + this.waitingBytes();
  }

  /**
   * Bytes held in memory until they can be sent: those a send made now goes behind (the glue's
   * aheadBytes), Blobs being read, and sends waiting behind a streamed message or a Blob. What
   * maxBackpressure and the publish cap compare with their limit when a send has to wait.
   */
  private waitingBytes(): number {
    return (this.glue?.aheadBytes ?? 0) + (this.order?.heldBytes ?? 0);
  }

  /** True while a send can go to the connection now (a Blob read before close() may, while CLOSING). */
  private canSendNow(): boolean {
    const open = this.ws.readyState === OPEN || this.order?.sendingHeldBlob === true;
    return open && this.glue?.connection.canSend === true;
  }

  /** ws.send's work: see WebSocket.send. */
  send(data: unknown, options: SendOptions | undefined, cb: SendCallback | undefined): boolean {
    // Published frames gathered in this tick go first (in order), and this send sees the socket as before.
    this.glue?.flushGathered();
    if (data instanceof BlobClass) {
      if (this.maxBackpressure > 0 && this.waitingBytes() + data.size > this.maxBackpressure) {
        this.refuse(cb, this.maxBackpressure);
        return false;
      }
      // The Blob's bytes are sent when read, through ws.send again, in their turn.
      this.afterBlobRead(data, cb, (bytes) => this.ws.send(bytes, { binary: true, ...options }, cb));
      const glue = this.glue;
      return glue !== null && this.bufferedAmount < glue.socket.writableHighWaterMark;
    }
    // As ws: a number is sent as its text, and no data (undefined, null) as an empty binary message.
    if (typeof data === 'number') data = String(data);
    const prepared = data instanceof PreparedMessage ? data : null;
    // Converted before any waiting, so that data of the wrong type throws here, to the caller.
    const bytes =
      prepared !== null ? prepared.data : data === undefined || data === null ? EMPTY_BUFFER : toBuffer(data);
    const order = this.order;
    if (order?.mustWait) {
      // A streamed message or a Blob is going out first: this one follows it, whole and in order. It
      // counts as waiting meanwhile, so that maxBackpressure holds for what piles up behind them.
      if (this.maxBackpressure > 0 && this.waitingBytes() + bytes.length > this.maxBackpressure) {
        this.refuse(cb, this.maxBackpressure);
        return false;
      }
      const binary = options?.binary ?? typeof data !== 'string';
      const payload = prepared ?? bytes;
      order.defer(() => this.ws.send(payload, { ...options, binary }, cb), bytes.length);
      return true;
    }
    const glue = this.glue;
    if (glue === null || !this.canSendNow()) {
      this.sendAfterClose(bytes.length, cb);
      return false;
    }
    if (this.maxBackpressure > 0 && glue.aheadBytes + bytes.length > this.maxBackpressure) {
      this.refuse(cb, this.maxBackpressure);
      return false;
    }
    const { binary = typeof data !== 'string', fin = true, mask, compress = true } = options ?? {};
    if (prepared !== null && !this.maskByDefault && fin && !mask) {
      glue.connection.sendPrepared(prepared, options?.compress ?? prepared.compressedFrame !== null, cb);
    } else {
      frameOptions.binary = prepared?.isBinary ?? binary;
      frameOptions.fin = fin;
      frameOptions.mask = mask ?? this.maskByDefault;
      frameOptions.compress = compress;
      glue.connection.send(bytes, frameOptions, cb);
    }
    return glue.belowHighWaterMark;
  }

  /** ws.ping's and ws.pong's work, their arguments sorted out. */
  sendControl(kind: 'ping' | 'pong', data: unknown, mask: boolean | undefined, cb: SendCallback | undefined): void {
    this.glue?.flushGathered();
    if (data instanceof BlobClass) {
      if (data.size > MAX_CONTROL_PAYLOAD) throw new RangeError('The data size must not be greater than 125 bytes');
      this.afterBlobRead(data, cb, (bytes) => this.sendControl(kind, bytes, mask, cb));
      return;
    }
    if (typeof data === 'number') data = String(data);
    const bytes = data === undefined || data === null ? EMPTY_BUFFER : toBuffer(data);
    if (bytes.length > MAX_CONTROL_PAYLOAD) throw new RangeError('The data size must not be greater than 125 bytes');
    const glue = this.glue;
    if (glue === null || !this.canSendNow()) {
      this.sendAfterClose(bytes.length, cb);
      return;
    }
    glue.connection[kind](bytes, mask ?? this.maskByDefault, cb);
  }

  /** ws.sendStream's work: `source` as one fragmented message, in its turn. */
  sendStream(source: ReadableStream | AsyncIterable<unknown> | Iterable<unknown>, options?: SendStreamOptions) {
    return this.sendOrder().sendStream(source as never, options);
  }

  /** Sends a published or broadcast message, under maxBackpressure (or its publish default). */
  sendPublished(message: PreparedMessage, compress: boolean): void {
    const glue = this.glue;
    if (this.ws.readyState !== OPEN || glue === null || !glue.connection.canSend) return;
    const limit = this.maxBackpressure > 0 ? this.maxBackpressure : DEFAULT_PUBLISH_MAX_BACKPRESSURE;
    const size = message.data.length;
    const order = this.order;
    if (order?.mustWait) {
      // Behind a streamed message or a Blob: counted with everything waiting, then sent in its turn.
      if (this.waitingBytes() + size > limit) {
        this.refuse(undefined, limit);
        return;
      }
      order.defer(() => this.ws._sendPreparedForPublish(message, compress), size);
      return;
    }
    if (glue.aheadBytes + size > limit) {
      // What this tick gathered would have been written already: write it, then judge what still waits.
      glue.flushGathered();
      if (glue.aheadBytes + size > limit) {
        this.refuse(undefined, limit);
        return;
      }
    }
    glue.gatherPublished();
    glue.connection.sendPrepared(message, compress);
  }

  /** Runs `sendClose` now, or after the Blobs sent before close() are read and sent, as in ws. */
  closeInTurn(sendClose: () => void): void {
    const order = this.order;
    if (order?.readingBlobs) order.defer(sendClose);
    else sendClose();
  }

  private sendOrder(): SendOrder {
    this.order ??= new SendOrder(this.ws);
    return this.order;
  }

  /**
   * Reads a Blob to send (a message, ping or pong) in its turn, then calls `send` with its bytes while
   * the connection can still send. Otherwise, or when the read fails, `cb` learns why. Nothing throws out
   * of this asynchronous step: `cb` gets that error too.
   */
  private afterBlobRead(blob: Blob, cb: SendCallback | undefined, send: (bytes: Uint8Array) => void): void {
    this.sendOrder().readBlob(blob, (bytes) => {
      if (bytes instanceof Error) {
        // Its message and those behind it cannot go out in order: the connection ends (as ws's does).
        if (cb) process.nextTick(cb, bytes);
        if (this.ws.readyState !== OPEN) return;
        this.ws._emitError(bytes);
        this.ws.terminate();
        return;
      }
      if (this.glue === null || !this.glue.connection.canSend) {
        // The connection went away (or was terminated) while the Blob was read (ws's words for it).
        this.unsentBytes += bytes.length;
        if (cb) process.nextTick(cb, new Error('The socket was closed while the blob was being read'));
        return;
      }
      // A close() made after this send waits behind it (closeInTurn), so the frame still goes out although
      // readyState is CLOSING (SendOrder.sendingHeldBlob).
      try {
        send(bytes);
      } catch (error) {
        if (cb) process.nextTick(cb, error as Error);
      }
    });
  }

  /** A send past the backpressure limit: the callback learns it, and with the 'close' policy the peer does too. */
  private refuse(cb: SendCallback | undefined, limit: number): void {
    const error = Object.assign(new Error(`Backpressure limit exceeded (${limit} bytes waiting)`), {
      code: ErrorCode.BACKPRESSURE,
    });
    if (cb) process.nextTick(cb, error);
    publishBackpressure(this.ws, limit, this.refuseOnBackpressure ? 'refuse' : 'close');
    if (!this.refuseOnBackpressure) this.ws.close(1008, 'Backpressure limit exceeded');
  }

  private sendAfterClose(length: number, cb: SendCallback | undefined): void {
    // ws counts the bytes as buffered and reports the failure only to a callback.
    this.unsentBytes += length;
    if (cb) {
      const state = this.ws.readyState;
      process.nextTick(cb, new Error(`WebSocket is not open: readyState ${state} (${READY_STATE_NAMES[state]})`));
    }
  }
}

/**
 * close()'s reason as ws reads it: none without a code (RFC 6455 section 5.5.1: a reason only follows a
 * code; ws then sends an empty close frame whatever the reason), a string as it is, the bytes of any
 * Uint8Array (a Buffer or not) as UTF-8, nothing for a value without a length (a number, an empty array);
 * another value with a length is ws's TypeError.
 */
export function closeReasonText(code: number | undefined, reason: unknown): string {
  if (code === undefined || reason === undefined || reason === null) return '';
  if (typeof reason === 'string') return reason;
  if (reason instanceof Uint8Array) return Buffer.from(reason.buffer, reason.byteOffset, reason.byteLength).toString();
  if (!(reason as { length?: unknown }).length) return '';
  throw new TypeError('Second argument must be a string or a Uint8Array');
}
