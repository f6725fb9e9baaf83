// The life of a reconnecting client, apart from any socket API: one attempt at a time, the backoff
// between attempts, the queue of messages sent meanwhile, and the decision to go on or give up. The Node
// face (src/node/reconnecting-websocket.ts) and the WHATWG face (reconnecting-websocket.ts) own the
// sockets and the events; they report what their current socket does and are called back through a
// ReconnectHost.
//
//   CONNECTING ──open──▶ OPEN ──ended, retry──▶ WAITING ──timer──▶ CONNECTING
//        └───────────ended, retry───────────────▲
//   CONNECTING, OPEN ──close()──▶ CLOSING ──ended──▶ CLOSED
//   CONNECTING, OPEN ──ended, give up──▶ CLOSED;  WAITING ──close()──▶ CLOSED
//
// A message queued while disconnected is handed to exactly one connection, the next that opens, before
// its 'open' event (so it goes before anything sent from an 'open' listener). Nothing is sent twice: if
// that connection drops before writing it, the socket reports the failure (the Node send callback), and
// the message is not queued again, since it may have reached the peer.

import { CloseCode } from '../codec/constants.js';
import { ErrorCode } from '../protocol/errors.js';
import { backoffDelay } from './reconnect-backoff.js';
import type { ReconnectCloseEvent, ResolvedReconnectOptions } from './reconnect-options.js';
import { SendQueue } from './reconnect-queue.js';

export const ReconnectState = {
  /** An attempt is opening. */
  CONNECTING: 'connecting',
  OPEN: 'open',
  /** Between attempts: the backoff timer runs. */
  WAITING: 'waiting',
  /** close() was called: the current socket is closing (or its opening being abandoned). */
  CLOSING: 'closing',
  /** For good: it gave up, or close() finished. */
  CLOSED: 'closed',
} as const;
export type ReconnectState = (typeof ReconnectState)[keyof typeof ReconnectState];

const LEGAL_MOVES: Readonly<Record<ReconnectState, readonly ReconnectState[]>> = {
  connecting: ['open', 'waiting', 'closing', 'closed'],
  open: ['waiting', 'closing', 'closed'],
  waiting: ['connecting', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** What the 'reconnecting' event carries: the attempt about to be made (1 for the first reconnection) and when. */
export interface ReconnectingDetails {
  readonly attempt: number;
  readonly delayMs: number;
}

/** How a socket ended, as its face reports it. */
export interface SocketEnd {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** What a face does for the reconnector. Called synchronously; event emitters may re-enter the reconnector. */
export interface ReconnectHost<S, M> {
  /** Creates the socket of a new attempt and listens to it. Throws what the socket's constructor throws. */
  connect(): S;
  /** Abandons an attempt that has not opened (connect timeout, close()); its end is still reported. */
  abort(socket: S): void;
  /** Sends a queued message on the socket that just opened. */
  send(socket: S, message: M): void;
  /** Queued messages that will never be sent, because it stopped (before 'close'). */
  unsent(messages: M[], end: ReconnectCloseEvent): void;
  /** An attempt failed or a connection reported an error. */
  error(error: Error | undefined): void;
  reconnecting(attempt: number, delayMs: number): void;
  open(socket: S): void;
  /** It stopped for good: gave up, or close() finished. Called once. */
  closed(end: ReconnectCloseEvent): void;
}

export class Reconnector<S, M> {
  readonly queue: SendQueue<M>;
  private readonly options: ResolvedReconnectOptions;
  private readonly host: ReconnectHost<S, M>;
  private currentState: ReconnectState = ReconnectState.CONNECTING;
  /** The latest attempt's socket (still set after it ended: faces read its url and protocol). */
  private socket: S | null = null;
  /** True once the latest socket has ended (its end is the last one reported). */
  private currentEnded = false;
  /** Attempts since the last open that failed: the number of the next reconnection, less one. */
  private failures = 0;
  /** The connect timer while CONNECTING, the backoff timer while WAITING. */
  private timer: unknown = null;
  /** Set when we abandoned the current attempt ourselves: the error its socket reports then is ours. */
  private abandoned = false;
  private attemptError: Error | undefined = undefined;
  private attemptStatus: number | undefined = undefined;

  constructor(options: ResolvedReconnectOptions, host: ReconnectHost<S, M>) {
    this.options = options;
    this.host = host;
    this.queue = new SendQueue<M>(options.maxQueuedBytes);
  }

  get state(): ReconnectState {
    return this.currentState;
  }

  /** The latest attempt's socket (null only before start). */
  get current(): S | null {
    return this.socket;
  }

  /** True while the latest socket is the open connection messages go to. */
  get connected(): boolean {
    return this.currentState === ReconnectState.OPEN && !this.currentEnded;
  }

  /** Makes the first attempt. What the socket's constructor throws (a bad URL or option) is thrown here. */
  start(): void {
    this.socket = this.host.connect();
    this.armConnectTimer();
  }

  /** The current socket opened: the queue goes out in order, then 'open'. */
  socketOpened(socket: S): void {
    if (socket !== this.socket || this.currentState !== ReconnectState.CONNECTING) return;
    this.clearTimer();
    this.move(ReconnectState.OPEN);
    this.failures = 0;
    for (const message of this.queue.takeAll()) this.host.send(socket, message);
    this.host.open(socket);
  }

  /**
   * The server refused the current attempt's opening handshake with `status`. With `error`, the face
   * ends the attempt itself (Node's 'unexpected-response'): that error is reported now, and the one its
   * socket reports on the way down is not.
   */
  socketRefused(socket: S, status: number, error?: Error): void {
    if (socket !== this.socket || this.currentEnded) return;
    this.attemptStatus = status;
    if (error === undefined) return;
    this.socketFailed(socket, error);
    this.abandoned = true;
  }

  /** The current socket reported an error (passed on, except the one our own abandoning causes). */
  socketFailed(socket: S, error: Error | undefined): void {
    if (socket !== this.socket || this.currentEnded || this.abandoned) return;
    this.attemptError ??= error;
    this.host.error(error);
  }

  /** The current socket ended: close() finishes, or it reconnects, or it gives up. */
  socketEnded(socket: S, end: SocketEnd): void {
    if (socket !== this.socket || this.currentEnded) return;
    this.currentEnded = true;
    this.clearTimer();
    const event: ReconnectCloseEvent = {
      code: end.code,
      reason: end.reason,
      wasClean: end.wasClean,
      ...(this.attemptStatus !== undefined && { status: this.attemptStatus }),
      ...(this.attemptError !== undefined && { error: this.attemptError }),
    };
    if (this.currentState === ReconnectState.CLOSING) this.finish(event);
    else this.decide(event);
  }

  /**
   * Stops for good. An open connection is ended by `endOpen` (the face's close or terminate); an attempt
   * still opening is abandoned; a pending backoff timer is cleared. 'close' follows, asynchronously.
   */
  close(endOpen: (socket: S) => void): void {
    const state = this.currentState;
    if (state === ReconnectState.CLOSING || state === ReconnectState.CLOSED) return;
    const socket = this.socket as S;
    if (state === ReconnectState.WAITING || this.currentEnded) {
      // No socket to wait for: the reconnecting client closes by itself.
      this.finish({ code: CloseCode.ABNORMAL_CLOSURE, reason: '', wasClean: false }, true);
      return;
    }
    this.clearTimer();
    this.move(ReconnectState.CLOSING);
    if (state === ReconnectState.OPEN) {
      endOpen(socket);
    } else {
      this.abandoned = true;
      this.host.abort(socket);
    }
  }

  private decide(event: ReconnectCloseEvent): void {
    let again = false;
    try {
      again = Boolean(this.options.shouldReconnect(event));
    } catch (error) {
      // The caller's function failed: stop rather than loop on an answer we do not have.
      this.host.error(error instanceof Error ? error : new Error(String(error)));
    }
    // shouldReconnect or an error listener may have called close().
    if (this.currentState === ReconnectState.CLOSED) return;
    if (!again || this.failures >= this.options.maxRetries) {
      this.finish(event);
      return;
    }
    this.failures++;
    const attempt = this.failures;
    const delayMs = backoffDelay(attempt, this.options, this.options.random);
    this.move(ReconnectState.WAITING);
    this.timer = this.options.timers.setTimeout(() => this.retry(), delayMs);
    this.host.reconnecting(attempt, delayMs);
  }

  private retry(): void {
    this.timer = null;
    if (this.currentState !== ReconnectState.WAITING) return;
    this.move(ReconnectState.CONNECTING);
    this.abandoned = false;
    this.attemptError = undefined;
    this.attemptStatus = undefined;
    let socket: S;
    try {
      socket = this.host.connect();
    } catch (error) {
      // The first attempt was made with the same arguments, so this is rare (a createConnection that
      // throws, say): count it as a failed attempt.
      const failure = error instanceof Error ? error : new Error(String(error));
      this.host.error(failure);
      // An 'error' listener may have called close() (and the state is no longer what it was above).
      if ((this.currentState as ReconnectState) === ReconnectState.CONNECTING) {
        this.decide({ code: CloseCode.ABNORMAL_CLOSURE, reason: '', wasClean: false, error: failure });
      }
      return;
    }
    this.socket = socket;
    this.currentEnded = false;
    this.armConnectTimer();
  }

  private armConnectTimer(): void {
    const timeoutMs = this.options.connectTimeoutMs;
    if (timeoutMs === 0) return;
    const socket = this.socket as S;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      if (socket !== this.socket || this.currentState !== ReconnectState.CONNECTING || this.currentEnded) return;
      const error = Object.assign(new Error(`The connection did not open within connectTimeoutMs (${timeoutMs} ms)`), {
        code: ErrorCode.CONNECT_TIMEOUT,
      });
      this.attemptError = error;
      this.abandoned = true;
      this.host.error(error);
      if (!this.currentEnded) this.host.abort(socket);
    }, timeoutMs);
  }

  /** CLOSED: the queue's messages are told they will not be sent, then 'close' (later: from close()). */
  private finish(event: ReconnectCloseEvent, later = false): void {
    this.clearTimer();
    this.move(ReconnectState.CLOSED);
    const unsent = this.queue.takeAll();
    const report = () => {
      if (unsent.length > 0) this.host.unsent(unsent, event);
      this.host.closed(event);
    };
    if (later) queueMicrotask(report);
    else report();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private move(next: ReconnectState): void {
    if (!LEGAL_MOVES[this.currentState].includes(next)) {
      throw new Error(`ReconnectingWebSocket: no move from ${this.currentState} to ${next}`);
    }
    this.currentState = next;
  }
}
