// WebSocketServer: ws's server API. It takes upgrades on its own HTTP server (port), on one the user
// attaches (server), or one by one (noServer + handleUpgrade, handleHttp2Stream); accepts or refuses each
// through the path HTTP/1.1 and HTTP/2 share (upgrade-acceptance.ts); keeps the open connections for
// clients, broadcast, topics and shutdown; and stops accepting on close(). The HTTP server it creates and
// the listeners it puts on one are server-http.ts; its topics' link to other processes, pubsub-wiring.ts.

import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeClosePayload } from '../protocol/connection.js';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../protocol/defaults.js';
import { checkOptions, orNull } from '../protocol/option-checks.js';
import type { PerMessageDeflateOptions } from './deflate-setup.js';
import { Http1Upgrade } from './http1-upgrade.js';
import { type AnyHttp2Server, handleHttp2Stream } from './http2-server.js';
import type { AnyListener, Listener } from './listener-types.js';
import { type PreparedMessage, type PrepareOptions, prepareMessage } from './prepared.js';
import type { PublishOptions, PubSubAdapter } from './pubsub-adapter.js';
import { topicsRelayedBy } from './pubsub-wiring.js';
import { createHttpServer, listenForUpgrades } from './server-http.js';
import { checkServerOptions, isWebSocket, SERVER_DEFAULTS, SHUTDOWN_RULES } from './server-options-check.js';
import type { ConnectionSettings } from './socket-glue.js';
import type { TopicRegistry } from './topics.js';
import { type AcceptedCallback, UpgradeAcceptor, type UpgradeTransport } from './upgrade-acceptance.js';
import { WebSocket } from './websocket.js';
import type { PublishData } from './websocket-types.js';

export type { AddressInfo };

/** What verifyClient learns about an upgrade request (ws's shape). */
export interface VerifyClientInfo<Request extends IncomingMessage = IncomingMessage> {
  /**
   * The Origin header (Sec-WebSocket-Origin for a version-8 client, as ws reads it). Typed string, as ws's
   * types have it (so handlers written for ws compile), but undefined when the request has none, which is
   * the case for clients other than browsers.
   */
  origin: string;
  /** Whether the connection is TLS. */
  secure: boolean;
  req: Request;
}

/** How an asynchronous verifyClient answers: accept, or refuse with a status, a message and headers. */
export type VerifyClientCallback = (
  verified: boolean,
  code?: number,
  message?: string,
  headers?: OutgoingHttpHeaders,
) => void;

/** A verifyClient that decides at once: true accepts the upgrade, false refuses it with 401. */
export type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> = (
  info: VerifyClientInfo<Request>,
) => boolean;

/** A verifyClient that answers through its callback (within handshakeTimeout, else 408). */
export type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> = (
  info: VerifyClientInfo<Request>,
  callback: VerifyClientCallback,
) => void;

/**
 * The server's options: ws's, and wasmsocket's limits. `T` is the class of the connections (the
 * `WebSocket` option), `U` the request class of the HTTP server (http.createServer's IncomingMessage).
 */
export interface WebSocketServerOptions<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage,
> extends ConnectionSettings {
  host?: string | undefined;
  port?: number | undefined;
  backlog?: number | undefined;
  /**
   * An HTTP/1.1 server, or an HTTP/2 one (http2.createServer / createSecureServer): then WebSockets also
   * arrive as extended CONNECT streams (RFC 8441), and HTTP/1.1 upgrades still do with allowHTTP1.
   */
  server?: HttpServer<U> | HttpsServer<U> | AnyHttp2Server | undefined;
  noServer?: boolean | undefined;
  path?: string | undefined;
  verifyClient?: VerifyClientCallbackAsync<InstanceType<U>> | VerifyClientCallbackSync<InstanceType<U>> | undefined;
  handleProtocols?: ((protocols: Set<string>, request: InstanceType<U>) => string | false) | undefined;
  clientTracking?: boolean | undefined;
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
  /**
   * The class to create for each connection: WebSocket (the default) or a subclass, constructed as ws
   * does with (null, undefined, the server's options).
   */
  WebSocket?: T | undefined;
  /**
   * Milliseconds an upgrade may take, from the first byte of its request (on the server this creates)
   * to the 101, including an asynchronous verifyClient; slower ones are dropped. Default 10 s.
   */
  handshakeTimeout?: number | undefined;
  /** Most bytes of request head the server this creates accepts (431 beyond). Default 16 KiB. */
  maxHeaderSize?: number | undefined;
  /** Most header lines an upgrade request may have (431 beyond). Default 100. */
  maxHeaderCount?: number | undefined;
  /** Most open connections in total (503 beyond); 0, the default, for no limit. */
  maxConnections?: number | undefined;
  /** Most open connections from one remote address (429 beyond); 0, the default, for no limit. */
  maxConnectionsPerAddress?: number | undefined;
  /**
   * Origins allowed to connect, as browsers send them: ['https://example.com', 'http://localhost:3000'].
   * Compared exactly as RFC 6454 origins (scheme, host and port; scheme and host in any case, a default
   * port written or not). A request whose Origin is not listed gets 403; one without Origin (not from a
   * browser) is let through. The opaque origin 'null' is admitted only when listed. An array is required:
   * a lone string is a TypeError.
   */
  allowedOrigins?: readonly string[] | undefined;
  /** Carries publishes to other server processes (for example the Redis adapter); default: this process only. */
  pubsub?: PubSubAdapter | undefined;
}

/** ws's name for the server's options. */
export type ServerOptions<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage,
> = WebSocketServerOptions<T, U>;

/** The server's events and the arguments their listeners receive (ws's). */
export interface WebSocketServerEvents<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage,
> {
  connection: [socket: InstanceType<T>, request: InstanceType<U>];
  /** The 101 response's lines, before it is written: a listener may add some. */
  headers: [headers: string[], request: InstanceType<U>];
  /** An upgrade refused; with a listener, the listener answers it (the socket is an HTTP/2 stream over HTTP/2). */
  wsClientError: [error: Error, socket: Duplex, request: InstanceType<U>];
  error: [error: Error];
  listening: [];
  close: [];
}

export interface ShutdownOptions {
  /** The close code sent to every client. Default 1001 (going away). */
  code?: number;
  reason?: string;
  /** How long clients get to finish the closing handshake before they are terminated. Default closeTimeout. */
  timeoutMs?: number;
}

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

// The interface of the same name below declares signatures of inherited EventEmitter methods only.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: it adds no member without an implementation
export class WebSocketServer<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage,
> extends EventEmitter {
  readonly options: WebSocketServerOptions<T, U> & { WebSocket: T };
  /**
   * The open connections. Typed as a Set, as in ws's types; undefined when clientTracking is false.
   */
  readonly clients: Set<InstanceType<T>>;
  private _server: HttpServer | HttpsServer | AnyHttp2Server | null = null;
  private _removeListeners: (() => void) | null = null;
  private _state = RUNNING;
  private _shouldEmitClose = false;
  /** Every open connection, tracked or not, for shutdown() and broadcast(), with its remote address. */
  private readonly _connections = new Map<WebSocket, string>();
  /** Checks, refuses or completes each upgrade, and counts connections under the caps. */
  private readonly _acceptor: UpgradeAcceptor;
  /** Topic subscriptions of this server's connections. */
  readonly _topicRegistry: TopicRegistry<WebSocket>;

  constructor(options?: WebSocketServerOptions<T, U>, callback?: () => void) {
    super();
    // ws's defaults filled in as ws fills them (wss.options.maxPayload reads 104857600, host null...).
    const settings = { ...SERVER_DEFAULTS, WebSocket: WebSocket as T, ...options } as WebSocketServerOptions<T, U> & {
      WebSocket: T;
    };
    const sources = [settings.port != null, Boolean(settings.server), Boolean(settings.noServer)];
    if (sources.filter(Boolean).length !== 1) {
      throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    }
    // Every option is checked before anything starts: a bad one throws here, not from a connection.
    checkServerOptions(settings);
    this.options = settings;
    this.clients = (settings.clientTracking ? new Set() : undefined) as Set<InstanceType<T>>;
    this._acceptor = new UpgradeAcceptor(this);
    if (settings.port != null) this._server = createHttpServer(settings, callback);
    else if (settings.server) this._server = settings.server;
    this._topicRegistry = topicsRelayedBy(settings.pubsub);
    if (this._server !== null) this._removeListeners = listenForUpgrades(this, this._server);
  }

  /** The bound address of the internal or attached server (a string for a pipe or socket file). */
  address(): AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    return this._server === null ? null : this._server.address();
  }

  /**
   * Stops accepting new connections (ws's meaning: open connections are not closed) and emits 'close'
   * once the internal HTTP server has closed, or, with an external server or noServer, once every
   * tracked client has gone.
   */
  close(cb?: (error?: Error) => void): void {
    if (this._state === CLOSED) {
      if (cb) this.once('close', () => cb(new Error('The server is not running')));
      process.nextTick(() => this.emitClose());
      return;
    }
    if (cb) this.once('close', cb);
    if (this._state === CLOSING) return;
    this._state = CLOSING;
    this._topicRegistry.stopAccepting();
    void this.options.pubsub?.close();
    const server = this._server;
    this._removeListeners?.();
    this._removeListeners = null;
    this._server = null;
    if (this.options.noServer || this.options.server) {
      if (this.clients !== undefined && this.clients.size > 0) this._shouldEmitClose = true;
      else process.nextTick(() => this.emitClose());
    } else {
      (server as HttpServer).close(() => this.emitClose());
    }
  }

  /** Whether this server takes the request: its path matches `options.path`, when set. */
  shouldHandle(request: IncomingMessage): boolean {
    const path = this.options.path;
    if (!path) return true;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === path;
  }

  /** Completes (or refuses) one upgrade; `cb` receives the new WebSocket (of the `WebSocket` option's class). */
  handleUpgrade(
    request: InstanceType<U>,
    socket: Duplex,
    head: Buffer,
    cb: (client: InstanceType<T>, request: InstanceType<U>) => void,
  ): void {
    this._acceptUpgrade(request, new Http1Upgrade(request, socket, head), cb as AcceptedCallback);
  }

  /**
   * Completes (or refuses) one WebSocket over an HTTP/2 stream (RFC 8441), from a 'stream' event's
   * arguments: the noServer counterpart of handleUpgrade for an HTTP/2 server (whose sessions must allow
   * extended CONNECT: settings.enableConnectProtocol). `request` in the callback is an Http2ServerRequest.
   */
  handleHttp2Stream(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    rawHeaders: string[] | undefined,
    cb: (client: InstanceType<T>, request: InstanceType<U>) => void,
  ): void {
    handleHttp2Stream(this, stream, headers, rawHeaders, cb as AcceptedCallback);
  }

  /** Whether new connections are accepted (close() not called). Internal: upgrade-acceptance.ts reads it. */
  get _running(): boolean {
    return this._state === RUNNING;
  }

  /** Accepts or refuses one upgrade that came over `transport`. Internal: for the transports. */
  _acceptUpgrade(request: IncomingMessage, transport: UpgradeTransport, cb: AcceptedCallback): void {
    this._acceptor.accept(request, transport, cb);
  }

  /**
   * Closes every client with `code` (1001 by default) and stops accepting new ones; resolves once all
   * have gone. Clients that do not finish the closing handshake within timeoutMs are terminated.
   * (close() keeps ws's meaning and leaves open connections alone.)
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    checkOptions(options, SHUTDOWN_RULES);
    const {
      code = 1001,
      reason = '',
      timeoutMs = this.options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS,
    } = options ?? {};
    // The close frame every client will get, checked once here rather than failing at the first client.
    encodeClosePayload(code, reason);
    const connections = this._connections;
    const allGone = new Promise<void>((resolve) => {
      if (connections.size === 0) {
        resolve();
        return;
      }
      for (const ws of connections.keys()) {
        ws.once('close', () => {
          if (connections.size === 0) resolve();
        });
      }
    });
    for (const ws of connections.keys()) ws.close(code, reason);
    const stragglers = setTimeout(() => {
      for (const ws of connections.keys()) ws.terminate();
    }, timeoutMs);
    stragglers.unref();
    const serverClosed = new Promise<void>((resolve) => this.close(() => resolve()));
    return Promise.all([allGone, serverClosed]).then(() => clearTimeout(stragglers));
  }

  /** Frames (and, with compress, compresses) a message once, to send to many connections. */
  prepare(data: PublishData, options?: PrepareOptions): PreparedMessage {
    return prepareMessage(data, options);
  }

  /**
   * Sends one message to every open connection (but `except`), framed and compressed once. A client that
   * does not keep up meets its backpressure policy. Returns how many connections it was sent to.
   */
  broadcast(data: PublishData, options: PublishOptions & { except?: WebSocket } = {}): number {
    const message = prepareMessage(data, options);
    const { compress = false, except } = options ?? {};
    checkOptions({ except }, { except: isWebSocket });
    let sent = 0;
    for (const ws of this._connections.keys()) {
      if (ws === except || ws.readyState !== WebSocket.OPEN) continue;
      ws._sendPreparedForPublish(message, compress);
      sent++;
    }
    return sent;
  }

  /**
   * Sends a message to every subscriber of `topic` in this process (but `except`), framed once, and
   * through the pubsub adapter to the other processes. Returns how many local subscribers got it.
   */
  publish(topic: string, data: PublishData, options: PublishOptions = {}, except: WebSocket | null = null): number {
    const message = prepareMessage(data, options);
    const { compress = false } = options ?? {};
    checkOptions({ except }, { except: orNull(isWebSocket) });
    const sent = this._topicRegistry.publish(topic, message, compress, except);
    this.options.pubsub?.publish(topic, message.data, { binary: message.isBinary, compress });
    return sent;
  }

  /** How many connections of this process subscribe to `topic`. */
  subscriberCount(topic: string): number {
    return this._topicRegistry.subscriberCount(topic);
  }

  /** Keeps a connection the acceptor just opened, until it closes. Internal: upgrade-acceptance.ts calls it. */
  _track(ws: WebSocket, address: string): void {
    this._connections.set(ws, address);
    (this.clients as Set<WebSocket> | undefined)?.add(ws);
  }

  /** Forgets a connection as it closes (called by the WebSocket just before its 'close' event). */
  _untrack(ws: WebSocket): void {
    const address = this._connections.get(ws);
    if (address === undefined) return;
    this._connections.delete(ws);
    this._topicRegistry.unsubscribeAll(ws);
    this._acceptor.connectionClosed(address);
    const clients = this.clients as Set<WebSocket> | undefined;
    if (clients !== undefined) {
      clients.delete(ws);
      if (this._shouldEmitClose && clients.size === 0) process.nextTick(() => this.emitClose());
    }
  }

  private emitClose(): void {
    this._state = CLOSED;
    this.emit('close');
  }
}

/** The names of the server's events. */
type ServerEvent = keyof WebSocketServerEvents;

// Per-event signatures of EventEmitter's listener methods (types only: the methods are EventEmitter's),
// with the connection's class and the request's from the type parameters. Another event, or a listener
// typed otherwise, falls through to the untyped signature, as with ws's types: each method's typed
// signature comes before its untyped one, so it is tried first.
export interface WebSocketServer<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage,
> {
  on<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  once<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  off<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  addListener<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  removeListener<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  // biome-ignore lint/suspicious/useAdjacentOverloadSignatures: the untyped fallbacks follow the typed signatures as a group; TypeScript tries a method's signatures in the order written, so each typed one still comes first
  on(event: string | symbol, listener: AnyListener<this>): this;
  once(event: string | symbol, listener: AnyListener<this>): this;
  off(event: string | symbol, listener: AnyListener<this>): this;
  addListener(event: string | symbol, listener: AnyListener<this>): this;
  removeListener(event: string | symbol, listener: AnyListener<this>): this;
  prependListener<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  prependOnceListener<E extends ServerEvent>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  prependListener(event: string | symbol, listener: AnyListener<this>): this;
  prependOnceListener(event: string | symbol, listener: AnyListener<this>): this;
}
