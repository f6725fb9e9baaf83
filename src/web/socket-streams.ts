// What the web transport runs over: a byte connection as a pair of web streams, and the connector that
// opens one for a URL. Every runtime with raw sockets hands out this shape (cloudflare:sockets connect(),
// Deno.Conn, a Node socket wrapped by src/node/web-connector.ts), so the transport above it is written once.

/** A connected byte stream (TCP, or TLS for wss:): bytes from the peer, and bytes to it. */
export interface SocketStreams {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

export interface ConnectOptions {
  /** Aborts the connection attempt (the WebSocketStream's signal, or the handshake timeout). */
  signal?: AbortSignal;
}

/**
 * Opens a TCP connection to the URL's host and port (80 and 443 by default: hostnameOf and portOf in
 * protocol/websocket-url.ts), with TLS for wss:. The
 * opening handshake then runs over it; the connector only moves bytes.
 */
export type Connector = (url: URL, options: ConnectOptions) => SocketStreams | Promise<SocketStreams>;
