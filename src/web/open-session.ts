// Opening a client connection: the connector's socket, the opening handshake over it, then a session.
// Shared by WebSocketStream and WebSocket. The whole opening is bounded by handshakeTimeout and can be
// aborted by a signal; either way the socket is torn down and nothing is left reading.

import { DEFAULT_MAX_PAYLOAD, DEFAULT_WEB_HANDSHAKE_TIMEOUT_MS } from '../protocol/defaults.js';
import { assertFieldValue, type HeaderInput, headerPairs } from '../protocol/http-head-writer.js';
import {
  checkOptions,
  isByteLimit,
  isFunction,
  isInteger,
  isMilliseconds,
  isString,
  type OptionRule,
  type OptionRules,
  optionTypeError,
} from '../protocol/option-checks.js';
import { webRandom } from '../protocol/random.js';
import { clientHandshake } from './client-handshake.js';
import { runtimeConnector } from './runtime-connector.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, StreamSession } from './session.js';
import type { Connector } from './socket-streams.js';

/** How long the connection and the opening handshake may take by default. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = DEFAULT_WEB_HANDSHAKE_TIMEOUT_MS;

/** Options of the web client beyond the WHATWG ones (names and units as ws's where ws has them). */
export interface WebClientOptions {
  /** Opens the socket; default: the runtime's (workerd, Deno, Node). */
  connector?: Connector;
  /** More request header fields (Authorization, Cookie...). */
  headers?: HeaderInput;
  origin?: string;
  /** The most bytes one received message may carry (1009 beyond it); 0 for no limit. Default 100 MiB. */
  maxPayload?: number;
  /** Milliseconds the connection and opening handshake may take. Default 30 s. */
  handshakeTimeout?: number;
  /** Milliseconds to wait for the peer's closing handshake after ours. Default 30 s. */
  closeTimeout?: number;
  /** The largest response head, in bytes. Default 16 KiB. */
  maxHeadBytes?: number;
}

/**
 * `headers`: a record, or [name, value] pairs, whose names are tokens and values field text (RFC 7230
 * section 3.2). Read once, into checked pairs, so that a one-shot iterable is not used up by the check.
 */
function checkedHeaderPairs(value: unknown, name: string): Array<[string, string]> {
  if (typeof value !== 'object' || value === null) {
    throw optionTypeError(name, 'an object or an iterable of [name, value] pairs of header fields', value);
  }
  try {
    return headerPairs(value as HeaderInput);
  } catch (error) {
    throw new TypeError(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const isHeaderInput: OptionRule = {
  expected: 'an object or an iterable of [name, value] pairs of header fields',
  check(value, name) {
    // Only the type here: checkClientOptions reads the fields once, with checkedHeaderPairs.
    if (typeof value !== 'object' || value === null) throw optionTypeError(name, this.expected, value);
  },
};

/** `origin`: a string that can be a header field's value. */
const isOriginValue: OptionRule = {
  expected: 'a string',
  check(value, name) {
    isString.check(value, name);
    try {
      assertFieldValue('Origin', value as string);
    } catch (error) {
      throw new TypeError(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  },
};

export const WEB_CLIENT_RULES: OptionRules<WebClientOptions> = {
  connector: isFunction,
  headers: isHeaderInput,
  origin: isOriginValue,
  // 0: no limit.
  maxPayload: isByteLimit,
  handshakeTimeout: isMilliseconds({ allowZero: false }),
  closeTimeout: isMilliseconds({ allowZero: false }),
  // The head parser needs room for at least a status line's first bytes.
  maxHeadBytes: isInteger(4),
};

export interface CheckedClientOptions {
  connector: Connector | undefined;
  headers: HeaderInput | undefined;
  origin: string | undefined;
  maxPayload: number;
  handshakeTimeoutMs: number;
  closeTimeoutMs: number;
  maxHeadBytes: number | undefined;
}

/** Checks the options at construction, so that a bad one throws there rather than failing later. */
export function checkClientOptions(options: WebClientOptions | null | undefined): CheckedClientOptions {
  checkOptions(options, WEB_CLIENT_RULES);
  const given = options ?? {};
  return {
    connector: given.connector,
    headers: given.headers === undefined ? undefined : checkedHeaderPairs(given.headers, 'headers'),
    origin: given.origin,
    maxPayload: given.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    handshakeTimeoutMs: given.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    closeTimeoutMs: given.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS,
    maxHeadBytes: given.maxHeadBytes,
  };
}

/**
 * Connects and runs the opening handshake. Rejects with the abort signal's reason when `signal` aborts,
 * with a TimeoutError DOMException after handshakeTimeout, or with what failed (a HandshakeError, the
 * connector's error).
 */
export async function openSession(
  url: URL,
  protocols: readonly string[],
  options: CheckedClientOptions,
  streamMessages: boolean,
  signal: AbortSignal,
): Promise<StreamSession> {
  const connector = options.connector ?? runtimeConnector();
  const opening = new AbortController();
  const abort = (reason: unknown) => {
    if (!opening.signal.aborted) opening.abort(reason);
  };
  const onAbort = () => abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () =>
      abort(new DOMException(`The opening handshake took more than ${options.handshakeTimeoutMs} ms`, 'TimeoutError')),
    options.handshakeTimeoutMs,
  );
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  const tearDown = (reason: unknown) => {
    reader?.cancel(reason).catch(() => {});
    writer?.abort(reason).catch(() => {});
  };
  const onOpeningAborted = () => tearDown(opening.signal.reason);
  opening.signal.addEventListener('abort', onOpeningAborted, { once: true });
  try {
    if (signal.aborted) throw signal.reason;
    const streams = await connector(url, { signal: opening.signal });
    opening.signal.throwIfAborted();
    reader = streams.readable.getReader();
    writer = streams.writable.getWriter();
    const { protocol, rest } = await clientHandshake(reader, writer, {
      url,
      protocols,
      headers: options.headers,
      origin: options.origin,
      random: webRandom,
      maxHeadBytes: options.maxHeadBytes,
    });
    opening.signal.throwIfAborted();
    return new StreamSession(reader, writer, rest, {
      protocol,
      maxPayload: options.maxPayload,
      streamMessages,
      closeTimeoutMs: options.closeTimeoutMs,
      random: webRandom,
    });
  } catch (error) {
    // The abort's reason, not the read that the teardown cut short.
    const reason = opening.signal.aborted ? opening.signal.reason : error;
    tearDown(reason);
    throw reason;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    opening.signal.removeEventListener('abort', onOpeningAborted);
  }
}
