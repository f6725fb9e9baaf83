// Opening a client connection: the connector's socket, the opening handshake over it, then a session.
// Shared by WebSocketStream and WebSocket. The whole opening is bounded by handshakeTimeout and can be
// aborted by a signal; either way the socket is torn down and nothing is left reading.

import { DEFAULT_MAX_PAYLOAD } from '../protocol/connection.js';
import type { HeaderInput } from '../protocol/http-head-writer.js';
import { webRandom } from '../protocol/random.js';
import { clientHandshake } from './client-handshake.js';
import { runtimeConnector } from './runtime-connector.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, StreamSession } from './session.js';
import type { Connector } from './socket-streams.js';

/** How long the connection and the opening handshake may take by default. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

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

function checkedMilliseconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

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
export function checkClientOptions(options: WebClientOptions): CheckedClientOptions {
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (!Number.isSafeInteger(maxPayload) || maxPayload < 0) {
    throw new RangeError(`maxPayload must be a non-negative integer, got ${String(maxPayload)}`);
  }
  if (options.connector !== undefined && typeof options.connector !== 'function') {
    throw new TypeError('connector must be a function (url, { signal }) => { readable, writable }');
  }
  return {
    connector: options.connector,
    headers: options.headers,
    origin: options.origin,
    maxPayload,
    handshakeTimeoutMs: checkedMilliseconds('handshakeTimeout', options.handshakeTimeout, DEFAULT_HANDSHAKE_TIMEOUT_MS),
    closeTimeoutMs: checkedMilliseconds('closeTimeout', options.closeTimeout, DEFAULT_CLOSE_TIMEOUT_MS),
    maxHeadBytes: options.maxHeadBytes,
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
