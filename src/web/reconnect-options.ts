// The options of a reconnecting client (both faces: the Node one in src/node, the WHATWG one here), their
// defaults, and their checks at construction. Every other option of the constructor belongs to the
// socket it wraps and is passed on to each attempt (splitReconnectOptions).

import { CloseCode } from '../codec/constants.js';
import * as DEFAULTS from '../protocol/defaults.js';
import {
  checkOptions,
  hasMethods,
  isFunction,
  isInteger,
  isMilliseconds,
  type OptionRules,
  optionRangeError,
  rule,
} from '../protocol/option-checks.js';

/** What ended an attempt (or the connection it opened): what `shouldReconnect` decides on. */
export interface ReconnectCloseEvent {
  /** The close code (1006 when the connection failed or never opened). */
  readonly code: number;
  readonly reason: string;
  /** True when close frames went both ways. */
  readonly wasClean: boolean;
  /**
   * The HTTP status of a refused opening handshake (401, 429, 503...). Only the Node client can see it:
   * the WHATWG WebSocket does not tell a script why an opening failed, so the web client leaves it unset.
   */
  readonly status?: number;
  /** Why the attempt failed, where the socket says (Node: the 'error' it emitted; a connect timeout). */
  readonly error?: Error;
}

/** Timer functions, injectable so that tests of the backoff need not wait for real time. */
export interface ReconnectTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReconnectOptions {
  /** The cap of the first delay, in ms (default 1000). Each delay is drawn from 0 to its cap (full jitter). */
  minDelayMs?: number | undefined;
  /** The largest cap, in ms (default 30000, or minDelayMs if that is more); at least minDelayMs. */
  maxDelayMs?: number | undefined;
  /** How much the cap grows per attempt (default 1.5; at least 1). */
  factor?: number | undefined;
  /** Attempts in a row that may fail before it gives up (default Infinity; 0: never reconnect). */
  maxRetries?: number | undefined;
  /** How long one attempt may take to open, in ms (default 10000; 0: no limit of its own). */
  connectTimeoutMs?: number | undefined;
  /** Bytes of messages sent while disconnected that may wait for the next open (default 1 MiB). */
  maxQueuedBytes?: number | undefined;
  /** Whether to try again after an attempt or connection ended (default: defaultShouldReconnect). */
  shouldReconnect?: ((event: ReconnectCloseEvent) => boolean) | undefined;
  /** A number in [0, 1), for the jitter (default Math.random). */
  random?: (() => number) | undefined;
  /** setTimeout and clearTimeout (default the global ones). */
  timers?: ReconnectTimers | undefined;
}

export const DEFAULT_MIN_DELAY_MS = DEFAULTS.DEFAULT_RECONNECT_MIN_DELAY_MS;
export const DEFAULT_MAX_DELAY_MS = DEFAULTS.DEFAULT_RECONNECT_MAX_DELAY_MS;
export const DEFAULT_FACTOR = DEFAULTS.DEFAULT_RECONNECT_FACTOR;
export const DEFAULT_CONNECT_TIMEOUT_MS = DEFAULTS.DEFAULT_RECONNECT_CONNECT_TIMEOUT_MS;
export const DEFAULT_MAX_QUEUED_BYTES = DEFAULTS.DEFAULT_RECONNECT_MAX_QUEUED_BYTES;

/**
 * Reconnects unless the peer closed normally (1000) or for a policy violation (1008), or the server
 * refused the opening handshake with a 4xx status other than 429 (Too Many Requests): asking again with
 * the same request gets the same answer (401, 403, 404...). 429 and 5xx (503 among them) are worth
 * another try later.
 */
export function defaultShouldReconnect(event: ReconnectCloseEvent): boolean {
  if (event.code === CloseCode.NORMAL || event.code === CloseCode.POLICY_VIOLATION) return false;
  const status = event.status;
  return !(status !== undefined && status >= 400 && status < 500 && status !== 429);
}

const isFactor = rule('a finite number >= 1', (value) => {
  if (typeof value !== 'number') return 'type';
  return Number.isFinite(value) && value >= 1 ? null : 'range';
});

const isRetryCount = rule('an integer >= 0 or Infinity', (value) => {
  if (typeof value !== 'number') return 'type';
  return value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0) ? null : 'range';
});

export const RECONNECT_RULES: OptionRules<ReconnectOptions> = {
  // Not 0: a cap of 0 would retry at once, forever, with no backoff at all.
  minDelayMs: isMilliseconds({ allowZero: false }),
  maxDelayMs: isMilliseconds({ allowZero: false }),
  factor: isFactor,
  maxRetries: isRetryCount,
  connectTimeoutMs: isMilliseconds({ allowZero: true }),
  // 0: nothing waits; a send while disconnected fails at once.
  maxQueuedBytes: isInteger(0),
  shouldReconnect: isFunction,
  random: isFunction,
  timers: hasMethods('setTimeout', 'clearTimeout'),
};

export type ResolvedReconnectOptions = { readonly [K in keyof ReconnectOptions]-?: NonNullable<ReconnectOptions[K]> };

const RECONNECT_OPTION_NAMES = new Set<string>(Object.keys(RECONNECT_RULES));

/** The global timers, looked up when called (so fake timers installed later are used). */
const globalTimers: ReconnectTimers = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Checks the reconnecting options (TypeError or RangeError naming the option and value) and fills in defaults. */
export function checkReconnectOptions(options: ReconnectOptions): ResolvedReconnectOptions {
  checkOptions(options, RECONNECT_RULES);
  const minDelayMs = options.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
  const resolved: ResolvedReconnectOptions = {
    minDelayMs,
    // A minDelayMs above the default maxDelayMs raises it rather than being refused: only a maxDelayMs
    // given below minDelayMs is a mistake.
    maxDelayMs: options.maxDelayMs ?? Math.max(DEFAULT_MAX_DELAY_MS, minDelayMs),
    factor: options.factor ?? DEFAULT_FACTOR,
    maxRetries: options.maxRetries ?? Number.POSITIVE_INFINITY,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
    shouldReconnect: options.shouldReconnect ?? defaultShouldReconnect,
    random: options.random ?? Math.random,
    timers: options.timers ?? globalTimers,
  };
  if (resolved.maxDelayMs < resolved.minDelayMs) {
    throw optionRangeError('maxDelayMs', `at least minDelayMs (${resolved.minDelayMs})`, resolved.maxDelayMs);
  }
  return resolved;
}

/**
 * Splits a constructor's options into the reconnecting ones and the rest, which are the wrapped
 * socket's (a new object: the caller's is left alone). Anything but an object is passed on as it is, for
 * the socket's own check to refuse.
 */
export function splitReconnectOptions<T>(options: T): { own: ReconnectOptions; socket: T } {
  if (typeof options !== 'object' || options === null) return { own: {}, socket: options };
  const own: Record<string, unknown> = {};
  const socket: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (RECONNECT_OPTION_NAMES.has(name)) own[name] = value;
    else socket[name] = value;
  }
  return { own: own as ReconnectOptions, socket: socket as T };
}
