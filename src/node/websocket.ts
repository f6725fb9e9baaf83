// The Node WebSocket: ws's API over the sans-IO Connection. This class owns the connection's state (its
// readyState, what the opening handshake agreed on, how it closed) and makes every move between states;
// other modules call its methods (_beginHandshake, _adopt, _failBeforeOpen, and the socket glue's
// reports) and never write its fields. The work behind the API is done elsewhere: the client's opening
// handshake in client-handshake.ts (over HTTP/2, http2-client.ts), the bytes on the socket, its end and
// its timers in socket-glue.ts, and the way out for what is sent in outgoing.ts, which send-order.ts keeps
// in order while a message is streamed or a Blob read.

import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { ClientRequestArgs, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '../codec/constants.js';
import { type Connection, encodeClosePayload } from '../protocol/connection.js';
import type { DeflateSettings } from '../protocol/deflate-codec.js';
import type * as reconnectOptions from '../web/reconnect-options.js';
import type * as reconnector from '../web/reconnector.js';
import type * as client from './client-handshake.js';
import { startClient } from './client-handshake.js';
import type * as deflate from './deflate-setup.js';
import type * as diagnostics from './diagnostics.js';
import { publishClose, publishOpen } from './diagnostics.js';
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
import type * as http2Client from './http2-client.js';
import type * as http2Pool from './http2-session-pool.js';
import type { AnyListener, Listener } from './listener-types.js';
import type * as message from './message-data.js';
import { BINARY_TYPES, type BinaryType, toMessageData } from './message-data.js';
import { closeReasonText, Outgoing } from './outgoing.js';
import { asBuffer } from './platform.js';
import type * as prepared from './prepared.js';
import type { PreparedMessage } from './prepared.js';
import type * as pubsub from './pubsub-adapter.js';
import type { PublishOptions } from './pubsub-adapter.js';
import type * as reconnecting from './reconnecting-websocket.js';
import type * as redis from './redis-adapter.js';
import type { SendStreamOptions } from './send-order.js';
import { type ConnectionSettings, SocketGlue } from './socket-glue.js';
import type * as server from './websocket-server.js';
import type { WebSocketServer } from './websocket-server.js';
import type * as api from './websocket-types.js';
import type {
  Agreement,
  PublishData,
  SendCallback,
  SendData,
  SendOptions,
  WebSocketEvents,
} from './websocket-types.js';

const EMPTY_BUFFER = Buffer.alloc(0);

type State = 0 | 1 | 2 | 3;

// The interface of the same name below declares signatures of inherited EventEmitter methods only.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: it adds no member without an implementation
export class WebSocket extends EventEmitter {
  // ws's statics, and every other value of the package entry, assigned in src/index.ts (declared here for
  // TypeScript users of WebSocket.Server, and of require('wasmsocket').RedisAdapter and the like).
  declare static WebSocket: typeof WebSocket;
  declare static WebSocketServer: typeof server.WebSocketServer;
  declare static Server: typeof server.WebSocketServer;
  declare static createWebSocketStream: typeof import('./stream.js').createWebSocketStream;
  declare static CloseEvent: typeof events.CloseEvent;
  declare static ErrorEvent: typeof events.ErrorEvent;
  declare static MessageEvent: typeof events.MessageEvent;
  declare static isWebSocketStream: typeof import('./http2-server.js').isWebSocketStream;
  declare static Http2SessionPool: typeof http2Pool.Http2SessionPool;
  declare static defaultHttp2SessionPool: typeof http2Pool.defaultHttp2SessionPool;
  declare static PreparedMessage: typeof prepared.PreparedMessage;
  declare static RedisAdapter: typeof redis.RedisAdapter;
  declare static ReconnectingWebSocket: typeof reconnecting.ReconnectingWebSocket;

  // The ready-state constants are defined once, below, on the class and on its prototype (not on every
  // connection): read-only and enumerable, as ws defines them.
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  // The state, written by this class alone; ws users read it through the getters below. readyState moves
  // CONNECTING → OPEN (_adopt) or CLOSING (_failBeforeOpen, then CLOSED); OPEN → CLOSING (close(),
  // terminate(), or from below: _onCloseFrame, _onClosing); CLOSING → CLOSED once the transport has closed
  // and what it brought is delivered (_onTransportClosed).
  private _readyState: State = WebSocket.CONNECTING;
  private _protocol = '';
  private _extensions = '';
  private _url = '';
  private _isServer = true;
  /** Set while a client's opening handshake is in flight, so that close() before open can abandon it. */
  private _abortHandshake: ((reason: string) => void) | null = null;
  /** The socket glue, once the handshake is done; `_connection` is its Connection. */
  private _glue: SocketGlue | null = null;
  private _connection: Connection | null = null;
  /** The server that accepted this connection (for topics and its client list), null for a client. */
  private _server: WebSocketServer | null = null;
  private _binaryType: BinaryType = 'nodebuffer';
  private _closeCode: number = CloseCode.ABNORMAL_CLOSURE;
  private _closeReason: Buffer = EMPTY_BUFFER;
  private _closeFrameReceived = false;
  private _errorEmitted = false;
  private _paused = false;
  private _allowSynchronousEvents = true;
  /** The way out for what this WebSocket sends (outgoing.ts). */
  private readonly _outgoing = new Outgoing(this);

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
    if (protocols !== undefined && !Array.isArray(protocols) && typeof protocols === 'object' && protocols !== null) {
      options = protocols;
      protocols = undefined;
    }
    startClient(this, address, protocols as string | string[] | undefined, (options ?? {}) as client.ClientOptions);
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

  /** The socket (or HTTP/2 stream) once the handshake is done, as ws's `_socket`. */
  get _socket(): Duplex | null {
    return this._glue === null ? null : this._glue.socket;
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
   * Bytes queued to send and not yet handed to the operating system, and, as ws counts them, bytes sent
   * while the connection was not open.
   */
  get bufferedAmount(): number {
    return this._outgoing.bufferedAmount;
  }

  get binaryType(): BinaryType {
    return this._binaryType;
  }

  set binaryType(type: BinaryType) {
    if (BINARY_TYPES.includes(type)) this._binaryType = type;
  }

  /**
   * Client side: an attempt at the opening handshake towards `url` begins (again after a redirect, or
   * when the HTTP/2 one hands over to HTTP/1.1). Until the WebSocket opens or fails, close() and
   * terminate() abandon the attempt through `abort`, which reports the failure (_failBeforeOpen).
   */
  _beginHandshake(url: string, abort: (reason: string) => void): void {
    this._url = url;
    this._abortHandshake = abort;
  }

  /** Client side: the opening handshake failed: 'error', then 'close' with 1006, as ws reports it. */
  _failBeforeOpen(error: Error): void {
    if (this._readyState !== WebSocket.CONNECTING) return;
    // CLOSING and no abort hook from now on: a close() from the 'error' listener has nothing to abandon.
    this._readyState = WebSocket.CLOSING;
    this._abortHandshake = null;
    process.nextTick(() => {
      this._emitError(error);
      this.emitClose();
    });
  }

  /**
   * Takes over an upgraded socket (or HTTP/2 stream) with what the opening handshake agreed on: by the
   * server once it has answered, by the client once it has checked the answer. `head` is what arrived
   * after the HTTP head. The caller emits 'open' (or 'connection') next.
   */
  _adopt(socket: Duplex, head: Buffer, settings: ConnectionSettings, agreement: Agreement): void {
    this._abortHandshake = null;
    this._protocol = agreement.protocol ?? '';
    this._extensions = agreement.extensions ?? '';
    this._server = agreement.server ?? null;
    this._allowSynchronousEvents = settings.allowSynchronousEvents ?? true;
    const role = this._isServer ? 'server' : 'client';
    const glue = new SocketGlue(this, socket, settings, {
      role,
      head,
      deflate: agreement.deflate,
      abortTransport: agreement.abortTransport ?? null,
      closeTransport: agreement.closeTransport ?? null,
    });
    this._glue = glue;
    this._connection = glue.connection;
    this._outgoing.open(glue, settings, role);
    this._readyState = WebSocket.OPEN;
  }

  /** Takes over an upgraded socket (ws's method), with no subprotocol or extension but `deflate` agreed. */
  setSocket(socket: Duplex, head: Buffer, settings: ConnectionSettings, deflate?: DeflateSettings): void {
    this._adopt(socket, head, settings, { deflate });
    publishOpen(this, this._isServer ? 'server' : 'client', this._url, socket, '1.1');
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
    return this._outgoing.send(data, options, cb);
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
    return this._outgoing.sendStream(source, options);
  }

  /** Sends a published or broadcast message, under maxBackpressure (or its publish default). */
  _sendPreparedForPublish(message: PreparedMessage, compress: boolean): void {
    this._outgoing.sendPublished(message, compress);
  }

  /**
   * Subscribes this (server-side) connection to a topic. Returns false, and registers nothing, when it
   * already was, when the connection is not open (closing or closed: the client may have left during an
   * await before this call), or when its server is closing. A topic that is not a string throws.
   */
  subscribe(topic: string): boolean {
    return this.topicServer()._topicRegistry.subscribe(this, topic);
  }

  unsubscribe(topic: string): boolean {
    return this.topicServer()._topicRegistry.unsubscribe(this, topic);
  }

  isSubscribed(topic: string): boolean {
    return this.topicServer()._topicRegistry.isSubscribed(this, topic);
  }

  /** The topics this connection is subscribed to. */
  get topics(): string[] {
    return this._server === null ? [] : this._server._topicRegistry.topics(this);
  }

  /** Publishes to every subscriber of `topic` but this connection (here and, with an adapter, elsewhere). */
  publish(topic: string, data: PublishData, options?: PublishOptions): number {
    return this.topicServer().publish(topic, data, options, this);
  }

  private topicServer(): WebSocketServer {
    if (this._server === null) throw new Error('Topics are for connections accepted by a WebSocketServer');
    return this._server;
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
    const glue = this._glue;
    if (this._readyState === WebSocket.CLOSING) {
      // No glue here means the opening failed (ws: close() from an 'error' listener is harmless).
      if (glue !== null && glue.connection.readyState === 3) glue.endWhenWritten();
      return;
    }
    if (glue === null) return;
    // A bad code or reason throws here, whether or not we wait: the code first, as ws checks it first.
    encodeClosePayload(code, '');
    const reasonText = closeReasonText(code, reason);
    encodeClosePayload(code, reasonText);
    this._readyState = WebSocket.CLOSING;
    const sendClose = () => {
      if (this._readyState === WebSocket.CLOSED) return; // terminated or dropped while Blobs were read
      glue.connection.close(code, reasonText);
      if (this._closeFrameReceived) glue.endWhenWritten();
      glue.startCloseTimer();
    };
    // Blobs sent before close() are still being read: the close frame follows them, as in ws.
    this._outgoing.closeInTurn(sendClose);
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    if (this._readyState === WebSocket.CLOSED) return;
    if (this._readyState === WebSocket.CONNECTING) {
      this._abortHandshake?.('WebSocket was closed before the connection was established');
      return;
    }
    // Nothing more is written, but messages already received (one still inflating, say) are delivered
    // before 'close', as ws does: the glue waits for them on the socket's close, then finishes.
    // CLOSING first: callbacks of sends abandoned behind compression run inside stopSending().
    this._readyState = WebSocket.CLOSING;
    this._connection?.stopSending();
    this._glue?.abort();
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
    this._glue?.resumeReceiving();
    if (!this._paused) this._socket?.resume();
  }

  /** Reports an error that ended the connection (once), as ws does. */
  _emitError(error: Error): void {
    if (this._errorEmitted) return;
    this._errorEmitted = true;
    this.emit('error', error);
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
    this._outgoing.sendControl(kind, data, mask, cb);
  }

  // What the socket glue reports (socket-glue.ts).

  /** A complete message from the peer. */
  _onMessage(data: Uint8Array, isBinary: boolean): void {
    const buffer = asBuffer(data);
    this.emit('message', isBinary ? toMessageData(buffer, this._binaryType) : buffer, isBinary);
    if (!this._allowSynchronousEvents && !this._paused) {
      // ws's allowSynchronousEvents: false delivers one message per turn of the event loop.
      const connection = this._connection as Connection;
      connection.pauseReceiving();
      setImmediate(() => {
        if (!this._paused) this._glue?.resumeReceiving();
      });
    }
  }

  /** The peer's close frame: its code and reason are what 'close' reports. */
  _onCloseFrame(code: number, reason: string): void {
    this._closeFrameReceived = true;
    this._closeCode = code;
    this._closeReason = Buffer.from(reason);
    this._onClosing();
  }

  /** The connection is ending from below (the peer's close frame or FIN, a protocol or socket error). */
  _onClosing(): void {
    if (this._readyState === WebSocket.OPEN) this._readyState = WebSocket.CLOSING;
  }

  /** The transport closed and what it had brought was delivered: the end of this connection. */
  _onTransportClosed(): void {
    this.emitClose();
  }

  private emitClose(): void {
    this._readyState = WebSocket.CLOSED;
    // The server forgets the connection first, so 'close' listeners see it gone from wss.clients (as in ws).
    this._server?._untrack(this);
    // Only a connection that opened has a glue, and an open message to pair with this one.
    if (this._glue !== null) publishClose(this, this._closeCode, this._closeReason, this._wasClean);
    this.emit('close', this._closeCode, this._closeReason);
  }
}

// Per-event signatures of EventEmitter's listener methods (types only: the methods are EventEmitter's).
// An event outside WebSocketEvents, or a listener typed otherwise (`(data: Buffer) => …` for 'message'),
// falls through to the untyped signature, as with ws's types: each method's typed signature comes before
// its untyped one, so it is tried first.
export interface WebSocket {
  on<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  once<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  off<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  addListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  removeListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  // biome-ignore lint/suspicious/useAdjacentOverloadSignatures: the untyped fallbacks follow the typed signatures as a group; TypeScript tries a method's signatures in the order written, so each typed one still comes first
  on(event: string | symbol, listener: AnyListener<this>): this;
  once(event: string | symbol, listener: AnyListener<this>): this;
  off(event: string | symbol, listener: AnyListener<this>): this;
  addListener(event: string | symbol, listener: AnyListener<this>): this;
  removeListener(event: string | symbol, listener: AnyListener<this>): this;
  prependListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  prependOnceListener<E extends keyof WebSocketEvents>(event: E, listener: Listener<this, WebSocketEvents[E]>): this;
  prependListener(event: string | symbol, listener: AnyListener<this>): this;
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
  type AddressInfo = server.AddressInfo;
  type Event = events.Event;
  type ErrorEvent = events.ErrorEvent;
  type CloseEvent = events.CloseEvent;
  type MessageEvent = events.MessageEvent;
  type WebSocketEventMap = events.WebSocketEventMap;
  type EventListenerOptions = events.EventListenerOptions;
  type ServerOptions<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServerOptions<T, U>;
  type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> =
    server.VerifyClientCallbackSync<Request>;
  type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> =
    server.VerifyClientCallbackAsync<Request>;
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
  type SendData = api.SendData;
  type PublishData = api.PublishData;
  type SendCallback = api.SendCallback;
  type SendOptions = api.SendOptions;
  type WebSocketEvents = api.WebSocketEvents;
  type VerifyClientInfo<Request extends IncomingMessage = IncomingMessage> = server.VerifyClientInfo<Request>;
  type WebSocketServerOptions<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServerOptions<T, U>;
  type VerifyClientCallback = server.VerifyClientCallback;
  type WebSocketServerEvents<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > = server.WebSocketServerEvents<T, U>;
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
  type DiagnosticsMessages = diagnostics.DiagnosticsMessages;
  type DiagnosticsOpenMessage = diagnostics.DiagnosticsOpenMessage;
  type DiagnosticsCloseMessage = diagnostics.DiagnosticsCloseMessage;
  type DiagnosticsErrorMessage = diagnostics.DiagnosticsErrorMessage;
  type DiagnosticsPingMessage = diagnostics.DiagnosticsPingMessage;
  type DiagnosticsBackpressureMessage = diagnostics.DiagnosticsBackpressureMessage;
  type DiagnosticsRefusedMessage = diagnostics.DiagnosticsRefusedMessage;
  type RefusalReason = diagnostics.RefusalReason;
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
