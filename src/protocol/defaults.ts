// Every default of a limit, a timer or a buffer size, in one place (each one is also an option: DESIGN.md,
// "every limit has a default and an option"). Where ws has the same option, its value is ws's, so that a
// drop-in behaves the same; units are in the names where they are not bytes. Here, below both transports,
// so that src/node and src/web take their defaults from one list (the README's limits table quotes it).

// Received messages (Connection, both transports).
/** maxPayload: the most bytes one received message may carry (1009 beyond it); ws's 100 MiB. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

// The opening handshake.
/** A server's maxHeaderSize: the largest request head, CRLF CRLF included (431 beyond it); Node's own 16 KiB. */
export const DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
/** A server's maxHeaderCount: the most header lines in a request head (431 beyond it). */
export const DEFAULT_MAX_HEADER_COUNT = 100;
/** A server's handshakeTimeout: a request head and verifyClient must finish within it (slow-loris heads). */
export const DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS = 10_000;
/** A web client's handshakeTimeout: connecting, TLS and the 101 response, all within it. */
export const DEFAULT_WEB_HANDSHAKE_TIMEOUT_MS = 30_000;

// The closing handshake.
/** closeTimeout: how long the peer has to finish the closing handshake before it is dropped; ws's 30 s. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

// permessage-deflate (RFC 7692) in Node.
/** threshold: messages smaller than this are sent uncompressed; ws's 1024 B. */
export const DEFAULT_DEFLATE_THRESHOLD = 1024;
/** concurrencyLimit: zlib operations running at once per process; ws's 10. */
export const DEFAULT_DEFLATE_CONCURRENCY_LIMIT = 10;

// A reconnecting client (ReconnectingWebSocket, src/web/reconnect-options.ts).
/** minDelayMs: the first backoff delay's upper bound (full jitter). */
export const DEFAULT_RECONNECT_MIN_DELAY_MS = 1000;
/** maxDelayMs: the largest backoff delay. */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
/** factor: how much the backoff's bound grows per attempt. */
export const DEFAULT_RECONNECT_FACTOR = 1.5;
/** connectTimeoutMs: how long one attempt may take to open. */
export const DEFAULT_RECONNECT_CONNECT_TIMEOUT_MS = 10_000;
/** maxQueuedBytes: the bytes of sends that may wait for the next connection. */
export const DEFAULT_RECONNECT_MAX_QUEUED_BYTES = 1024 * 1024;

// Buffers.
/** The bytes that may wait for one slow subscriber of publish/broadcast when maxBackpressure is unset. */
export const DEFAULT_PUBLISH_MAX_BACKPRESSURE = 16 * 1024 * 1024;
/** WebSocketStream's readableHighWaterMark: bytes queued before the socket is no longer read. */
export const DEFAULT_READABLE_HIGH_WATER_MARK = 64 * 1024;
