// The socket glue of a Node WebSocket: the one object per connection that stands between its transport
// (a net or tls socket, or an HTTP/2 stream) and the sans-IO Connection, whose handler it is.
//
// - Reading: each 'data' chunk goes into the connection inside a write batch (write-batch.ts): the small
//   frames a handler writes while the chunk's messages are delivered are built side by side in one
//   buffer and leave as one write; anything else written meanwhile corks the socket, so that all of it
//   leaves in one writev.
// - Writing: the connection's frames go to the socket. Past the socket's high-water mark automatic pongs
//   are held until 'drain' (Connection.holdPongs). Reading never stops for what waits to be written: the
//   application's sends have send()'s result, 'drain' and maxBackpressure, and what the library writes
//   by itself is bounded here. (Stopping reading instead deadlocks two endpoints that both have much to
//   write.)
// - Ending: the socket is ended once our close frame is written (RFC 6455 section 7.1.1), and dropped when
//   the peer has not finished within closeTimeout; the heartbeat drops a peer that stopped answering.
//
// What changes the WebSocket's state (a message, the peer's close frame, a protocol error, the socket's
// end, error and close) is reported to the WebSocket, which alone keeps its readyState.

import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { ProtocolError } from '../codec/errors.js';
import { Connection, type ConnectionHandler, DEFAULT_MAX_PAYLOAD } from '../protocol/connection.js';
import * as DEFAULTS from '../protocol/defaults.js';
import type { DeflateSettings } from '../protocol/deflate-codec.js';
import { FRAME_IN_ROOM, type FrameRoom } from '../protocol/frame-writer.js';
import type { RandomSource } from '../protocol/random.js';
import { pingObserved, pongObserved, publishError, publishPing, publishPong } from './diagnostics.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import { MessageStreamReceiver } from './message-stream.js';
import { allocateBuffer, copyToBuffer, nodeRandom } from './platform.js';
import { endTick, GatheredFrames } from './publish-batch.js';
import type { WebSocket } from './websocket.js';
import type { SendCallback } from './websocket-types.js';
import {
  batchedBytes,
  batchSlab,
  beginBatch,
  dropBatch,
  endBatch,
  flushBatch,
  holdWrites,
  isBatching,
  reserveRoom,
  takeReserved,
} from './write-batch.js';

/** ws's default: how long to wait for the peer's close frame (and TCP close) after ours. */
export const DEFAULT_CLOSE_TIMEOUT_MS = DEFAULTS.DEFAULT_CLOSE_TIMEOUT_MS;

/** A WebSocket's readyState while it is open (WebSocket.OPEN). */
const OPEN = 1;

/** Options that shape a connection, from the server or the client constructor (ws's names). */
export interface ConnectionSettings {
  maxPayload?: number | undefined;
  maxFragments?: number | undefined;
  skipUTF8Validation?: boolean | undefined;
  autoPong?: boolean | undefined;
  allowSynchronousEvents?: boolean | undefined;
  closeTimeout?: number | undefined;
  /** Ping every intervalMs, terminate when no pong comes within timeoutMs (off by default). */
  heartbeat?: HeartbeatOptions | undefined;
  /**
   * The most bytes that may wait to be written before a send is refused or the connection closed
   * (backpressurePolicy); 0 (the default, as ws) for no limit.
   */
  maxBackpressure?: number | undefined;
  /** 'close' (default): close with 1008 and fail the send; 'refuse': fail the send, keep the connection. */
  backpressurePolicy?: 'close' | 'refuse' | undefined;
  /**
   * Emit every data message as 'message-stream' (stream: Readable, isBinary) as its bytes arrive,
   * instead of 'message' once whole (message-stream.ts). maxPayload limits each streamed message.
   */
  streamMessages?: boolean | undefined;
  /**
   * ws's client option: fills the 4-byte Buffer it is given with a masking key. For tests and
   * benchmarks that want known keys (a zero key leaves payloads readable on the wire); the default draws
   * keys from crypto.randomFillSync, as RFC 6455 section 5.3 requires.
   */
  generateMask?: ((mask: Buffer) => void) | undefined;
}

/** The transport a WebSocket takes over, and how its connection runs. */
export interface GlueSetup {
  role: 'server' | 'client';
  /** What arrived after the HTTP head (HTTP/1.1), read as if it came first on the socket. */
  head: Buffer;
  deflate: DeflateSettings | undefined;
  /**
   * How to drop the transport abruptly when destroy() is not the right way: an HTTP/2 stream is reset
   * with CANCEL (RFC 8441 section 6), where destroy() would send NO_ERROR. Null: destroy the socket.
   */
  abortTransport: (() => void) | null;
  /**
   * How to close the transport once the closing handshake is done, beyond ending our side: an HTTP/2
   * server stream is reset with NO_ERROR after our END_STREAM (http2-stream.ts). Null: end only.
   */
  closeTransport: (() => void) | null;
}

export class SocketGlue implements ConnectionHandler, FrameRoom {
  readonly socket: Duplex;
  readonly connection: Connection;
  private readonly ws: WebSocket;
  private readonly abortTransport: (() => void) | null;
  private readonly closeTransport: (() => void) | null;
  private readonly closeTimeoutMs: number;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Set when the socket should end as soon as frames waiting on compression are written. */
  private endWhenFlushed = false;
  /** Set once the socket closed and the connection was asked to finish what it had received. */
  private closeSettled = false;
  /** True while the socket is past its high-water mark and automatic pongs are held until 'drain'. */
  private pongsHeld = false;
  /** send() returned false for bytes waiting for compression alone: 'drain' is due once they are written. */
  private drainOwed = false;
  /** True from gatherPublished until what it gathered is written (flushGathered). */
  private gathering = false;
  /** Frames written while gathering, to write in one call (made on the first publish to this socket). */
  private gathered: GatheredFrames | null = null;
  /** True while this glue is in the list flushed at the tick's end. */
  private listed = false;
  /** Bytes received from the peer, and bytes handed to the socket, so far: the heartbeat's sign of progress. */
  private bytesReceived = 0;
  private bytesWritten = 0;
  private readonly heartbeat: Heartbeat | null;
  /** With streamMessages: turns message parts into 'message-stream' Readables. */
  private readonly messageStreams: MessageStreamReceiver | null;

  constructor(ws: WebSocket, socket: Duplex, settings: ConnectionSettings, setup: GlueSetup) {
    this.ws = ws;
    this.socket = socket;
    this.abortTransport = setup.abortTransport;
    this.closeTransport = setup.closeTransport;
    // The settings were checked when the server or client was built (options-check.ts).
    this.closeTimeoutMs = settings.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.messageStreams = settings.streamMessages === true ? new MessageStreamReceiver(ws) : null;
    this.connection = new Connection(
      {
        role: setup.role,
        maxPayload: settings.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        maxFragments: settings.maxFragments ?? 0,
        validateUtf8: !settings.skipUTF8Validation,
        autoPong: settings.autoPong ?? true,
        random: settings.generateMask == null ? nodeRandom : randomFromGenerateMask(settings.generateMask),
        allocate: allocateBuffer,
        // Frames built while this socket's chunk is read go into the write batch where they fit.
        frameRoom: this,
        copyBytes: copyToBuffer,
        deflate: setup.deflate,
        streamMessages: settings.streamMessages === true,
      },
      this,
    );
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    // Bytes that came with the HTTP head are read like any others, after this call returns: the caller
    // emits 'open' (or 'connection') first, so no message event comes before it.
    if (setup.head.length > 0) socket.unshift(setup.head);
    // Listeners shared by every connection find theirs through the socket: no closures per connection.
    (socket as GluedSocket)[kGlue] = this;
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('close', socketOnClose);
    socket.on('error', socketOnError);
    socket.on('drain', socketOnDrain);
    const heartbeat = settings.heartbeat;
    this.heartbeat =
      heartbeat === undefined
        ? null
        : new Heartbeat(
            heartbeat,
            () => {
              if (ws.readyState === OPEN) ws.ping();
            },
            () => ws.terminate(),
            () => ({ received: this.bytesReceived, written: this.bytesWritten, waiting: socket.writableLength }),
          );
  }

  /**
   * Bytes in line before a frame written now: in the socket, and waiting for compression (or behind it).
   * With permessage-deflate a message reaches the socket only after zlib, so the socket alone would show
   * nothing yet.
   */
  get aheadBytes(): number {
    return (
      this.socket.writableLength + (this.gathered?.bytes ?? 0) + batchedBytes(this.socket) + this.connection.queuedBytes
    );
  }

  /**
   * What send() returns: true while what waits in the socket (and in the write batch), with what waits
   * for compression, stays below the socket's high-water mark. False promises a 'drain': past the mark
   * the batch goes through the socket's buffer (corked), so that the socket finds itself past its mark
   * too and emits 'drain' once it is written, even when the write then completes at once. Past it only
   * with bytes waiting for zlib (whose output may never fill the socket), the 'drain' is owed: emitted
   * once they have all been written (payOwedDrain), unless the socket's own comes first.
   */
  get belowHighWaterMark(): boolean {
    const socket = this.socket;
    const inSocket = socket.writableLength + batchedBytes(socket);
    if (inSocket + this.connection.queuedBytes < socket.writableHighWaterMark) return true;
    if (inSocket < socket.writableHighWaterMark) {
      this.drainOwed = true;
      return false;
    }
    if (isBatching(socket)) holdWrites();
    return false;
  }

  /** Ends our side of the TCP connection once every queued frame (the close frame last) is written. */
  endWhenWritten(): void {
    this.flushGathered();
    if (this.connection.sendPending) this.endWhenFlushed = true;
    else this.endSocket();
  }

  /** Ends our side of the TCP connection after what is written (what was gathered and the write batch included). */
  private endSocket(): void {
    this.flushGathered();
    if (isBatching(this.socket)) flushBatch();
    this.socket.end();
  }

  /** Gives the peer closeTimeout to finish the closing handshake, then drops the transport. */
  startCloseTimer(): void {
    if (this.closeTimer !== null) return;
    this.closeTimer = setTimeout(() => this.abort(), this.closeTimeoutMs);
    this.closeTimer.unref?.();
  }

  /**
   * Called before a published (or broadcast) frame is written: until the end of this tick, frames written
   * without a callback are gathered (publish-batch.ts) and leave in one write, one system call for a
   * burst of publishes rather than one each. Anything else that writes, ends or measures the socket
   * writes what was gathered first (flushGathered), so it sees the socket as it would have been.
   */
  gatherPublished(): void {
    if (this.gathering) return;
    this.gathering = true;
    this.gathered ??= new GatheredFrames();
    if (this.listed) return;
    this.listed = true;
    if (gatheringGlues.push(this) === 1) process.nextTick(flushGatheredGlues);
  }

  /** Writes what was gathered now, and stops gathering until the next publish. */
  flushGathered(): void {
    if (!this.gathering) return;
    this.gathering = false;
    const gathered = this.gathered as GatheredFrames;
    const bytes = gathered.bytes;
    if (bytes === 0) return;
    const runs = gathered.take();
    const socket = this.socket;
    // Runs point into a slab shared with other sockets: one that waits here (the peer is not reading)
    // keeps a copy of its bytes instead, so that a slow subscriber holds what it is owed, not slabs.
    const backedUp = socket.writableLength > 0;
    if (!Array.isArray(runs)) {
      socket.write(backedUp ? Buffer.from(runs) : runs);
    } else {
      socket.cork();
      for (const run of runs) socket.write(backedUp ? Buffer.from(run) : run);
      socket.uncork();
    }
    this.bytesWritten += bytes;
    this.holdPongsPastHighWaterMark();
  }

  /** The tick's end: every socket that gathered writes its frames. */
  static flushTick(glues: SocketGlue[]): void {
    let i = 0;
    try {
      // By index: a flush publishes nothing, but should one ever gather again, it is written here too.
      for (; i < glues.length; i++) {
        glues[i].listed = false;
        glues[i].flushGathered();
      }
    } finally {
      if (i < glues.length) {
        // A write threw: the sockets after it still gather, and are written in a tick of their own.
        glues.splice(0, i + 1);
        process.nextTick(flushGatheredGlues);
      } else {
        glues.length = 0;
        endTick();
      }
    }
  }

  /**
   * Gathers a frame written while gathering; false when it must go out now: gathering never takes the
   * socket to its high-water mark (so what a write returns, 'drain' and held pongs stay as they were),
   * nor holds a frame too large to gather, nor one written after the socket is to end.
   */
  private gather(chunks: Uint8Array[]): boolean {
    if (this.endWhenFlushed) return false;
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    const socket = this.socket;
    const gathered = this.gathered as GatheredFrames;
    if (socket.writableLength + gathered.bytes + bytes >= socket.writableHighWaterMark) return false;
    return gathered.add(chunks, bytes);
  }

  /** Drops the transport without a closing handshake (after writing what was published to it, as before). */
  abort(): void {
    this.flushGathered();
    dropBatch(this.socket);
    if (this.abortTransport !== null) this.abortTransport();
    else this.socket.destroy();
  }

  // FrameRoom: room in the write batch for the connection's frames (write-batch.ts).

  reserve(size: number): number {
    return reserveRoom(this.socket, size);
  }

  get bytes(): Uint8Array {
    return batchSlab();
  }

  // ConnectionHandler: what the connection asks of its transport and reports.

  write(chunks: Uint8Array[], done?: unknown): void {
    const socket = this.socket;
    // Published frames are gathered for the tick's end, except while a chunk is read: then they join the
    // write batch in call order (nothing was gathered before it: onData wrote that first).
    if (this.gathering && !isBatching(socket)) {
      if (done === undefined && this.gather(chunks)) return;
      this.flushGathered();
    }
    const cb = done as SendCallback | undefined;
    const last = chunks.length - 1;
    if (chunks === FRAME_IN_ROOM) {
      // Built in the write batch (reserve above), where it stays until the chunk is read.
      this.bytesWritten += takeReserved(socket, cb);
    } else if (isBatching(socket)) {
      // A frame of its own while a chunk is read: it goes behind the batch, and with it.
      holdWrites();
      flushBatch();
      for (let i = 0; i <= last; i++) {
        socket.write(chunks[i], i === last ? cb : undefined);
        this.bytesWritten += chunks[i].length;
      }
    } else if (last === 0) {
      socket.write(chunks[0], cb);
      this.bytesWritten += chunks[0].length;
    } else {
      socket.cork();
      for (let i = 0; i < last; i++) {
        socket.write(chunks[i]);
        this.bytesWritten += chunks[i].length;
      }
      socket.write(chunks[last], cb);
      this.bytesWritten += chunks[last].length;
      socket.uncork();
    }
    if (this.endWhenFlushed && !this.connection.sendPending) this.endSocket();
    this.holdPongsPastHighWaterMark();
    if (this.drainOwed && this.connection.queuedBytes === 0) this.payOwedDrain();
  }

  /**
   * Everything that waited for compression is written: the 'drain' send() promised goes out on the next
   * tick (after the write batch this may be part of), unless the socket is past its mark by then, when
   * the socket's own 'drain' is the one (onDrain).
   */
  private payOwedDrain(): void {
    this.drainOwed = false;
    process.nextTick(() => {
      if (!this.socket.writableNeedDrain && !this.socket.destroyed) this.ws.emit('drain');
    });
  }

  /** Past the high-water mark 'drain' is due: until then only the latest ping gets a pong. */
  private holdPongsPastHighWaterMark(): void {
    if (!this.pongsHeld && this.socket.writableNeedDrain) {
      this.pongsHeld = true;
      this.connection.holdPongs();
    }
  }

  discarded(done: unknown): void {
    // ws's words for the same case: a send still being compressed when the connection went away. Called
    // now, while readyState is CLOSING (as ws does); a callback that throws must not stop the close.
    if (typeof done !== 'function') return;
    try {
      (done as SendCallback)(new Error('The socket was closed while data was being compressed'));
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  message(data: Uint8Array, isBinary: boolean): void {
    this.ws._onMessage(data, isBinary);
  }

  messagePart(data: Uint8Array, isBinary: boolean, first: boolean, last: boolean): void {
    this.messageStreams?.part(data, isBinary, first, last);
  }

  // A ping's or pong's data is a view that may keep a whole socket read alive, so it gets a buffer of
  // its own, and only when someone will see it: a ping flood nobody listens to costs no copy here.
  ping(data: Uint8Array): void {
    if (this.ws.listenerCount('ping') === 0 && !pingObserved()) return;
    const payload = Buffer.from(data);
    publishPing(this.ws, payload);
    this.ws.emit('ping', payload);
  }

  pong(data: Uint8Array): void {
    this.heartbeat?.pong();
    if (this.ws.listenerCount('pong') === 0 && !pongObserved()) return;
    const payload = Buffer.from(data);
    publishPong(this.ws, payload);
    this.ws.emit('pong', payload);
  }

  closed(code: number, reason: string): void {
    this.ws._onCloseFrame(code, reason);
    // Our close frame (sent before, or the echo just written) is queued: end after it.
    this.endWhenWritten();
    this.startCloseTimer();
    // Close frames went both ways: the server closes the transport first (RFC 6455 section 7.1.1).
    this.closeTransport?.();
  }

  failed(error: ProtocolError): void {
    this.ws._onClosing();
    // The close frame with the error's code is written; keep draining input so the peer's close can
    // arrive, end our side, and give the peer closeTimeout to finish.
    this.endSocket();
    this.startCloseTimer();
    // The peer hears error.closeCode; locally the close code stays 1006 (no close frame is read after a
    // failure: RFC 6455 section 7.1.5, and what ws reports). The error carries the reason.
    publishError(this.ws, error);
    this.ws._emitError(error);
  }

  // The socket's events (through the shared listeners below).

  onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    const socket = this.socket;
    // What was published to this socket earlier in the tick goes first; the replies written while this
    // chunk's messages are delivered then leave together.
    this.flushGathered();
    const outer = beginBatch(socket);
    try {
      this.connection.receive(chunk);
    } finally {
      endBatch(outer);
    }
    this.holdPongsPastHighWaterMark();
  }

  /**
   * Delivers what was received while receiving was paused (WebSocket resume()), as onData delivers a
   * chunk: the replies written meanwhile leave together.
   */
  resumeReceiving(): void {
    const socket = this.socket;
    // What was published to this socket before the resume goes first.
    this.flushGathered();
    const outer = beginBatch(socket);
    try {
      this.connection.resumeReceiving();
    } finally {
      endBatch(outer);
    }
    this.holdPongsPastHighWaterMark();
  }

  onEnd(): void {
    this.ws._onClosing();
    this.endSocket();
  }

  onError(error: Error): void {
    // ws reports no 'error' for a dropped socket: 'close' follows with 1006. Diagnostics subscribers see it.
    publishError(this.ws, error);
    this.ws._onClosing();
    this.abort();
  }

  onDrain(): void {
    this.drainOwed = false;
    if (this.pongsHeld) {
      this.pongsHeld = false;
      this.connection.releasePongs();
    }
    this.ws.emit('drain');
  }

  onClose(): void {
    // A message still inflating (sent with the close frame, just before FIN) is delivered first, and the
    // peer's close frame queued behind it read, before 'close' is reported.
    if (!this.closeSettled) {
      this.closeSettled = true;
      this.connection.whenReceiveSettled(() => this.onClose());
      return;
    }
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.heartbeat?.stop();
    this.connection.terminate();
    this.messageStreams?.end(new Error('The connection closed before the message ended'));
    this.socket.removeListener('data', socketOnData);
    this.socket.removeListener('end', socketOnEnd);
    this.ws._onTransportClosed();
  }
}

/** The glues gathering published frames in this tick; written together once the tick's work is done. */
const gatheringGlues: SocketGlue[] = [];

function flushGatheredGlues(): void {
  SocketGlue.flushTick(gatheringGlues);
}

const kGlue = Symbol('wasmsocket socket glue');
type GluedSocket = Duplex & { [kGlue]?: SocketGlue };

function socketOnData(this: GluedSocket, chunk: Buffer): void {
  this[kGlue]?.onData(chunk);
}

function socketOnEnd(this: GluedSocket): void {
  this[kGlue]?.onEnd();
}

function socketOnClose(this: GluedSocket): void {
  this[kGlue]?.onClose();
}

function socketOnError(this: GluedSocket, error: Error): void {
  this[kGlue]?.onError(error);
}

function socketOnDrain(this: GluedSocket): void {
  this[kGlue]?.onDrain();
}

/** The masking-key source for a ws-style generateMask: each 4 bytes of the pool come from one call. */
function randomFromGenerateMask(generateMask: (mask: Buffer) => void): RandomSource {
  const mask = Buffer.alloc(4);
  return (target) => {
    for (let offset = 0; offset < target.length; offset += 4) {
      generateMask(mask);
      target.set(mask.subarray(0, Math.min(4, target.length - offset)), offset);
    }
  };
}
