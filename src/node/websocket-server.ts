// WebSocketServer: ws's server API. It accepts upgrades on its own HTTP server (port), on one the user
// attaches (server), or hands them over one by one (noServer + handleUpgrade), checks each request
// (RFC 6455 section 4.2.1), and turns the socket over to a WebSocket after the 101 response.

import { EventEmitter } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  STATUS_CODES,
} from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeClosePayload } from '../protocol/connection.js';
import type { HandshakeError } from '../protocol/handshake-error.js';
import { computeAccept } from '../protocol/handshake-key.js';
import { acceptResponseLines, refusalResponse, validateUpgradeRequest } from '../protocol/handshake-server.js';
import { HeaderFields } from '../protocol/header-fields.js';
import type { HeaderInput } from '../protocol/http-head-writer.js';
import {
  checkOptions,
  isInteger,
  isMilliseconds,
  isString,
  type OptionRules,
  orNull,
  rule,
} from '../protocol/option-checks.js';
import { OriginAllowList } from '../protocol/origin.js';
import { acceptDeflateOffer } from '../protocol/permessage-deflate.js';
import { ConnectionCounts, type Slot } from './connection-slots.js';
import { deflateOptionsOf, deflateSettings, type PerMessageDeflateOptions } from './deflate-setup.js';
import { type AnyHttp2Server, attachToHttp2Server, handleHttp2Stream, isHttp2Server } from './http2-server.js';
import type { AnyListener, Listener } from './listener-types.js';
import { checkServerOptions } from './options-check.js';
import { sha1 } from './platform.js';
import { type PreparedMessage, type PrepareOptions, prepareMessage } from './prepared.js';
import type { PublishOptions, PubSubAdapter, RemoteMessage } from './pubsub-adapter.js';
import { TopicRegistry } from './topics.js';
import { type ConnectionSettings, type PublishData, WebSocket } from './websocket.js';

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

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
export const DEFAULT_MAX_HEADER_COUNT = 100;

export interface ShutdownOptions {
  /** The close code sent to every client. Default 1001 (going away). */
  code?: number;
  reason?: string;
  /** How long clients get to finish the closing handshake before they are terminated. Default closeTimeout. */
  timeoutMs?: number;
}

type Negotiated = ReturnType<typeof acceptDeflateOffer>;

/** Why an upgrade is refused: the HTTP answer, and a stable code for wsClientError listeners. */
export interface UpgradeRejection {
  status: number;
  message: string;
  code: string;
  headers?: HeaderInput;
}

function rejectionOf(error: HandshakeError): UpgradeRejection {
  return { status: error.status ?? 400, message: error.message, code: error.code, headers: error.headers };
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
  /** Every open connection, tracked or not, for shutdown() and broadcast(). */
  private readonly _connections = new Set<WebSocket>();
  /** Connections and handshakes in progress, for maxConnections and maxConnectionsPerAddress. */
  private readonly _counts = new ConnectionCounts();
  /** allowedOrigins, serialized (RFC 6454); null when every origin is let in. */
  private readonly _originAllowList: OriginAllowList | null;
  /** Topic subscriptions of this server's connections. */
  readonly _topicRegistry = new TopicRegistry<WebSocket>();

  constructor(options?: WebSocketServerOptions<T, U>, callback?: () => void) {
    super();
    const settings = { clientTracking: true, WebSocket: WebSocket as T, ...options };
    const sources = [settings.port != null, Boolean(settings.server), Boolean(settings.noServer)];
    if (sources.filter(Boolean).length !== 1) {
      throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    }
    // Every option is checked before anything starts: a bad one throws here, not from a connection.
    checkServerOptions(settings);
    this._originAllowList =
      settings.allowedOrigins === undefined ? null : OriginAllowList.from(settings.allowedOrigins);
    this.options = settings;
    this.clients = (settings.clientTracking ? new Set() : undefined) as Set<InstanceType<T>>;

    if (settings.port != null) {
      const handshakeTimeout = settings.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
      const serverOptions = {
        maxHeaderSize: settings.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
        // A slow-loris request head is dropped (408) once handshakeTimeout has passed.
        headersTimeout: handshakeTimeout,
        requestTimeout: handshakeTimeout,
        connectionsCheckingInterval: Math.max(10, Math.min(1000, handshakeTimeout / 4)),
      };
      const server = createServer(serverOptions, (_request, response) => {
        const body = STATUS_CODES[426] as string;
        // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to (and section 7.8: with Upgrade
        // goes Connection: upgrade); close, since a client that did not upgrade has nothing more to ask.
        response.writeHead(426, {
          'Content-Length': body.length,
          'Content-Type': 'text/plain',
          Upgrade: 'websocket',
          Connection: 'Upgrade, close',
        });
        response.end(body);
      });
      server.listen(settings.port, settings.host, settings.backlog, callback);
      this._server = server;
    } else if (settings.server) {
      this._server = settings.server;
    }

    const pubsub = settings.pubsub;
    if (pubsub !== undefined) {
      this._topicRegistry.onTopicActive = (topic) => pubsub.subscribe(topic);
      this._topicRegistry.onTopicIdle = (topic) => pubsub.unsubscribe(topic);
      pubsub.attach((message) => this.deliverRemote(message));
    }

    const server = this._server;
    if (server !== null) {
      const onListening = () => this.emit('listening');
      const onError = (error: Error) => this.emit('error', error);
      // The request is of the HTTP server's IncomingMessage class, U.
      const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        this.handleUpgrade(request as InstanceType<U>, socket, head, (ws, req) => this.emit('connection', ws, req));
      };
      server.on('listening', onListening);
      server.on('error', onError);
      server.on('upgrade', onUpgrade);
      this._removeListeners = () => {
        server.removeListener('listening', onListening);
        server.removeListener('error', onError);
        server.removeListener('upgrade', onUpgrade);
      };
      if (isHttp2Server(server)) {
        const removeHttp1Listeners = this._removeListeners;
        const detachHttp2 = attachToHttp2Server(this, server);
        this._removeListeners = () => {
          removeHttp1Listeners();
          detachHttp2();
        };
      }
    }
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
    socket.on('error', destroyOnError);
    const limited = this.limitProblem(request);
    if (limited !== null) {
      this.refuse(request, socket, limited);
      return;
    }
    // Counted from now on, so that handshakes arriving while this one is checked see it.
    const slot = this.reserveSlot(request, socket);
    let verifying = false;
    try {
      verifying = this.checkUpgrade(request, socket, head, slot, cb);
    } finally {
      // Every way out but a connection (a refusal, an exception) frees the slot (release() does nothing
      // once the connection has it); an asynchronous verifyClient holds it until it answers, times out,
      // or the socket closes.
      if (!verifying) slot.release();
    }
  }

  /**
   * The checks of section 4.2.1 and the application's, then the 101 or a refusal. Returns true while an
   * asynchronous verifyClient decides (the handshake, and its slot, are still in progress).
   */
  private checkUpgrade(
    request: InstanceType<U>,
    socket: Duplex,
    head: Buffer,
    slot: Slot,
    cb: (client: InstanceType<T>, request: InstanceType<U>) => void,
  ): boolean {
    const validation = validateUpgradeRequest({
      method: request.method ?? '',
      httpVersion: request.httpVersion,
      url: request.url ?? '',
      // Node's request.headers keeps only the first Host; the raw pairs show a duplicate.
      headers: HeaderFields.fromRawPairs(request.rawHeaders),
    });
    if (!validation.ok) {
      this.refuse(request, socket, rejectionOf(validation.error));
      return false;
    }
    const checked = validation.request;
    if (!this.shouldHandle(request)) {
      writeRefusal(socket, 400);
      return false;
    }
    const deflateOptions = deflateOptionsOf(this.options.perMessageDeflate);
    const deflate: Negotiated =
      deflateOptions !== null && checked.extensions.length > 0
        ? acceptDeflateOffer(deflateOptions, checked.extensions)
        : null;
    const verifyClient = this.options.verifyClient;
    if (verifyClient) {
      const info: VerifyClientInfo = {
        // undefined without one, as in ws (see VerifyClientInfo); version 8 named it Sec-WebSocket-Origin.
        origin: request.headers[checked.version === 8 ? 'sec-websocket-origin' : 'origin'] as string,
        secure: Boolean((request.socket as { authorized?: boolean; encrypted?: boolean }).encrypted),
        req: request,
      };
      if (verifyClient.length === 2) {
        // An asynchronous verifyClient that never answers must not hold the socket (nor its slot) forever.
        let timedOut = false;
        const deadline = setTimeout(() => {
          timedOut = true;
          slot.release();
          writeRefusal(socket, 408);
        }, this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
        deadline.unref();
        (verifyClient as (info: VerifyClientInfo, callback: VerifyClientCallback) => void)(
          info,
          (verified, code, message, headers) => {
            clearTimeout(deadline);
            if (timedOut) return;
            try {
              if (!verified) {
                writeRefusal(socket, code || 401, message, headers);
                return;
              }
              this.completeUpgrade(checked.key, new Set(checked.protocols), deflate, request, socket, head, slot, cb);
            } finally {
              slot.release();
            }
          },
        );
        return true;
      }
      if (!(verifyClient as (info: VerifyClientInfo) => boolean)(info)) {
        writeRefusal(socket, 401);
        return false;
      }
    }
    this.completeUpgrade(checked.key, new Set(checked.protocols), deflate, request, socket, head, slot, cb);
    return false;
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
    handleHttp2Stream(this, stream, headers, rawHeaders, cb as (ws: WebSocket, request: IncomingMessage) => void);
  }

  /** Whether new connections are accepted (close() not called). Internal: http2-server.ts reads it. */
  get _running(): boolean {
    return this._state === RUNNING;
  }

  private completeUpgrade(
    key: string,
    protocols: Set<string>,
    deflate: Negotiated,
    request: InstanceType<U>,
    socket: Duplex,
    head: Buffer,
    slot: Slot,
    cb: (client: InstanceType<T>, request: InstanceType<U>) => void,
  ): void {
    // The client may have gone (sent FIN, or the socket closed and its slot was freed) while verifyClient ran.
    if (!socket.readable || !socket.writable || !slot.reserved) {
      socket.destroy();
      return;
    }
    if ((socket as { [kUpgraded]?: boolean })[kUpgraded]) {
      throw new Error(
        'server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration',
      );
    }
    if (this._state > RUNNING) {
      writeRefusal(socket, 503);
      return;
    }
    // Constructed as ws does, with (null, undefined, the server's options).
    const SocketClass: typeof WebSocket = this.options.WebSocket;
    const ws = new SocketClass(null, undefined, this.options);
    let protocol: string | undefined;
    if (protocols.size > 0) {
      const handleProtocols = this.options.handleProtocols;
      const chosen = handleProtocols ? handleProtocols(protocols, request) : protocols.values().next().value;
      if (chosen) protocol = chosen;
    }
    const headers = acceptResponseLines({ accept: computeAccept(key, sha1), protocol, extensions: deflate?.response });
    ws._protocol = protocol ?? '';
    ws._extensions = deflate?.response ?? '';
    // Listeners may add headers (ws's 'headers' event).
    this.emit('headers', headers, request);
    socket.write(`${headers.join('\r\n')}\r\n\r\n`);
    socket.removeListener('error', destroyOnError);
    (socket as { [kUpgraded]?: boolean })[kUpgraded] = true;
    ws.setSocket(
      socket,
      head,
      this.options,
      deflate === null
        ? undefined
        : deflateSettings(deflate.agreement, 'server', deflateOptionsOf(this.options.perMessageDeflate) ?? {}),
    );
    this.track(ws, slot);
    cb(ws as InstanceType<T>, request); // made of this.options.WebSocket, which is T
  }

  /**
   * Closes every client with `code` (1001 by default) and stops accepting new ones; resolves once all
   * have gone. Clients that do not finish the closing handshake within timeoutMs are terminated.
   * (close() keeps ws's meaning and leaves open connections alone.)
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    checkOptions(options, SHUTDOWN_RULES);
    const { code = 1001, reason = '', timeoutMs = this.options.closeTimeout ?? 30_000 } = options ?? {};
    // The close frame every client will get, checked once here rather than failing at the first client.
    encodeClosePayload(code, reason);
    const connections = this._connections;
    const allGone = new Promise<void>((resolve) => {
      if (connections.size === 0) {
        resolve();
        return;
      }
      for (const ws of connections) {
        ws.once('close', () => {
          if (connections.size === 0) resolve();
        });
      }
    });
    for (const ws of connections) ws.close(code, reason);
    const stragglers = setTimeout(() => {
      for (const ws of connections) ws.terminate();
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
    for (const ws of this._connections) {
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

  private deliverRemote(message: RemoteMessage): void {
    const prepared = prepareMessage(message.data, { binary: message.binary, compress: message.compress });
    this._topicRegistry.publish(message.topic, prepared, message.compress, null);
  }

  /** Why the connection limits refuse this request, or null. Internal: http2-server.ts uses it too. */
  limitProblem(request: IncomingMessage): UpgradeRejection | null {
    const {
      maxConnections = 0,
      maxConnectionsPerAddress = 0,
      maxHeaderCount = DEFAULT_MAX_HEADER_COUNT,
    } = this.options;
    if (maxHeaderCount > 0 && request.rawHeaders.length / 2 > maxHeaderCount) {
      return { status: 431, message: `More than ${maxHeaderCount} header fields`, code: 'WS_ERR_TOO_MANY_HEADERS' };
    }
    // Both caps count connections open and handshakes in progress (connection-slots.ts).
    if (maxConnections > 0 && this._counts.total >= maxConnections) {
      return { status: 503, message: 'Too many connections', code: 'WS_ERR_TOO_MANY_CONNECTIONS' };
    }
    const address = remoteAddressOf(request);
    if (maxConnectionsPerAddress > 0 && this._counts.from(address) >= maxConnectionsPerAddress) {
      return { status: 429, message: 'Too many connections from this address', code: 'WS_ERR_TOO_MANY_CONNECTIONS' };
    }
    if (this._originAllowList !== null && !originsAdmitted(this._originAllowList, request.rawHeaders)) {
      return { status: 403, message: 'Origin not allowed', code: 'WS_ERR_ORIGIN_NOT_ALLOWED' };
    }
    return null;
  }

  /**
   * Takes a slot under the connection caps for a handshake that passed limitProblem; it is freed when the
   * handshake ends without a connection, or when `transport` closes first. Internal: http2-server.ts uses it too.
   */
  reserveSlot(request: IncomingMessage, transport: Duplex): Slot {
    return this._counts.reserve(remoteAddressOf(request), transport);
  }

  /** Counts a new connection, in the slot its handshake held, until it closes. Internal: http2-server.ts uses it too. */
  track(ws: WebSocket, slot: Slot): void {
    slot.handOver();
    this._connections.add(ws);
    (this.clients as Set<WebSocket> | undefined)?.add(ws);
    ws._server = this;
    ws._remoteAddress = slot.address;
  }

  /** Forgets a connection as it closes (called by the WebSocket just before its 'close' event). */
  _untrack(ws: WebSocket): void {
    if (!this._connections.delete(ws)) return;
    this._topicRegistry.unsubscribeAll(ws);
    this._counts.remove(ws._remoteAddress);
    const clients = this.clients as Set<WebSocket> | undefined;
    if (clients !== undefined) {
      clients.delete(ws);
      if (this._shouldEmitClose && clients.size === 0) process.nextTick(() => this.emitClose());
    }
  }

  private refuse(request: IncomingMessage, socket: Duplex, rejection: UpgradeRejection): void {
    if (this.listenerCount('wsClientError') > 0) {
      const error = Object.assign(new Error(rejection.message), { code: rejection.code });
      this.emit('wsClientError', error, socket, request);
      return;
    }
    writeRefusal(socket, rejection.status, rejection.message, rejection.headers);
  }

  private emitClose(): void {
    this._state = CLOSED;
    this.emit('close');
  }
}

/**
 * Whether every origin the request claims is allowed: the Origin field (RFC 6455 section 4.1 item 8,
 * HTTP/2's origin field alike) and Sec-WebSocket-Origin, the name drafts up to version 8 used (ws reads
 * it for version 8). Each is checked by itself when present, so neither can vouch for the other.
 */
function originsAdmitted(allowList: OriginAllowList, rawHeaders: readonly string[]): boolean {
  const fields = HeaderFields.fromRawPairs(rawHeaders);
  return allowList.admits(fields.getAll('origin')) && allowList.admits(fields.getAll('sec-websocket-origin'));
}

export const SHUTDOWN_RULES: OptionRules<ShutdownOptions> = {
  // A code a close frame may carry (RFC 6455 section 7.4); encodeClosePayload checks which.
  code: isInteger(1000, 4999),
  reason: isString,
  timeoutMs: isMilliseconds({ allowZero: true }),
};

/** broadcast's and publish's `except`: one of the server's connections. */
const isWebSocket = rule('a WebSocket', (value) => (value instanceof WebSocket ? null : 'type'));

// Per-event signatures of EventEmitter's listener methods (types only: the methods are EventEmitter's),
// with the connection's class and the request's from the type parameters. Another event, or a listener
// typed otherwise, falls through to the untyped signature, as with ws's types.
export interface WebSocketServer<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage,
> {
  on<E extends keyof WebSocketServerEvents>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  on(event: string | symbol, listener: AnyListener<this>): this;
  once<E extends keyof WebSocketServerEvents>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  once(event: string | symbol, listener: AnyListener<this>): this;
  off<E extends keyof WebSocketServerEvents>(event: E, listener: Listener<this, WebSocketServerEvents<T, U>[E]>): this;
  off(event: string | symbol, listener: AnyListener<this>): this;
  addListener<E extends keyof WebSocketServerEvents>(
    event: E,
    listener: Listener<this, WebSocketServerEvents<T, U>[E]>,
  ): this;
  addListener(event: string | symbol, listener: AnyListener<this>): this;
  removeListener<E extends keyof WebSocketServerEvents>(
    event: E,
    listener: Listener<this, WebSocketServerEvents<T, U>[E]>,
  ): this;
  removeListener(event: string | symbol, listener: AnyListener<this>): this;
  prependListener<E extends keyof WebSocketServerEvents>(
    event: E,
    listener: Listener<this, WebSocketServerEvents<T, U>[E]>,
  ): this;
  prependListener(event: string | symbol, listener: AnyListener<this>): this;
  prependOnceListener<E extends keyof WebSocketServerEvents>(
    event: E,
    listener: Listener<this, WebSocketServerEvents<T, U>[E]>,
  ): this;
  prependOnceListener(event: string | symbol, listener: AnyListener<this>): this;
}

const kUpgraded = Symbol('wasmsocket upgraded');

/** The client's address as the per-address cap counts it (an HTTP/2 request's socket is its session's). */
function remoteAddressOf(request: IncomingMessage): string {
  return request.socket?.remoteAddress ?? '';
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function writeRefusal(socket: Duplex, status: number, message?: string, headers?: HeaderInput): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(refusalResponse({ status, message: message ?? STATUS_CODES[status], headers }));
}
