// ReconnectingWebSocket for wasmsocket/web: the WHATWG WebSocket (an EventTarget) that opens a new
// connection when one drops, with exponential backoff and full jitter, and keeps what is sent while
// disconnected until the next connection opens. Built only on the public API of this package's WHATWG
// WebSocket; the life cycle is reconnector.ts, shared with the Node flavour.
//
// Choices (README, "A reconnecting client"):
// - send() while open goes straight to the socket. While not connected the message is queued (a copy
//   of its bytes, as the standard's send takes one); past maxQueuedBytes send() throws a
//   QuotaExceededError DOMException and queues nothing. The standard's send() has no callback, so if it
//   stops for good with messages still queued, one 'error' event (a ReconnectErrorEvent) counts them,
//   before 'close'. A message handed to a connection that then drops is not sent again.
// - The standard hides why an opening failed (no HTTP status, no error), so shouldReconnect sees code
//   1006 and no `status`: a server that answers 401 is asked again, with backoff, until maxRetries (or
//   a shouldReconnect of your own) stops it. The Node flavour sees the status.
// - 'error' is dispatched for every failed attempt and every connection that fails (a plain Event, as
//   the standard's), and 'close' only when it stops for good.

import { CloseEventClass, defineEventHandlers, MessageEventClass, type WebSocketMessageEvent } from './events.js';
import type { WebClientOptions } from './open-session.js';
import { ReconnectErrorEvent, ReconnectingEvent } from './reconnect-events.js';
import {
  checkReconnectOptions,
  type ReconnectCloseEvent,
  type ReconnectOptions,
  splitReconnectOptions,
} from './reconnect-options.js';
import { Reconnector, ReconnectState } from './reconnector.js';
import { checkedCloseInfo } from './web-errors.js';
import { type BinaryType, WebSocket } from './websocket.js';

/** ReconnectingWebSocket's options: the reconnecting ones and those of every attempt's WebSocket. */
export interface ReconnectingWebSocketOptions extends WebClientOptions, ReconnectOptions {}

type QueuedData = string | Uint8Array | Blob;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only types the listeners of inherited methods
export class ReconnectingWebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;
  declare onopen: ((this: ReconnectingWebSocket, event: Event) => unknown) | null;
  declare onmessage: ((this: ReconnectingWebSocket, event: WebSocketMessageEvent) => unknown) | null;
  declare onerror: ((this: ReconnectingWebSocket, event: Event) => unknown) | null;
  declare onclose: ((this: ReconnectingWebSocket, event: ReconnectingCloseEvent) => unknown) | null;
  declare onreconnecting: ((this: ReconnectingWebSocket, event: ReconnectingEvent) => unknown) | null;

  private readonly reconnector: Reconnector<WebSocket, QueuedData>;
  private readonly firstUrl: string;
  private binary: BinaryType = 'blob';
  private closedByUser = false;

  /** The WHATWG signature, plus this library's options (WebClientOptions) and the reconnecting ones. */
  constructor(url: string | URL, protocols?: string | string[], options: ReconnectingWebSocketOptions = {}) {
    super();
    const { own, socket } = splitReconnectOptions(options);
    const resolved = checkReconnectOptions(own);
    this.reconnector = new Reconnector<WebSocket, QueuedData>(resolved, {
      connect: () => this.connect(url, protocols, socket),
      abort: (attempt) => attempt.close(),
      send: (attempt, data) => attempt.send(data),
      unsent: (messages, end) => this.reportUnsent(messages, end),
      error: (error) =>
        this.dispatchEvent(
          error === undefined
            ? new Event('error')
            : new ReconnectErrorEvent('error', { error, message: error.message }),
        ),
      reconnecting: (attempt, delayMs) =>
        this.dispatchEvent(new ReconnectingEvent('reconnecting', { attempt, delayMs })),
      open: () => this.dispatchEvent(new Event('open')),
      closed: (end) =>
        this.dispatchEvent(
          new CloseEventClass('close', { code: end.code, reason: end.reason, wasClean: end.wasClean }),
        ),
    });
    // The first WebSocket checks the URL, the protocols and its options: what it throws, this throws.
    this.reconnector.start();
    this.firstUrl = (this.reconnector.current as WebSocket).url;
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
        return CLOSING;
      case ReconnectState.CLOSED:
        return CLOSED;
      default:
        return CONNECTING;
    }
  }

  get url(): string {
    return this.firstUrl;
  }

  /** The subprotocol of the current connection ('' between connections). */
  get protocol(): string {
    return this.betweenConnections() ? '' : (this.reconnector.current as WebSocket).protocol;
  }

  get extensions(): string {
    return '';
  }

  /** Bytes queued while disconnected, plus the current connection's bufferedAmount. */
  get bufferedAmount(): number {
    const queued = this.reconnector.queue.bytes;
    return this.betweenConnections() ? queued : queued + (this.reconnector.current as WebSocket).bufferedAmount;
  }

  get binaryType(): BinaryType {
    return this.binary;
  }

  /** Applies to the current connection and every later one (other values are ignored, as WebIDL says). */
  set binaryType(type: BinaryType) {
    if (type !== 'blob' && type !== 'arraybuffer') return;
    this.binary = type;
    (this.reconnector.current as WebSocket).binaryType = type;
  }

  /**
   * Sends now when connected; queues while not connected (QuotaExceededError past maxQueuedBytes);
   * after close() or once it gave up, does what the standard's send does on a closed socket (counts
   * the bytes in bufferedAmount, sends nothing).
   */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    const socket = this.reconnector.current as WebSocket;
    const state = this.reconnector.state;
    if (state === ReconnectState.CLOSING || state === ReconnectState.CLOSED) {
      socket.send(data);
      return;
    }
    if (this.reconnector.connected && socket.readyState === OPEN) {
      socket.send(data);
      return;
    }
    const queued = queuedData(data);
    const bytes =
      typeof queued === 'string' ? utf8Length(queued) : queued instanceof Blob ? queued.size : queued.length;
    const queue = this.reconnector.queue;
    if (!queue.offer(queued, bytes)) {
      throw new DOMException(
        `ReconnectingWebSocket: a message of ${bytes} bytes would take the queue of messages waiting for a ` +
          `connection (${queue.bytes} bytes) past maxQueuedBytes (${queue.limit}); it was not queued`,
        'QuotaExceededError',
      );
    }
  }

  /**
   * Stops for good: closes the connection (the standard's checks: InvalidAccessError, SyntaxError), or
   * abandons the attempt in progress, or cancels the next one. 'close' follows: the connection's code, or
   * 1006 when none was open.
   */
  close(code?: number, reason?: string): void {
    checkedCloseInfo(code, reason);
    this.closedByUser ||= this.reconnector.state !== ReconnectState.CLOSED;
    this.reconnector.close((socket) => socket.close(code, reason));
  }

  private betweenConnections(): boolean {
    const state = this.reconnector.state;
    return state === ReconnectState.CONNECTING || state === ReconnectState.WAITING;
  }

  private connect(url: string | URL, protocols: string | string[] | undefined, options: WebClientOptions): WebSocket {
    const socket = new WebSocket(url, protocols, options);
    const reconnector = this.reconnector;
    socket.binaryType = this.binary;
    socket.addEventListener('open', () => reconnector.socketOpened(socket));
    socket.addEventListener('error', () => reconnector.socketFailed(socket, undefined));
    socket.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as ReconnectingCloseEvent;
      reconnector.socketEnded(socket, { code, reason, wasClean });
    });
    socket.addEventListener('message', (event) => {
      if (reconnector.current !== socket) return;
      const { data, origin } = event as WebSocketMessageEvent;
      this.dispatchEvent(new MessageEventClass('message', { data, origin }));
    });
    return socket;
  }

  private reportUnsent(messages: QueuedData[], end: ReconnectCloseEvent): void {
    const why = this.closedByUser ? 'close() was called' : `it gave up after close code ${end.code}`;
    const count = messages.length;
    const message =
      `ReconnectingWebSocket: ${count} queued message${count === 1 ? ' was' : 's were'} not sent: ` +
      `${why} before a connection opened`;
    const error = new DOMException(message, 'AbortError');
    this.dispatchEvent(new ReconnectErrorEvent('error', { error, message }));
  }
}

/** The close event ('close' and the WHATWG WebSocket's close that ended an attempt). */
export interface ReconnectingCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** The events of a ReconnectingWebSocket and their classes. */
export interface ReconnectingWebSocketEventMap {
  open: Event;
  message: WebSocketMessageEvent;
  /** A plain Event for a failed attempt; a ReconnectErrorEvent where the library knows more. */
  error: Event;
  /** Only when it stops for good: it gave up, or close() finished. */
  close: ReconnectingCloseEvent;
  reconnecting: ReconnectingEvent;
}

// Typed listeners per event (declaration merging; EventTarget does the work).
export interface ReconnectingWebSocket {
  addEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: (this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: (this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** What send() keeps for later: text as it is, bytes copied (WebIDL turns anything else into a string). */
function queuedData(data: unknown): QueuedData {
  if (typeof data === 'string') return data;
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)
    return new Uint8Array(data).slice();
  return String(data);
}

/** The UTF-8 length of a string without encoding it (a lone surrogate becomes U+FFFD: 3 bytes). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

defineEventHandlers(ReconnectingWebSocket.prototype, ['open', 'message', 'error', 'close', 'reconnecting']);
for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(ReconnectingWebSocket.prototype, name, { value, enumerable: true });
}
