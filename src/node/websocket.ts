// The Node WebSocket: ws's API over the sans-IO Connection and a net/tls socket.
//
// The socket glue lives here: 'data' goes into the connection with the socket corked, so every reply a
// handler writes while a chunk is delivered leaves in one writev; the closing handshake ends the socket
// (section 7.1.1) with a closeTimeout for peers that never answer; 'close' reports the peer's code, or
// 1006 when the connection dropped without one.

import { EventEmitter } from 'node:events';
import type { ClientRequest, ClientRequestArgs, IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { CloseCode } from '../codec/constants.js';
import type { ProtocolError } from '../codec/errors.js';
import { Connection, type ConnectionHandler, DEFAULT_MAX_PAYLOAD, encodeClosePayload } from '../protocol/connection.js';
import type { DeflateSettings } from '../protocol/deflate-codec.js';
import type { RandomSource } from '../protocol/random.js';
import type * as reconnectOptions from '../web/reconnect-options.js';
import type * as reconnector from '../web/reconnector.js';
import type * as client from './client-handshake.js';
import type * as deflate from './deflate-setup.js';
import type * as events from './event-target.js';
import {
  addEventListener,
  type CloseEvent,
  defineEventAttributes,
  type ErrorEvent,
  type EventListenerOptions,
  type MessageEvent,
  removeEventListener,
  type WebSocketEvent,
  type WebSocketEventListener,
  type WebSocketEventMap,
} from './event-target.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import type * as http2Client from './http2-client.js';
import type { Http2UpgradeResponse } from './http2-client.js';
import type * as http2Pool from './http2-session-pool.js';
import type { AnyListener, Listener } from './listener-types.js';
import type * as message from './message-data.js';
import { BINARY_TYPES, type BinaryType, type RawData, toMessageData } from './message-data.js';
import { MessageStreamReceiver, SendStreamGate, type SendStreamOptions } from './message-stream.js';
import { allocateBuffer, copyToBuffer, nodeRandom, toBuffer } from './platform.js';
import type * as prepared from './prepared.js';
import { PreparedMessage } from './prepared.js';
import type * as pubsub from './pubsub-adapter.js';
import type { PublishOptions } from './pubsub-adapter.js';
import type * as reconnecting from './reconnecting-websocket.js';
import type * as redis from './redis-adapter.js';
// This module itself, so that the namespace below can name its types (`type SendData = SendData` would
// name itself).
import type * as websocket from './websocket.js';
import type * as server from './websocket-server.js';
import type { WebSocketServer } from './websocket-server.js';

/** ws's default: how long to wait for the peer's close frame (and TCP close) after ours. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

const EMPTY_BUFFER = Buffer.alloc(0);

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

/**
 * The backpressure limit for published and broadcast messages when maxBackpressure is not set: a
 * subscriber that does not keep up is handled by the policy instead of buffering without bound.
 */
export const DEFAULT_PUBLISH_MAX_BACKPRESSURE = 16 * 1024 * 1024;

/**
 * What send() takes, as ws does: text, bytes in any binary form (Buffer, ArrayBuffer, SharedArrayBuffer,
 * typed array, DataView, an array of byte values), a number (sent as its text), a Blob (read first, in
 * order) or a PreparedMessage. Anything else is a TypeError; a plain object must be serialized first.
 * RawData is listed so that echoing a received message (ws's README does) compiles as it does with ws.
 */
export type SendData =
  | string
  | number
  | ArrayBufferLike
  | ArrayBufferView
  | readonly number[]
  | Blob
  | PreparedMessage
  | RawData;

/** What publish() and broadcast() take: SendData but a Blob (these frame the message at once). */
export type PublishData = Exclude<SendData, Blob>;

/**
 * Learns whether a send (or ping, or pong) went out: no error (null) once written, else why not.
 * Declared as a method so that callbacks typed for ws, `(error?: Error) => void` or ping's
 * `(error: Error) => void`, are accepted as they are.
 */
export type SendCallback = { callback(error?: Error | null): void }['callback'];

/**
 * The events of a WebSocket and the arguments their listeners receive: ws's, and wasmsocket's own
 * 'drain' and 'message-stream'.
 */
export interface WebSocketEvents {
  open: [];
  message: [data: RawData, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
  /** The server's 101 response: an IncomingMessage (over HTTP/2, an Http2UpgradeResponse). */
  upgrade: [response: IncomingMessage | Http2UpgradeResponse];
  /** A redirect about to be followed (followRedirects): the new URL and the request for it. */
  redirect: [url: string, request: ClientRequest];
  /** A response other than 101; with a listener, the listener deals with it (ws's event). */
  'unexpected-response': [request: ClientRequest, response: IncomingMessage];
  /** What waited to be written has been: send() returned false before. */
  drain: [];
  /** With streamMessages: a data message as a Readable of its bytes, as they arrive. */
  'message-stream': [stream: Readable, isBinary: boolean];
}

export interface SendOptions {
  binary?: boolean | undefined;
  compress?: boolean | undefined;
  fin?: boolean | undefined;
  mask?: boolean | undefined;
}

type State = 0 | 1 | 2 | 3;

/** Hooks the client handshake module installs (kept apart so this file has no HTTP client code). */
export type ClientStarter = (
  websocket: WebSocket,
  address: string | URL,
  protocols: string | string[] | undefined,
  options: client.ClientOptions | ClientRequestArgs,
) => void;

let startClient: ClientStarter | null = null;

/** Called once by client-handshake.ts to provide the client side of the constructor. */
export function installClientStarter(starter: ClientStarter): void {
  startClient = starter;
}

// The interface of the same name below declares signatures of inherited EventEmitter methods only.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: it adds no member without an implementation
export class WebSocket extends EventEmitter {
  // ws's statics, and every other value of the package entry, assigned in src/index.ts (declared here for
  // TypeScript users of WebSocket.Server, and of require('wasmsocket').RedisAdapter and the like).
  declare static WebSocket: typeof WebSocket;
  declare static WebSocketServer: typeof import('./websocket-server.js').WebSocketServer;
  declare static Server: typeof import('./websocket-server.js').WebSocketServer;
  declare static createWebSocketStream: typeof import('./stream.js').createWebSocketStream;
  declare static CloseEvent: typeof import('./event-target.js').CloseEvent;
  declare static ErrorEvent: typeof import('./event-target.js').ErrorEvent;
  declare static MessageEvent: typeof import('./event-target.js').MessageEvent;
  declare static isWebSocketStream: typeof import('./http2-server.js').isWebSocketStream;
  declare static Http2SessionPool: typeof import('./http2-session-pool.js').Http2SessionPool;
  declare static defaultHttp2SessionPool: typeof import('./http2-session-pool.js').defaultHttp2SessionPool;
  declare static PreparedMessage: typeof import('./prepared.js').PreparedMessage;
  declare static RedisAdapter: typeof import('./redis-adapter.js').RedisAdapter;
  declare static ReconnectingWebSocket: typeof import('./reconnecting-websocket.js').ReconnectingWebSocket;

  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  // The instance constants live on the prototype (below), not on every connection.
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  /** Internal state; ws users read it through the getters below. */
  _readyState: State = WebSocket.CONNECTING;
  _protocol = '';
  _extensions = '';
  _url = '';
  _isServer = true;
  _socket: Duplex | null = null;
  _connection: Connection | null = null;
  _closeTimeoutMs = DEFAULT_CLOSE_TIMEOUT_MS;
  /** The server that accepted this connection (for topics), null for a client. */
  _server: WebSocketServer | null = null;
  /** The peer's address, for the server's per-address connection count. */
  _remoteAddress = '';
  /** Set while a client handshake is in flight, so close() before open can abort it. */
  _abortHandshake: ((reason: string) => void) | null = null;
  /**
   * How to drop the transport abruptly when destroy() is not the right way: an HTTP/2 stream is reset
   * with CANCEL (RFC 8441 section 6), where destroy() would send NO_ERROR. Null: destroy the socket.
   */
  _abortTransport: (() => void) | null = null;

  private _binaryType: BinaryType = 'nodebuffer';
  private _closeCode: number = CloseCode.ABNORMAL_CLOSURE;
  private _closeReason: Buffer = EMPTY_BUFFER;
  private _closeTimer: NodeJS.Timeout | null = null;
  private _closeFrameReceived = false;
  private _errorEmitted = false;
  private _paused = false;
  private _allowSynchronousEvents = true;
  /** Set when the socket should end as soon as frames waiting on compression are written. */
  private _endWhenFlushed = false;
  _heartbeat: Heartbeat | null = null;
  /** Set once the socket closed and the connection was asked to finish what it had received. */
  private _closeSettled = false;
  private _maxBackpressure = 0;
  private _refuseOnBackpressure = false;
  /**
   * True while the socket's buffer is past its high-water mark and automatic pongs are held until
   * 'drain' (Connection.holdPongs). Reading never stops for what waits to be written: the application's
   * sends have send()'s result, 'drain' and maxBackpressure; what the library writes by itself is bounded
   * here. (Stopping reading instead deadlocks two endpoints that both have much to write.)
   */
  private _pongsHeld = false;
  /** Bytes received from the peer, and bytes handed to the socket, so far: the heartbeat's sign of progress. */
  private _bytesReceived = 0;
  private _bytesWritten = 0;
  private _bufferedWhileNotOpen = 0;
  /** Bytes of Blobs being read before they are sent, and how many Blobs. */
  private _blobBytesPending = 0;
  /** Bytes of sends (and published messages) waiting behind a streamed message or a Blob. */
  private _deferredBytes = 0;
  private _blobsPending = 0;
  /** True while a Blob read before close() is sent (it may go out although readyState is CLOSING). */
  private _sendingHeldBlob = false;
  /** With streamMessages: turns message parts into 'message-stream' Readables. */
  _messageStreams: MessageStreamReceiver | null = null;
  /** Created by the first sendStream: holds other sends while a streamed message is going out. */
  private _sendGate: SendStreamGate | null = null;

  /** A server's connection, before the server hands it the socket (ws's form; the options are ignored). */
  constructor(address: null, protocols?: undefined, options?: object);
  /** A client: connects to `address` (ws:, wss:, http:, https: or ws+unix:). */
  constructor(address: string | URL, options?: client.ClientOptions | ClientRequestArgs);
  constructor(address: string | URL, protocols?: string | string[], options?: client.ClientOptions | ClientRequestArgs);
  constructor(
    address: string | URL | null,
    protocols?: string | string[] | client.ClientOptions | ClientRequestArgs,
    options?: object,
  ) {
    super();
    if (address === null) return;
    this._isServer = false;
    if (startClient === null) throw new Error('wasmsocket: the client is not available in this build');
    if (protocols !== undefined && !Array.isArray(protocols) && typeof protocols === 'object' && protocols !== null) {
      options = protocols;
      protocols = undefined;
    }
    startClient(this, address, protocols as string | string[] | undefined, options ?? {});
  }

  // The browser-style face (event-target.ts), defined on the prototype below.
  declare addEventListener: <K extends keyof WebSocketEventMap>(
    type: K,
    listener: WebSocketEventListener<K>,
    options?: EventListenerOptions,
  ) => void;
  declare removeEventListener: <K extends keyof WebSocketEventMap>(
    type: K,
    listener: WebSocketEventListener<K>,
  ) => void;
  declare onopen: ((event: WebSocketEvent) => void) | null;
  declare onmessage: ((event: MessageEvent) => void) | null;
  declare onclose: ((event: CloseEvent) => void) | null;
  declare onerror: ((event: ErrorEvent) => void) | null;

  /** True when close frames went both ways: CloseEvent.wasClean. */
  get _wasClean(): boolean {
    const connection = this._connection;
    return this._closeFrameReceived && connection !== null && connection.readyState === 3;
  }

  get readyState(): State {
    return this._readyState;
  }

  get protocol(): string {
    return this._protocol;
  }

  get extensions(): string {
    return this._extensions;
  }

  get url(): string {
    return this._url;
  }

  get isPaused(): boolean {
    return this._paused;
  }

  /**
   * Bytes queued to send and not yet handed to the operating system (waitingBytes), and, as ws counts
   * them, bytes sent while the connection was not open.
   */
  get bufferedAmount(): number {
    return this._bufferedWhileNotOpen + this.waitingBytes();
  }

  /**
   * Bytes held in memory until they can be sent: those a send made now goes behind (aheadBytes), Blobs
   * being read, and sends waiting behind a streamed message or a Blob. What maxBackpressure and the
   * publish cap compare with their limit when a send has to wait.
   */
  private waitingBytes(): number {
    return this.aheadBytes() + this._blobBytesPending + this._deferredBytes;
  }

  /**
   * Bytes in line before a frame written now: in the socket, and waiting for compression (or behind it).
   * With permessage-deflate a message reaches the socket only after zlib, so the socket alone would show
   * nothing yet. What maxBackpressure and the publish cap compare with their limit for a send that goes
   * out now (what waits behind a streamed message cannot go before its fragments).
   */
  private aheadBytes(): number {
    const socket = this._socket;
    if (socket === null) return 0;
    return socket.writableLength + (this._connection?.queuedBytes ?? 0);
  }

  get binaryType(): BinaryType {
    return this._binaryType;
  }

  set binaryType(type: BinaryType) {
    if (BINARY_TYPES.includes(type)) this._binaryType = type;
  }

  /**
   * Takes over an upgraded socket: used by the server after the 101 response and by the client after
   * checking it. `head` is what arrived after the HTTP head.
   */
  setSocket(socket: Duplex, head: Buffer, settings: ConnectionSettings, deflate?: DeflateSettings): void {
    this._socket = socket;
    this._closeTimeoutMs = settings.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this._allowSynchronousEvents = settings.allowSynchronousEvents ?? true;
    this._maxBackpressure = settings.maxBackpressure ?? 0;
    this._refuseOnBackpressure = settings.backpressurePolicy === 'refuse';
    // The settings were checked when the server or client was built (options-check.ts).
    const heartbeat = settings.heartbeat;
    if (settings.streamMessages === true) this._messageStreams = new MessageStreamReceiver(this);
    this._connection = new Connection(
      {
        role: this._isServer ? 'server' : 'client',
        maxPayload: settings.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        maxFragments: settings.maxFragments ?? 0,
        validateUtf8: !settings.skipUTF8Validation,
        autoPong: settings.autoPong ?? true,
        random: settings.generateMask == null ? nodeRandom : randomFromGenerateMask(settings.generateMask),
        allocate: allocateBuffer,
        copyBytes: copyToBuffer,
        deflate,
        streamMessages: settings.streamMessages === true,
      },
      new SocketHandler(this),
    );
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    // Bytes that came with the HTTP head are read like any others, after this call returns: the caller
    // emits 'open' (or 'connection') first, so no message event comes before it.
    if (head.length > 0) socket.unshift(head);
    // Listeners shared by every connection find theirs through the socket: no closures per connection.
    (socket as OwnedSocket)[kWebSocket] = this;
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('close', socketOnClose);
    socket.on('error', socketOnError);
    socket.on('drain', socketOnDrain);
    this._readyState = WebSocket.OPEN;
    if (heartbeat !== undefined) {
      this._heartbeat = new Heartbeat(
        heartbeat,
        () => {
          if (this._readyState === WebSocket.OPEN) this.ping();
        },
        () => this.terminate(),
        () => ({ received: this._bytesReceived, written: this._bytesWritten, waiting: socket.writableLength }),
      );
    }
  }

  /**
   * Sends a message (or a fragment of one, with fin: false), with ws's signature and behaviour. Returns
   * true while what waits to be written stays below the socket's high-water mark: on false, wait for
   * 'drain'. Past maxBackpressure the send fails (its callback gets the error; nothing is dropped silently).
   */
  send(data?: SendData | null, cb?: SendCallback): boolean;
  send(data: SendData | null | undefined, options: SendOptions, cb?: SendCallback): boolean;
  send(data?: unknown, options?: SendOptions | SendCallback, cb?: SendCallback): boolean {
    if (typeof options === 'function') {
      cb = options;
      options = {};
    }
    if (this._readyState === WebSocket.CONNECTING) {
      throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    }
    if (data instanceof Blob) {
      if (this._maxBackpressure > 0 && this.waitingBytes() + data.size > this._maxBackpressure) {
        this.refuseSend(cb, this._maxBackpressure);
        return false;
      }
      return this.sendBlob(data, options, cb);
    }
    // As ws: a number is sent as its text, and no data (undefined, null) as an empty binary message.
    if (typeof data === 'number') data = String(data);
    const prepared = data instanceof PreparedMessage ? data : null;
    // Converted before any waiting, so that data of the wrong type throws here, to the caller.
    const bytes =
      prepared !== null ? prepared.data : data === undefined || data === null ? EMPTY_BUFFER : toBuffer(data);
    if (this._sendGate?.mustWait) {
      // A streamed message or a Blob is going out first: this one follows it, whole and in order. It
      // counts as waiting meanwhile, so that maxBackpressure holds for what piles up behind them.
      if (this._maxBackpressure > 0 && this.waitingBytes() + bytes.length > this._maxBackpressure) {
        this.refuseSend(cb, this._maxBackpressure);
        return false;
      }
      const binary = (options as SendOptions | undefined)?.binary ?? typeof data !== 'string';
      const payload = prepared ?? bytes;
      const size = bytes.length;
      this._deferredBytes += size;
      this._sendGate.defer(() => {
        this._deferredBytes -= size;
        this.send(payload, { ...options, binary }, cb);
      });
      return true;
    }
    const connection = this._connection;
    const open = this._readyState === WebSocket.OPEN || this._sendingHeldBlob;
    if (!open || connection === null || !connection.canSend) {
      this.sendAfterClose(bytes.length, cb);
      return false;
    }
    const socket = this._socket as Duplex;
    if (this._maxBackpressure > 0 && this.aheadBytes() + bytes.length > this._maxBackpressure) {
      this.refuseSend(cb, this._maxBackpressure);
      return false;
    }
    const { binary = typeof data !== 'string', fin = true, mask, compress = true } = options ?? {};
    if (prepared !== null && this._isServer && fin && !mask) {
      connection.sendPrepared(prepared, options?.compress ?? prepared.compressedFrame !== null, cb);
    } else {
      connection.send(bytes, prepared?.isBinary ?? binary, fin, mask ?? !this._isServer, compress, cb);
    }
    return socket.writableLength < socket.writableHighWaterMark;
  }

  /**
   * A Blob is read first (asynchronously), and the sends made meanwhile wait behind it, so messages keep
   * their order (ws 8.18's behaviour). Its bytes count in bufferedAmount while it is read.
   */
  private sendBlob(blob: Blob, options: SendOptions | undefined, cb: SendCallback | undefined): boolean {
    this.afterBlobRead(blob, cb, (bytes) => this.send(bytes, { binary: true, ...options }, cb));
    const socket = this._socket;
    return socket !== null && this.bufferedAmount < socket.writableHighWaterMark;
  }

  /**
   * Reads a Blob to send (a message, ping or pong), holding later sends and close() behind it, then
   * calls `send` with its bytes while the connection can still send. Otherwise, or when the read fails,
   * `cb` learns why. Nothing throws out of this asynchronous step: `cb` gets that error too.
   */
  private afterBlobRead(blob: Blob, cb: SendCallback | undefined, send: (bytes: Uint8Array) => void): void {
    const size = blob.size;
    this._sendGate ??= new SendStreamGate(this);
    this._blobBytesPending += size;
    this._blobsPending++;
    this._sendGate.hold(readBlob(blob), (bytes) => {
      this._blobBytesPending -= size;
      this._blobsPending--;
      if (bytes instanceof Error) {
        this.failBlobRead(bytes, cb);
        return;
      }
      const connection = this._connection;
      if (connection === null || !connection.canSend) {
        // The connection went away (or was terminated) while the Blob was read (ws's words for it).
        this._bufferedWhileNotOpen += bytes.length;
        if (cb) process.nextTick(cb, new Error('The socket was closed while the blob was being read'));
        return;
      }
      // A close() made after this send waits behind it (see close), so the frame still goes out although
      // readyState is CLOSING.
      this._sendingHeldBlob = true;
      try {
        send(bytes);
      } catch (error) {
        if (cb) process.nextTick(cb, error as Error);
      } finally {
        this._sendingHeldBlob = false;
      }
    });
  }

  /** A Blob that cannot be read: its message and those behind it cannot go out in order (ws ends too). */
  private failBlobRead(error: Error, cb: SendCallback | undefined): void {
    if (cb) process.nextTick(cb, error);
    if (this._readyState !== WebSocket.OPEN) return;
    this._emitError(error);
    this.terminate();
  }

  /**
   * Sends the chunks of a ReadableStream, async iterable or Node Readable as one fragmented message;
   * resolves once its last frame is written. Other sends made meanwhile wait and follow it in order.
   */
  sendStream(
    source: ReadableStream | AsyncIterable<unknown> | Iterable<unknown>,
    options?: SendStreamOptions,
  ): Promise<void> {
    if (this._readyState === WebSocket.CONNECTING) {
      return Promise.reject(new Error('WebSocket is not open: readyState 0 (CONNECTING)'));
    }
    this._sendGate ??= new SendStreamGate(this);
    return this._sendGate.send(source as never, options);
  }

  /** Sends a published or broadcast message, under maxBackpressure (or its publish default). */
  _sendPreparedForPublish(message: PreparedMessage, compress: boolean): void {
    const connection = this._connection;
    if (this._readyState !== WebSocket.OPEN || connection === null || !connection.canSend) return;
    const limit = this._maxBackpressure > 0 ? this._maxBackpressure : DEFAULT_PUBLISH_MAX_BACKPRESSURE;
    const size = message.data.length;
    const gate = this._sendGate;
    if (gate?.mustWait) {
      // Behind a streamed message or a Blob: counted with everything waiting, then sent in its turn.
      if (this.waitingBytes() + size > limit) {
        this.refuseSend(undefined, limit);
        return;
      }
      this._deferredBytes += size;
      gate.defer(() => {
        this._deferredBytes -= size;
        this._sendPreparedForPublish(message, compress);
      });
      return;
    }
    if (this.aheadBytes() + size > limit) {
      this.refuseSend(undefined, limit);
      return;
    }
    connection.sendPrepared(message, compress);
  }

  /**
   * Subscribes this (server-side) connection to a topic. Returns false, and registers nothing, when it
   * already was, when the connection is not open (closing or closed: the client may have left during an
   * await before this call), or when its server is closing. A topic that is not a string throws.
   */
  subscribe(topic: string): boolean {
    return this.topicServer().subscribe(this, topic);
  }

  unsubscribe(topic: string): boolean {
    return this.topicServer().unsubscribe(this, topic);
  }

  isSubscribed(topic: string): boolean {
    return this.topicServer().isSubscribed(this, topic);
  }

  /** The topics this connection is subscribed to. */
  get topics(): string[] {
    return this._server === null ? [] : this._server._topicRegistry.topics(this);
  }

  /** Publishes to every subscriber of `topic` but this connection (here and, with an adapter, elsewhere). */
  publish(topic: string, data: PublishData, options?: PublishOptions): number {
    return this.topicServerOf().publish(topic, data, options, this);
  }

  private topicServer() {
    return this.topicServerOf()._topicRegistry;
  }

  private topicServerOf(): WebSocketServer {
    if (this._server === null) throw new Error('Topics are for connections accepted by a WebSocketServer');
    return this._server;
  }

  /** A send past the backpressure limit: the callback learns it, and with the 'close' policy the peer does too. */
  private refuseSend(cb: SendCallback | undefined, limit: number): void {
    const error = Object.assign(new Error(`Backpressure limit exceeded (${limit} bytes waiting)`), {
      code: 'WS_ERR_BACKPRESSURE',
    });
    if (cb) process.nextTick(cb, error);
    if (!this._refuseOnBackpressure) this.close(1008, 'Backpressure limit exceeded');
  }

  /** Sends a ping (at most 125 bytes of data); the callback may come first, as in ws. */
  ping(cb?: SendCallback): void;
  ping(data?: SendData | null, mask?: boolean, cb?: SendCallback): void;
  ping(data: SendData | null | undefined, cb: SendCallback): void;
  ping(data?: unknown, mask?: boolean | SendCallback, cb?: SendCallback): void {
    this.sendControl('ping', data, mask, cb);
  }

  pong(cb?: SendCallback): void;
  pong(data?: SendData | null, mask?: boolean, cb?: SendCallback): void;
  pong(data: SendData | null | undefined, cb: SendCallback): void;
  pong(data?: unknown, mask?: boolean | SendCallback, cb?: SendCallback): void {
    this.sendControl('pong', data, mask, cb);
  }

  /** Starts the closing handshake (ws's semantics, including before the connection opens). */
  close(code?: number, reason?: string | Buffer | Uint8Array): void {
    if (this._readyState === WebSocket.CLOSED) return;
    if (this._readyState === WebSocket.CONNECTING) {
      this._abortHandshake?.('WebSocket was closed before the connection was established');
      return;
    }
    const connection = this._connection;
    if (this._readyState === WebSocket.CLOSING) {
      // No connection here means the opening failed (ws: close() from an 'error' listener is harmless).
      if (connection !== null && connection.readyState === 3) this.endSocket();
      return;
    }
    if (connection === null) return;
    // A bad code or reason throws here, whether or not we wait: the code first, as ws checks it first.
    encodeClosePayload(code, '');
    const reasonText = closeReasonText(code, reason);
    encodeClosePayload(code, reasonText);
    this._readyState = WebSocket.CLOSING;
    const sendClose = () => {
      if (this._readyState === WebSocket.CLOSED) return; // terminated or dropped while Blobs were read
      connection.close(code, reasonText);
      if (this._closeFrameReceived) this.endSocket();
      this.setCloseTimer();
    };
    // Blobs sent before close() are still being read: the close frame follows them, as in ws.
    if (this._blobsPending > 0 && this._sendGate !== null) this._sendGate.defer(sendClose);
    else sendClose();
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    if (this._readyState === WebSocket.CLOSED) return;
    if (this._readyState === WebSocket.CONNECTING) {
      this._abortHandshake?.('WebSocket was closed before the connection was established');
      return;
    }
    // Nothing more is written, but messages already received (one still inflating, say) are delivered
    // before 'close', as ws does: _onSocketClose waits for them, then finishes the connection.
    // CLOSING first: callbacks of sends abandoned behind compression run inside stopSending().
    this._readyState = WebSocket.CLOSING;
    this._connection?.stopSending();
    this.abortSocket();
  }

  /** Stops reading: no 'message' events until resume(). */
  pause(): void {
    if (this._readyState === WebSocket.CONNECTING || this._readyState === WebSocket.CLOSED) return;
    this._paused = true;
    this._connection?.pauseReceiving();
    this._socket?.pause();
  }

  resume(): void {
    if (this._readyState === WebSocket.CONNECTING || this._readyState === WebSocket.CLOSED) return;
    this._paused = false;
    this._connection?.resumeReceiving();
    if (!this._paused) this._socket?.resume();
  }

  /** Reports an error that ended the connection (once), as ws does. */
  _emitError(error: Error): void {
    if (this._errorEmitted) return;
    this._errorEmitted = true;
    this.emit('error', error);
  }

  /** Finishes a connection that never opened (a failed client handshake). */
  _emitClose(): void {
    this._readyState = WebSocket.CLOSED;
    // The server forgets the connection first, so 'close' listeners see it gone from wss.clients (as in ws).
    this._server?._untrack(this);
    this.emit('close', this._closeCode, this._closeReason);
  }

  private sendControl(
    kind: 'ping' | 'pong',
    data: unknown,
    mask: boolean | SendCallback | undefined,
    cb?: SendCallback,
  ) {
    if (typeof data === 'function') {
      cb = data as SendCallback;
      data = undefined;
      mask = undefined;
    } else if (typeof mask === 'function') {
      cb = mask;
      mask = undefined;
    }
    if (this._readyState === WebSocket.CONNECTING) {
      throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    }
    if (data instanceof Blob) {
      if (data.size > 125) throw new RangeError('The data size must not be greater than 125 bytes');
      const maskOption = mask;
      const callback = cb;
      this.afterBlobRead(data, callback, (bytes) => this.sendControl(kind, bytes, maskOption, callback));
      return;
    }
    if (typeof data === 'number') data = String(data);
    const bytes = data === undefined || data === null ? EMPTY_BUFFER : toBuffer(data);
    if (bytes.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    const connection = this._connection;
    const open = this._readyState === WebSocket.OPEN || this._sendingHeldBlob;
    if (!open || connection === null || !connection.canSend) {
      this.sendAfterClose(bytes.length, cb);
      return;
    }
    connection[kind](bytes, mask ?? !this._isServer, cb);
  }

  private sendAfterClose(length: number, cb: SendCallback | undefined): void {
    // ws counts the bytes as buffered and reports the failure only to a callback.
    this._bufferedWhileNotOpen += length;
    if (cb) {
      const state = this._readyState;
      const name = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'][state];
      process.nextTick(cb, new Error(`WebSocket is not open: readyState ${state} (${name})`));
    }
  }

  _writeChunks(chunks: Uint8Array[], cb: SendCallback | undefined): void {
    const socket = this._socket as Duplex;
    if (chunks.length === 1) {
      socket.write(chunks[0], cb);
      this._bytesWritten += chunks[0].length;
    } else {
      socket.cork();
      for (let i = 0; i < chunks.length - 1; i++) {
        socket.write(chunks[i]);
        this._bytesWritten += chunks[i].length;
      }
      socket.write(chunks[chunks.length - 1], cb);
      this._bytesWritten += chunks[chunks.length - 1].length;
      socket.uncork();
    }
    const connection = this._connection as Connection;
    if (this._endWhenFlushed && !connection.sendPending) socket.end();
    // Past the high-water mark 'drain' is due: until then only the latest ping gets a pong.
    if (!this._pongsHeld && socket.writableNeedDrain) {
      this._pongsHeld = true;
      connection.holdPongs();
    }
  }

  _onSocketDrain(): void {
    if (this._pongsHeld) {
      this._pongsHeld = false;
      this._connection?.releasePongs();
    }
    this.emit('drain');
  }

  /** Ends our side of the TCP connection once every queued frame (the close frame last) is written. */
  private endSocket(): void {
    if ((this._connection as Connection).sendPending) this._endWhenFlushed = true;
    else (this._socket as Duplex).end();
  }

  _onSocketData(chunk: Buffer): void {
    this._bytesReceived += chunk.length;
    const socket = this._socket as Duplex;
    // Replies written while this chunk's messages are delivered leave together.
    socket.cork();
    try {
      this._connection?.receive(chunk);
    } finally {
      socket.uncork();
    }
  }

  _onMessage(data: Uint8Array, isBinary: boolean): void {
    const buffer = asBuffer(data);
    this.emit('message', isBinary ? toMessageData(buffer, this._binaryType) : buffer, isBinary);
    if (!this._allowSynchronousEvents && !this._paused) {
      // ws's allowSynchronousEvents: false delivers one message per turn of the event loop.
      const connection = this._connection as Connection;
      connection.pauseReceiving();
      setImmediate(() => {
        if (!this._paused) connection.resumeReceiving();
      });
    }
  }

  _onCloseFrame(code: number, reason: string): void {
    this._closeFrameReceived = true;
    this._closeCode = code;
    this._closeReason = Buffer.from(reason);
    this._readyState = WebSocket.CLOSING;
    // Our close frame (sent before, or the echo just written) is queued: end after it.
    this.endSocket();
    this.setCloseTimer();
  }

  _onProtocolError(error: ProtocolError): void {
    this._readyState = WebSocket.CLOSING;
    // The peer hears error.closeCode; locally the close code stays 1006 (no close frame is read after a
    // failure: RFC 6455 section 7.1.5, and what ws reports). The error carries the reason.
    const socket = this._socket as Duplex;
    // The close frame with the error's code is written; keep draining input so the peer's close can
    // arrive, end our side, and give the peer closeTimeout to finish.
    socket.end();
    this.setCloseTimer();
    this._emitError(error);
  }

  _onSocketEnd(): void {
    this._readyState = WebSocket.CLOSING;
    (this._socket as Duplex).end();
  }

  _onSocketError(): void {
    // ws reports no 'error' for a dropped socket: 'close' follows with 1006.
    this._readyState = WebSocket.CLOSING;
    this.abortSocket();
  }

  _onSocketClose(): void {
    // A message still inflating (sent with the close frame, just before FIN) is delivered first, and the
    // peer's close frame queued behind it read, before 'close' is reported.
    const connection = this._connection;
    if (connection !== null && !this._closeSettled) {
      this._closeSettled = true;
      connection.whenReceiveSettled(() => this._onSocketClose());
      return;
    }
    if (this._closeTimer !== null) clearTimeout(this._closeTimer);
    this._closeTimer = null;
    this._heartbeat?.stop();
    this._connection?.terminate();
    this._messageStreams?.end(new Error('The connection closed before the message ended'));
    const socket = this._socket as Duplex;
    socket.removeListener('data', socketOnData);
    socket.removeListener('end', socketOnEnd);
    this._emitClose();
  }

  private setCloseTimer(): void {
    if (this._closeTimer !== null) return;
    this._closeTimer = setTimeout(() => this.abortSocket(), this._closeTimeoutMs);
    this._closeTimer.unref?.();
  }

  /** Drops the transport without a closing handshake (see _abortTransport). */
  private abortSocket(): void {
    if (this._abortTransport !== null) this._abortTransport();
    else this._socket?.destroy();
  }
}

// Per-event signatures of EventEmitter's listener methods (types only: the methods are EventEmitter's).
// An event outside WebSocketEvents, or a listener typed otherwise (`(data: Buffer) => …` for 'message'),
// falls through to the untyped signature, as with ws's types.
export interface WebSocket {
  on<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  on(event: string | symbol, listener: AnyListener<this>): this;
  once<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  once(event: string | symbol, listener: AnyListener<this>): this;
  off<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  off(event: string | symbol, listener: AnyListener<this>): this;
  addListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  addListener(event: string | symbol, listener: AnyListener<this>): this;
  removeListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  removeListener(event: string | symbol, listener: AnyListener<this>): this;
  prependListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  prependListener(event: string | symbol, listener: AnyListener<this>): this;
  prependOnceListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  prependOnceListener(event: string | symbol, listener: AnyListener<this>): this;
}

// ws's type names in their WebSocket.X form (`WebSocket.RawData`, `WebSocket.Server`, ...), for code that
// imports only the class (`import WebSocket = require('wasmsocket')`), then every other type name the
// package entry exports, which the CommonJS face (src/index.d.cts, `export = WebSocket`) offers through
// this namespace. Types only: the values (WebSocket.Server, WebSocket.createWebSocketStream, ...) are the
// statics above.
export declare namespace WebSocket {
  type RawData = message.RawData;
  type Data = message.Data;
  type CertMeta = client.CertMeta;
  type ClientOptions = client.ClientOptions;
  type FinishRequestCallback = client.FinishRequestCallback;
  type PerMessageDeflateOptions = deflate.PerMessageDeflateOptions;
  type ServerOptions<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServerOptions<T, U>;
  type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> =
    server.VerifyClientCallbackSync<Request>;
  type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> =
    server.VerifyClientCallbackAsync<Request>;
  type AddressInfo = server.AddressInfo;
  type Event = events.Event;
  type ErrorEvent = events.ErrorEvent;
  type CloseEvent = events.CloseEvent;
  type MessageEvent = events.MessageEvent;
  type WebSocketEventMap = events.WebSocketEventMap;
  type EventListenerOptions = events.EventListenerOptions;
  type Server<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServer<T, U>;
  type WebSocketServer<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServer<T, U>;
  /** The class itself (`WebSocket.WebSocket`), as an instance type. */
  type WebSocket = InstanceType<typeof WebSocket>;

  // wasmsocket's own.
  type BinaryType = message.BinaryType;
  type SendData = websocket.SendData;
  type PublishData = websocket.PublishData;
  type SendCallback = websocket.SendCallback;
  type SendOptions = websocket.SendOptions;
  type WebSocketEvents = websocket.WebSocketEvents;
  type WebSocketServerOptions<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServerOptions<T, U>;
  type WebSocketServerEvents<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServerEvents<T, U>;
  type VerifyClientInfo<Request extends IncomingMessage = IncomingMessage> = server.VerifyClientInfo<Request>;
  type VerifyClientCallback = server.VerifyClientCallback;
  type Http2UpgradeResponse = http2Client.Http2UpgradeResponse;
  type Http2SessionPool = http2Pool.Http2SessionPool;
  type Http2SessionPoolOptions = http2Pool.Http2SessionPoolOptions;
  type PreparedMessage = prepared.PreparedMessage;
  type PrepareOptions = prepared.PrepareOptions;
  type PublishOptions = pubsub.PublishOptions;
  type PubSubAdapter = pubsub.PubSubAdapter;
  type RemoteMessage = pubsub.RemoteMessage;
  type RedisAdapter = redis.RedisAdapter;
  type RedisAdapterOptions = redis.RedisAdapterOptions;
  type ReconnectingWebSocket = reconnecting.ReconnectingWebSocket;
  type ReconnectingWebSocketEvents = reconnecting.ReconnectingWebSocketEvents;
  type ReconnectingWebSocketOptions = reconnecting.ReconnectingWebSocketOptions;
  type ReconnectOptions = reconnectOptions.ReconnectOptions;
  type ReconnectCloseEvent = reconnectOptions.ReconnectCloseEvent;
  type ReconnectTimers = reconnectOptions.ReconnectTimers;
  type ReconnectingDetails = reconnector.ReconnectingDetails;
}

/** What the Connection reports, passed on to its WebSocket (one small object, no closures). */
class SocketHandler implements ConnectionHandler {
  private readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  write(chunks: Uint8Array[], done?: unknown): void {
    this.ws._writeChunks(chunks, done as SendCallback | undefined);
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
    this.ws._messageStreams?.part(data, isBinary, first, last);
  }

  ping(data: Uint8Array): void {
    this.ws.emit('ping', asBuffer(data));
  }

  pong(data: Uint8Array): void {
    this.ws._heartbeat?.pong();
    this.ws.emit('pong', asBuffer(data));
  }

  closed(code: number, reason: string): void {
    this.ws._onCloseFrame(code, reason);
  }

  failed(error: ProtocolError): void {
    this.ws._onProtocolError(error);
  }
}

const kWebSocket = Symbol('wasmsocket websocket');
type OwnedSocket = Duplex & { [kWebSocket]?: WebSocket };

function socketOnData(this: OwnedSocket, chunk: Buffer): void {
  this[kWebSocket]?._onSocketData(chunk);
}

function socketOnEnd(this: OwnedSocket): void {
  this[kWebSocket]?._onSocketEnd();
}

function socketOnClose(this: OwnedSocket): void {
  this[kWebSocket]?._onSocketClose();
}

function socketOnError(this: OwnedSocket): void {
  this[kWebSocket]?._onSocketError();
}

function socketOnDrain(this: OwnedSocket): void {
  this[kWebSocket]?._onSocketDrain();
}

Object.assign(WebSocket.prototype, { addEventListener, removeEventListener });
// The ready-state constants are read-only and enumerable on the class and its instances, and the
// accessors enumerable, as ws defines them (code that copies or inspects a socket sees the same keys).
for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) {
  Object.defineProperty(WebSocket, name, { value, enumerable: true, writable: false, configurable: false });
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true });
}
defineEventAttributes(WebSocket.prototype);

/**
 * close()'s reason as ws reads it: none without a code (RFC 6455 section 5.5.1: a reason only follows a
 * code; ws then sends an empty close frame whatever the reason), a string as it is, the bytes of any
 * Uint8Array (a Buffer or not) as UTF-8, nothing for a value without a length (a number, an empty array);
 * another value with a length is ws's TypeError.
 */
function closeReasonText(code: number | undefined, reason: unknown): string {
  if (code === undefined || reason === undefined || reason === null) return '';
  if (typeof reason === 'string') return reason;
  if (reason instanceof Uint8Array) return Buffer.from(reason.buffer, reason.byteOffset, reason.byteLength).toString();
  if (!(reason as { length?: unknown }).length) return '';
  throw new TypeError('Second argument must be a string or a Uint8Array');
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

/** A Blob's bytes as a Buffer. */
async function readBlob(blob: Blob): Promise<Uint8Array> {
  return Buffer.from(await blob.arrayBuffer());
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
