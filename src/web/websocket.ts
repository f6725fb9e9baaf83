// The WHATWG WebSocket (websockets.spec.whatwg.org) over the web-streams transport: for code written
// against the browser API that runs where there is no browser WebSocket to use, or where one wants this
// library's limits and codec. An EventTarget with open/message/error/close, binaryType 'blob' or
// 'arraybuffer', bufferedAmount, and the standard's argument checks.

import { CloseCode } from '../codec/constants.js';
import type { Channel, ChannelEnd } from './channel.js';
import {
  CloseEventClass,
  defineEventHandlers,
  type EventHandler,
  MessageEventClass,
  type WebSocketCloseEvent,
  type WebSocketMessageEvent,
} from './events.js';
import { decodeText, outgoingMessage, toArrayBuffer } from './message-data.js';
import { checkClientOptions, openSession, type WebClientOptions } from './open-session.js';
import { checkedCloseInfo } from './web-errors.js';
import { checkedProtocols, webSocketUrl } from './websocket-url.js';

export type BinaryType = 'blob' | 'arraybuffer';

type ReadyState = 0 | 1 | 2 | 3;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class WebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;
  declare onopen: EventHandler;
  declare onmessage: ((this: WebSocket, event: WebSocketMessageEvent) => unknown) | null;
  declare onerror: EventHandler;
  declare onclose: ((this: WebSocket, event: WebSocketCloseEvent) => unknown) | null;

  readonly url: string;
  private state: ReadyState = CONNECTING;
  private channel: Channel | null = null;
  private chosenProtocol = '';
  private binary: BinaryType = 'blob';
  /** Bytes sent after the connection closed (the standard counts them, and drops them). */
  private bufferedAfterClose = 0;
  /** Bytes of Blobs being read before they can be sent. */
  private bufferedBlobs = 0;
  /** Set while a Blob is being read: later sends wait behind it, so messages keep their order. */
  private sendChain: Promise<void> | null = null;
  private readonly opening = new AbortController();

  /** `options` is this library's addition (connector, headers, limits): see WebClientOptions. */
  constructor(url: string | URL, protocols?: string | string[], options: WebClientOptions = {}) {
    super();
    const parsed = webSocketUrl(url);
    this.url = parsed.href;
    const offered = checkedProtocols(protocols);
    const checked = checkClientOptions(options);
    openSession(parsed, offered, checked, false, this.opening.signal).then(
      (session) => this.opened(session),
      (error) => this.failedToOpen(error),
    );
  }

  get readyState(): ReadyState {
    return this.state;
  }

  get protocol(): string {
    return this.chosenProtocol;
  }

  get extensions(): string {
    return '';
  }

  get bufferedAmount(): number {
    return (this.channel?.bufferedAmount ?? 0) + this.bufferedBlobs + this.bufferedAfterClose;
  }

  get binaryType(): BinaryType {
    return this.binary;
  }

  set binaryType(type: BinaryType) {
    // An enumeration attribute ignores values outside it (WebIDL).
    if (type === 'blob' || type === 'arraybuffer') this.binary = type;
  }

  /** Sends a message: text for a string, binary for a BufferSource or Blob. InvalidStateError while connecting. */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (this.state === CONNECTING) throw new DOMException('The WebSocket is still connecting', 'InvalidStateError');
    const message = typeof Blob !== 'undefined' && data instanceof Blob ? null : outgoingMessage(data);
    if (message === null && !(typeof Blob !== 'undefined' && data instanceof Blob)) {
      // WebIDL converts anything else to a string.
      this.send(String(data));
      return;
    }
    const size = message === null ? (data as Blob).size : message.bytes.length;
    if (this.state !== OPEN) {
      this.bufferedAfterClose += size;
      return;
    }
    const channel = this.channel as Channel;
    if (message !== null && this.sendChain === null) {
      this.sendNow(channel, message.bytes, message.isBinary);
      return;
    }
    // A Blob is read asynchronously; it and every send after it go in order through the chain.
    this.bufferedBlobs += size;
    const previous = this.sendChain ?? Promise.resolve();
    const bytes =
      message === null
        ? (data as Blob).arrayBuffer().then((buffer) => new Uint8Array(buffer))
        : Promise.resolve(message.bytes);
    const isBinary = message === null ? true : message.isBinary;
    const chain: Promise<void> = previous
      .then(() => bytes)
      .then((payload) => {
        this.bufferedBlobs -= size;
        if (this.state === OPEN) this.sendNow(channel, payload, isBinary);
      })
      .catch(() => {
        this.bufferedBlobs -= size;
      })
      .finally(() => {
        if (this.sendChain === chain) this.sendChain = null;
      });
    this.sendChain = chain;
  }

  /**
   * Starts the closing handshake. InvalidAccessError for a code other than 1000 or 3000-4999, SyntaxError
   * for a reason over 123 UTF-8 bytes. While connecting, the connection is abandoned (error, then close).
   */
  close(code?: number, reason?: string): void {
    const checked = checkedCloseInfo(code, reason);
    if (this.state === CLOSING || this.state === CLOSED) return;
    if (this.state === CONNECTING) {
      this.state = CLOSING;
      this.opening.abort(
        new DOMException('The WebSocket was closed before the connection was established', 'AbortError'),
      );
      return;
    }
    this.state = CLOSING;
    (this.channel as Channel).close(checked.closeCode, checked.reason);
  }

  private sendNow(channel: Channel, bytes: Uint8Array, isBinary: boolean): void {
    // A failed write ends the connection, which the close event reports.
    channel.send(bytes, isBinary, true).catch(() => {});
  }

  private opened(channel: Channel): void {
    if (this.state !== CONNECTING) {
      channel.abort();
      return;
    }
    this.channel = channel;
    this.chosenProtocol = channel.protocol;
    this.state = OPEN;
    channel.start({
      message: (data, isBinary) => this.deliver(data, isBinary),
      messagePart: () => {},
      closing: () => {
        this.state = CLOSING;
      },
      ended: (end) => this.ended(end),
    });
    this.dispatchEvent(new Event('open'));
  }

  private deliver(data: Uint8Array, isBinary: boolean): void {
    if (this.state === CLOSED) return;
    const payload = !isBinary
      ? decodeText(data)
      : this.binary === 'arraybuffer'
        ? toArrayBuffer(data)
        : new Blob([data as Uint8Array<ArrayBuffer>]);
    this.dispatchEvent(new MessageEventClass('message', { data: payload, origin: new URL(this.url).origin }));
  }

  private failedToOpen(_error: unknown): void {
    this.ended({ code: CloseCode.ABNORMAL_CLOSURE, reason: '', wasClean: false, error: new Error('failed to open') });
  }

  private ended(end: ChannelEnd): void {
    this.state = CLOSED;
    this.bufferedAfterClose += this.channel?.bufferedAmount ?? 0;
    this.channel = null;
    // The standard fires error only when the connection failed, and never says why (a script must not
    // learn about the network from it).
    if (!end.wasClean) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(
      new CloseEventClass('close', {
        wasClean: end.wasClean,
        code: end.wasClean ? end.code : CloseCode.ABNORMAL_CLOSURE,
        reason: end.wasClean ? end.reason : '',
      }),
    );
  }
}

defineEventHandlers(WebSocket.prototype, ['open', 'message', 'error', 'close']);
for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
