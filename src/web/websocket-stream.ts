// WebSocketStream (the WHATWG proposal, whatwg/websockets PR 48): a WebSocket whose messages are a
// ReadableStream and a WritableStream with real backpressure, over the sans-IO core and a socket from
// the runtime's connector. WebSocketStream.from(ws) gives a connection accepted by the Node server the
// same face, so one streams-based handler runs on both sides.

import { isValidWireCloseCode } from '../protocol/close-codes.js';
import { DEFAULT_READABLE_HIGH_WATER_MARK } from '../protocol/defaults.js';
import { checkOptions, isBoolean, type OptionRules, rule } from '../protocol/option-checks.js';
import type { Channel, ChannelEnd } from './channel.js';
import { InboundMessages, type IncomingMessage, type MessageStream } from './inbound-messages.js';
import { isNodeWebSocketLike, NodeWebSocketChannel, type NodeWebSocketLike } from './node-websocket-channel.js';
import { checkClientOptions, openSession, type WebClientOptions } from './open-session.js';
import { OutboundMessages, type OutgoingChunk } from './outbound-messages.js';
import { type CloseInfo, checkedCloseInfo, connectionError, WebSocketError } from './web-errors.js';
import { checkedProtocols, webSocketUrl } from './websocket-url.js';

/** Bytes queued on the readable side before the socket is no longer read (Node streams use 16-64 KiB). */
export { DEFAULT_READABLE_HIGH_WATER_MARK };

export interface StreamModeOptions {
  /**
   * Yield each message as { data: ReadableStream<Uint8Array>, isBinary } as its bytes arrive, instead of
   * whole (string or Uint8Array), so a message larger than memory can be consumed. maxPayload still
   * limits each message. Consume or cancel each message's stream: the next message waits for it.
   */
  streamMessages?: boolean;
  /** Bytes the readable (or a message's stream) may queue before the socket is no longer read. */
  readableHighWaterMark?: number;
}

export interface WebSocketStreamOptions extends WebClientOptions, StreamModeOptions {
  protocols?: string | string[];
  /** Aborts the opening handshake (not an open connection: use close()). */
  signal?: AbortSignal;
}

export interface WebSocketOpenInfo {
  /** Messages: string (text) and Uint8Array (binary), or MessageStream objects with streamMessages. */
  readable: ReadableStream<IncomingMessage | MessageStream>;
  /** Takes strings, BufferSources, and streams or async iterables of them (one fragmented message each). */
  writable: WritableStream<OutgoingChunk>;
  protocol: string;
  extensions: string;
}

export interface WebSocketCloseInfo {
  closeCode: number;
  reason: string;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((resolveWith, rejectWith) => {
    resolve = resolveWith;
    reject = rejectWith;
  });
  // A script that never looks at one of the two promises must not see an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const STREAM_MODE_RULES: OptionRules<StreamModeOptions> = {
  streamMessages: isBoolean,
  readableHighWaterMark: rule('a positive number of bytes', (value) => {
    if (typeof value !== 'number') return 'type';
    return value > 0 && Number.isFinite(value) ? null : 'range';
  }),
};

/** The WebSocketStream's own options (the client's are checked by checkClientOptions). */
export const WEB_SOCKET_STREAM_RULES: OptionRules<Omit<WebSocketStreamOptions, keyof WebClientOptions>> = {
  ...STREAM_MODE_RULES,
  // The WHATWG checks (SyntaxError DOMExceptions) are checkedProtocols'; this is the type only.
  protocols: rule('a string or an array of strings', (value) =>
    typeof value === 'string' || Array.isArray(value) ? null : 'type',
  ),
  signal: rule('an AbortSignal', (value) => (value instanceof AbortSignal ? null : 'type')),
};

/**
 * What WebSocketStream.from hands the constructor in place of a URL: an open channel to adopt instead of
 * connecting. Only this module can make one, so no caller of the public constructor can pass it.
 */
class Adoption {
  readonly channel: Channel;
  readonly url: string;

  constructor(channel: Channel, url: string) {
    this.channel = channel;
    this.url = url;
  }
}

export class WebSocketStream {
  readonly url: string;
  readonly opened: Promise<WebSocketOpenInfo>;
  readonly closed: Promise<WebSocketCloseInfo>;
  private readonly openedDeferred = deferred<WebSocketOpenInfo>();
  private readonly closedDeferred = deferred<WebSocketCloseInfo>();
  private readonly streamMessages: boolean;
  private readonly highWaterMark: number;
  private channel: Channel | null = null;
  /** Aborts the opening handshake (close() before open). */
  private readonly opening = new AbortController();
  private settled = false;

  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    this.opened = this.openedDeferred.promise;
    this.closed = this.closedDeferred.promise;
    if ((url as unknown) instanceof Adoption) {
      // From WebSocketStream.from (through adopting), which checked the options.
      const adoption = url as unknown as Adoption;
      this.streamMessages = options?.streamMessages === true;
      this.highWaterMark = options?.readableHighWaterMark ?? DEFAULT_READABLE_HIGH_WATER_MARK;
      this.url = adoption.url;
      this.adopt(adoption.channel);
      return;
    }
    // The standard's checks first (URL, then protocols: SyntaxError), then this library's options.
    const parsed = webSocketUrl(url);
    checkOptions(options, WEB_SOCKET_STREAM_RULES);
    const protocols = checkedProtocols(options?.protocols);
    const checked = checkClientOptions(options);
    const given = options ?? {};
    this.url = parsed.href;
    this.streamMessages = given.streamMessages === true;
    this.highWaterMark = given.readableHighWaterMark ?? DEFAULT_READABLE_HIGH_WATER_MARK;
    const signal = given.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail(signal.reason);
        return;
      }
      signal.addEventListener('abort', () => this.opening.abort(signal.reason), { once: true });
    }
    openSession(parsed, protocols, checked, this.streamMessages, this.opening.signal).then(
      (session) => this.adopt(session),
      (error) => this.fail(this.opening.signal.aborted ? this.opening.signal.reason : this.openingError(error)),
    );
  }

  /**
   * Wraps an open connection accepted by wasmsocket's Node server (WebSocketServer's 'connection'), or
   * any object with ws's API. With streamMessages, create the server with `streamMessages: true` too,
   * so that messages reach this stream in parts as they arrive rather than whole.
   */
  static from(ws: NodeWebSocketLike, options: StreamModeOptions = {}): WebSocketStream {
    if (!isNodeWebSocketLike(ws)) throw new TypeError('WebSocketStream.from takes a WebSocket of the Node API');
    checkOptions(options, STREAM_MODE_RULES);
    if (ws.readyState !== 1) {
      throw new DOMException(`The WebSocket is not open (readyState ${ws.readyState})`, 'InvalidStateError');
    }
    // biome-ignore lint/complexity/noThisInStatic: the class from() is called on makes the instance, so that a runtime entry's subclass (index.workerd.ts) makes instances of itself
    return this.adopting(new NodeWebSocketChannel(ws), String((ws as { url?: string }).url ?? ''), options);
  }

  /**
   * `from`'s factory: a stream around an open channel, of the class it is called on. Its constructor (a
   * subclass's passes it on) gets the Adoption in place of a URL.
   */
  private static adopting(
    this: typeof WebSocketStream,
    channel: Channel,
    url: string,
    options: StreamModeOptions,
  ): WebSocketStream {
    // The public constructor's type takes a URL; only this factory passes an Adoption in its place.
    return new this(new Adoption(channel, url) as unknown as string, options);
  }

  /**
   * Starts the closing handshake (before open: abandons the opening). InvalidAccessError for a code
   * other than 1000 or 3000-4999, SyntaxError for a reason over 123 UTF-8 bytes.
   */
  close(closeInfo: CloseInfo = {}): void {
    const { closeCode, reason } = checkedCloseInfo(closeInfo?.closeCode, closeInfo?.reason);
    if (this.channel === null) {
      if (!this.settled) {
        this.opening.abort(
          new WebSocketError('The WebSocketStream was closed before it opened', { closeCode, reason }),
        );
      }
      return;
    }
    this.channel.close(closeCode, reason);
  }

  private openingError(error: unknown): WebSocketError {
    const message = error instanceof Error ? error.message : String(error);
    return connectionError(`The WebSocket connection could not be opened: ${message}`, 1006, '', error);
  }

  private fail(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.openedDeferred.reject(reason);
    this.closedDeferred.reject(reason);
  }

  private adopt(channel: Channel): void {
    if (this.settled) {
      channel.abort();
      return;
    }
    this.channel = channel;
    const closeWith = (reason: unknown) => {
      if (reason instanceof WebSocketError) {
        // A WebSocketError the implementation made may carry a code that no close frame can (1006).
        const code = reason.closeCode ?? undefined;
        const sendable = code !== undefined && isValidWireCloseCode(code);
        channel.close(sendable ? code : undefined, sendable ? reason.reason : '');
      } else {
        channel.close();
      }
    };
    const inbound = new InboundMessages(channel, {
      streamMessages: this.streamMessages,
      highWaterMark: this.highWaterMark,
      onCancel: closeWith,
    });
    const outbound = new OutboundMessages(channel, { onClose: closeWith });
    channel.start({
      message: (data, isBinary) => inbound.message(data, isBinary),
      messagePart: (data, isBinary, first, last) => inbound.messagePart(data, isBinary, first, last),
      closing: () => inbound.closing(),
      ended: (end) => this.ended(end, inbound, outbound),
    });
    this.settled = true;
    this.openedDeferred.resolve({
      readable: inbound.readable,
      writable: outbound.writable,
      protocol: channel.protocol,
      extensions: channel.extensions,
    });
  }

  private ended(end: ChannelEnd, inbound: InboundMessages, outbound: OutboundMessages): void {
    const error = end.wasClean
      ? new WebSocketError('The WebSocket connection is closed')
      : connectionError(
          `The WebSocket connection closed uncleanly${end.error ? `: ${end.error.message}` : ''}`,
          end.code,
          end.reason,
          end.error,
        );
    inbound.ended(end, error);
    outbound.ended(end.wasClean, error);
    if (end.wasClean) this.closedDeferred.resolve({ closeCode: end.code, reason: end.reason });
    else this.closedDeferred.reject(error);
  }
}
