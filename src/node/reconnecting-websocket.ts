// ReconnectingWebSocket for Node: the ws-style WebSocket client (an EventEmitter, with the browser-style
// face too) that opens a new connection when one drops, with exponential backoff and full jitter, and
// keeps what is sent while disconnected until the next connection opens. Built only on the public API
// of WebSocket; the life cycle (attempts, backoff, queue) is src/web/reconnector.ts, shared with the
// WHATWG flavour of wasmsocket/web.
//
// Choices (README, "A reconnecting client"):
// - send() while open goes straight to the socket, with ws's return value and callback. While not
//   connected it is queued (its bytes copied, so the caller may reuse its buffer) and returns true;
//   past maxQueuedBytes it throws (WS_ERR_RECONNECT_QUEUE_FULL) and queues nothing. A queued send's
//   callback is handed to the socket with it: it runs when the bytes are written, or with an error if
//   that connection ends first (the message is not sent again: it may have arrived). If it stops for
//   good first, the callback gets WS_ERR_RECONNECT_STOPPED; queued messages without a callback are
//   counted in one 'error' of that code.
// - A failed attempt is not fatal, so 'error' is emitted only when something listens: a reconnecting
//   client never throws for want of an 'error' listener.
// - The status of a refused handshake comes from 'unexpected-response' (HTTP/1.1) or from the
//   HandshakeError's status (HTTP/2); your own 'unexpected-response' listeners are called with the
//   attempt's request and response, and the attempt is ended when they return.

import './client-handshake.js';
import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { encodeClosePayload } from '../protocol/connection.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  checkReconnectOptions,
  type ReconnectCloseEvent,
  type ReconnectOptions,
  splitReconnectOptions,
} from '../web/reconnect-options.js';
import { type ReconnectingDetails, Reconnector, ReconnectState } from '../web/reconnector.js';
import type { ClientOptions } from './client-handshake.js';
import { addEventListener, type CloseEvent, defineEventAttributes, removeEventListener } from './event-target.js';
import type { AnyListener, Listener } from './listener-types.js';
import { BINARY_TYPES, type BinaryType } from './message-data.js';
import { type QueuedSend, queuedSend } from './queued-send.js';
import { WebSocket } from './websocket.js';
import type { SendCallback, SendData, SendOptions, WebSocketEvents } from './websocket-types.js';

/** ReconnectingWebSocket's options: the reconnecting ones and those of every attempt's WebSocket. */
export interface ReconnectingWebSocketOptions extends ClientOptions, ReconnectOptions {}

/**
 * Events of the current socket passed on as they are. The socket listens for one only while this object
 * has listeners for it, since WebSocket acts on whether anyone listens: without a 'redirect' listener it
 * drops credentials on a redirect to another host, without a 'message-stream' listener it drains the
 * stream itself.
 */
const FORWARDED_EVENTS: ReadonlySet<string | symbol> = new Set([
  'message',
  'message-stream',
  'ping',
  'pong',
  'upgrade',
  'redirect',
  'drain',
]);

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only types the listeners of inherited methods
export class ReconnectingWebSocket extends EventEmitter {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  private readonly reconnector: Reconnector<WebSocket, QueuedSend>;
  private readonly address: string | URL;
  private readonly protocols: string | string[] | undefined;
  private readonly socketOptions: ClientOptions;
  private readonly firstUrl: string;
  private type: BinaryType = 'nodebuffer';
  private paused = false;
  private closedByUser = false;
  private lastWasClean = false;
  /** The current socket's listeners that pass its events on, by event name. */
  private forwarders = new Map<string | symbol, (...args: unknown[]) => void>();

  /** ws's signatures: (address, protocols?, options?) or (address, options). */
  constructor(
    address: string | URL,
    protocols?: string | string[] | ReconnectingWebSocketOptions,
    options?: ReconnectingWebSocketOptions,
  ) {
    super();
    if (protocols !== undefined && !Array.isArray(protocols) && typeof protocols === 'object' && protocols !== null) {
      options = protocols;
      protocols = undefined;
    }
    const { own, socket } = splitReconnectOptions(options ?? {});
    const resolved = checkReconnectOptions(own);
    this.address = address;
    this.protocols = protocols as string | string[] | undefined;
    this.socketOptions = socket;
    // 'newListener' comes before the listener is added, 'removeListener' after it is removed.
    this.on('newListener', (name: string | symbol) => this.forward(name));
    this.on('removeListener', (name: string | symbol) => {
      if (this.listenerCount(name) === 0) this.stopForwarding(name);
    });
    this.reconnector = new Reconnector<WebSocket, QueuedSend>(resolved, {
      connect: () => this.connect(),
      abort: (attempt) => attempt.terminate(),
      send: (attempt, queued) => this.flush(attempt, queued),
      unsent: (messages, end) => this.reportUnsent(messages, end),
      error: (error) => this.emitError(error),
      reconnecting: (attempt, delayMs) => this.emit('reconnecting', { attempt, delayMs } satisfies ReconnectingDetails),
      open: () => this.emit('open'),
      closed: (end) => {
        this.lastWasClean = end.wasClean;
        this.emit('close', end.code, Buffer.from(end.reason));
      },
    });
    // The first WebSocket checks the URL, the protocols and its options: what it throws, this throws.
    this.reconnector.start();
    this.firstUrl = (this.reconnector.current as WebSocket).url;
  }

  // The browser-style face (event-target.ts), defined on the prototype below, as on WebSocket.
  declare addEventListener: WebSocket['addEventListener'];
  declare removeEventListener: WebSocket['removeEventListener'];
  declare onopen: WebSocket['onopen'];
  declare onmessage: WebSocket['onmessage'];
  declare onclose: WebSocket['onclose'];
  declare onerror: WebSocket['onerror'];

  /** CloseEvent.wasClean for the browser-style face: of the close that ended it. */
  get _wasClean(): boolean {
    return this.lastWasClean;
  }

  /**
   * The current attempt's readyState: CONNECTING while an attempt opens or the next is scheduled, the
   * socket's own while connected, CLOSING after close(), CLOSED once it stopped for good.
   */
  get readyState(): 0 | 1 | 2 | 3 {
    switch (this.reconnector.state) {
      case ReconnectState.OPEN:
        return (this.reconnector.current as WebSocket).readyState;
      case ReconnectState.CLOSING:
        return WebSocket.CLOSING;
      case ReconnectState.CLOSED:
        return WebSocket.CLOSED;
      default:
        return WebSocket.CONNECTING;
    }
  }

  /** The URL every attempt connects to. */
  get url(): string {
    return this.firstUrl;
  }

  /** The subprotocol of the current connection ('' between connections). */
  get protocol(): string {
    return this.betweenConnections() ? '' : (this.reconnector.current as WebSocket).protocol;
  }

  get extensions(): string {
    return this.betweenConnections() ? '' : (this.reconnector.current as WebSocket).extensions;
  }

  /** Bytes queued while disconnected, plus the current connection's bufferedAmount. */
  get bufferedAmount(): number {
    const queued = this.reconnector.queue.bytes;
    return this.betweenConnections() ? queued : queued + (this.reconnector.current as WebSocket).bufferedAmount;
  }

  get binaryType(): BinaryType {
    return this.type;
  }

  /** Applies to the current connection and every later one (an unknown type is ignored, as ws does). */
  set binaryType(type: BinaryType) {
    if (!BINARY_TYPES.includes(type)) return;
    this.type = type;
    (this.reconnector.current as WebSocket).binaryType = type;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Sends now when connected (ws's send: returns false when the socket's buffer is past its high-water
   * mark); queues while not connected (returns true; throws when the queue would pass maxQueuedBytes);
   * after close() or once it gave up, reports to `cb` as ws does for a closed socket.
   */
  send(data?: SendData | null, cb?: SendCallback): boolean;
  send(data: SendData | null | undefined, options: SendOptions, cb?: SendCallback): boolean;
  send(data?: unknown, options?: SendOptions | SendCallback, cb?: SendCallback): boolean {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    const socket = this.reconnector.current as WebSocket;
    const state = this.reconnector.state;
    const now = state === ReconnectState.CLOSING || state === ReconnectState.CLOSED || this.connectedNow(socket);
    // WebSocket.send checks the data's type itself.
    if (now) return socket.send(data as SendData, options ?? {}, cb);
    // Connecting, waiting, or the connection is going down: for the next one.
    const queued = queuedSend(data, options, cb);
    const queue = this.reconnector.queue;
    if (!queue.offer(queued, queued.bytes)) {
      const limit = queue.limit;
      throw Object.assign(
        new Error(
          `ReconnectingWebSocket: a message of ${queued.bytes} bytes would take the queue of messages waiting ` +
            `for a connection (${queue.bytes} bytes) past maxQueuedBytes (${limit}); it was not queued`,
        ),
        { code: ErrorCode.RECONNECT_QUEUE_FULL },
      );
    }
    return true;
  }

  /** ping and pong go to the current socket (which throws while it connects, and reports to `cb` once closed). */
  ping(cb?: SendCallback): void;
  ping(data?: SendData | null, mask?: boolean, cb?: SendCallback): void;
  ping(data: SendData | null | undefined, cb: SendCallback): void;
  ping(data?: unknown, mask?: boolean | SendCallback, cb?: SendCallback): void {
    (this.reconnector.current as WebSocket).ping(data as SendData, mask as boolean, cb);
  }

  pong(cb?: SendCallback): void;
  pong(data?: SendData | null, mask?: boolean, cb?: SendCallback): void;
  pong(data: SendData | null | undefined, cb: SendCallback): void;
  pong(data?: unknown, mask?: boolean | SendCallback, cb?: SendCallback): void {
    (this.reconnector.current as WebSocket).pong(data as SendData, mask as boolean, cb);
  }

  /**
   * Stops for good: closes the connection with `code` and `reason` (checked as ws checks them), or
   * abandons the attempt in progress, or cancels the next one. 'close' follows: the connection's code, or
   * 1006 when there was none open.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (code !== undefined) {
      encodeClosePayload(
        code,
        reason === undefined ? '' : Buffer.isBuffer(reason) ? reason.toString() : String(reason),
      );
    }
    this.closedByUser ||= this.reconnector.state !== ReconnectState.CLOSED;
    this.reconnector.close((socket) => socket.close(code, reason));
  }

  /** Stops for good, dropping the connection without a closing handshake. */
  terminate(): void {
    this.closedByUser ||= this.reconnector.state !== ReconnectState.CLOSED;
    this.reconnector.close((socket) => socket.terminate());
  }

  /** Stops reading, now and on every later connection, until resume(). */
  pause(): void {
    this.paused = true;
    if (this.reconnector.connected) (this.reconnector.current as WebSocket).pause();
  }

  resume(): void {
    this.paused = false;
    if (this.reconnector.connected) (this.reconnector.current as WebSocket).resume();
  }

  /** True while `socket` is the open connection sends go to. */
  private connectedNow(socket: WebSocket): boolean {
    return this.reconnector.connected && socket.readyState === WebSocket.OPEN;
  }

  private betweenConnections(): boolean {
    const state = this.reconnector.state;
    return state === ReconnectState.CONNECTING || state === ReconnectState.WAITING;
  }

  private connect(): WebSocket {
    const socket = new WebSocket(this.address, this.protocols, this.socketOptions);
    const reconnector = this.reconnector;
    socket.binaryType = this.type;
    socket.on('open', () => {
      if (this.paused) socket.pause();
      reconnector.socketOpened(socket);
    });
    // Always listened to: a socket's error never throws; the reconnector passes it on.
    socket.on('error', (error: Error & { code?: unknown; status?: unknown; responseStatus?: unknown }) => {
      // HTTP/2 reports a refused extended CONNECT as a HandshakeError carrying the status.
      if (error.code === ErrorCode.UNEXPECTED_RESPONSE) {
        const status = error.responseStatus ?? error.status;
        if (typeof status === 'number') reconnector.socketRefused(socket, status);
      }
      reconnector.socketFailed(socket, error);
    });
    socket.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) =>
      this.onUnexpectedResponse(socket, request, response),
    );
    socket.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as CloseEvent;
      reconnector.socketEnded(socket, { code, reason, wasClean });
    });
    this.forwarders = new Map();
    for (const name of FORWARDED_EVENTS) if (this.listenerCount(name) > 0) this.forward(name, socket);
    return socket;
  }

  /** Makes `socket` (the current one) pass `name` events on, if it is one of FORWARDED_EVENTS. */
  private forward(name: string | symbol, socket = this.reconnector?.current): void {
    if (!FORWARDED_EVENTS.has(name) || socket == null || this.forwarders.has(name)) return;
    const forwarder = (...args: unknown[]) => {
      if (this.reconnector.current === socket) this.emit(name, ...args);
    };
    this.forwarders.set(name, forwarder);
    socket.on(name, forwarder);
  }

  private stopForwarding(name: string | symbol): void {
    const forwarder = this.forwarders.get(name);
    if (forwarder === undefined) return;
    this.forwarders.delete(name);
    this.reconnector.current?.removeListener(name, forwarder);
  }

  /** HTTP/1.1: the server answered the upgrade with another status. */
  private onUnexpectedResponse(socket: WebSocket, request: ClientRequest, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    const error = Object.assign(new Error(`Unexpected server response: ${status}`), {
      code: ErrorCode.UNEXPECTED_RESPONSE,
      status,
    });
    this.reconnector.socketRefused(socket, status, error);
    try {
      if (this.reconnector.current === socket) this.emit('unexpected-response', request, response);
    } finally {
      // ws leaves ending the request to a listener of this event; the listener here is ours.
      socket.terminate();
    }
  }

  private flush(socket: WebSocket, queued: QueuedSend): void {
    try {
      socket.send(queued.data as SendData, queued.options ?? {}, queued.cb);
    } catch (error) {
      // The data was checked when queued; whatever still goes wrong goes where a send's failure goes.
      if (queued.cb) process.nextTick(queued.cb, error as Error);
      else this.emitError(error as Error);
    }
  }

  private reportUnsent(messages: QueuedSend[], end: ReconnectCloseEvent): void {
    const why = this.closedByUser
      ? 'close() was called'
      : `it gave up after close code ${end.code}${end.status === undefined ? '' : ` (HTTP status ${end.status})`}`;
    const error = Object.assign(
      new Error(`ReconnectingWebSocket: the message was not sent: ${why} before a connection opened`),
      { code: ErrorCode.RECONNECT_STOPPED },
    );
    let withoutCallback = 0;
    for (const { cb } of messages) {
      if (cb === undefined) {
        withoutCallback++;
        continue;
      }
      try {
        cb(error);
      } catch (thrown) {
        process.nextTick(() => {
          throw thrown;
        });
      }
    }
    if (withoutCallback > 0) {
      this.emitError(
        Object.assign(
          new Error(
            `ReconnectingWebSocket: ${withoutCallback} queued message${withoutCallback === 1 ? ' was' : 's were'} ` +
              `not sent: ${why} before a connection opened`,
          ),
          { code: ErrorCode.RECONNECT_STOPPED, unsent: withoutCallback },
        ),
      );
    }
  }

  private emitError(error: Error | undefined): void {
    if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/**
 * The events of a ReconnectingWebSocket and the arguments their listeners receive: WebSocket's, passed on
 * from the current connection, and 'reconnecting'. 'close' comes only when it stops for good; 'error'
 * only while someone listens.
 */
export interface ReconnectingWebSocketEvents extends WebSocketEvents {
  /** A connection ended (or an attempt failed) and attempt `attempt` starts in `delayMs` ms. */
  reconnecting: [details: ReconnectingDetails];
}

// Typed listeners per event, as WebSocket declares them (declaration merging; EventEmitter does the work).
export interface ReconnectingWebSocket {
  on<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  on(event: string | symbol, listener: AnyListener<this>): this;
  once<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  once(event: string | symbol, listener: AnyListener<this>): this;
  off<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  off(event: string | symbol, listener: AnyListener<this>): this;
  addListener<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  addListener(event: string | symbol, listener: AnyListener<this>): this;
  removeListener<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  removeListener(event: string | symbol, listener: AnyListener<this>): this;
  prependListener<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  prependListener(event: string | symbol, listener: AnyListener<this>): this;
  prependOnceListener<E extends keyof ReconnectingWebSocketEvents>(
    event: E,
    listener: Listener<this, ReconnectingWebSocketEvents[E]>,
  ): this;
  prependOnceListener(event: string | symbol, listener: AnyListener<this>): this;
}

Object.assign(ReconnectingWebSocket.prototype, { addEventListener, removeEventListener });
for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) {
  Object.defineProperty(ReconnectingWebSocket, name, { value, enumerable: true, writable: false, configurable: false });
  Object.defineProperty(ReconnectingWebSocket.prototype, name, { value, enumerable: true });
}
defineEventAttributes(ReconnectingWebSocket.prototype);
