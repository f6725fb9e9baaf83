// What WebSocketStream and WebSocket need from an open connection, whatever carries it: the web-streams
// session (session.ts) on the client side, or a connection accepted by the Node server
// (node-websocket-channel.ts). One interface, so one streams-based handler runs on either.

/** How a connection ended. */
export interface ChannelEnd {
  /** The peer's close code (1005 when its close frame had none), or 1006 when no close frame came. */
  code: number;
  reason: string;
  /** True when close frames went both ways and then the TCP connection closed (RFC 6455 section 7.1.4). */
  wasClean: boolean;
  /** What failed, when the connection did not close cleanly: a protocol error, a socket error... */
  error?: Error;
}

export interface ChannelEvents {
  /** A whole data message (unless streamMessages). */
  message(data: Uint8Array, isBinary: boolean): void;
  /** With streamMessages: the next part of a data message as its bytes arrive; `last` on its final part. */
  messagePart(data: Uint8Array, isBinary: boolean, first: boolean, last: boolean): void;
  /** The peer started the closing handshake (or answered ours): nothing more will be received. */
  closing(code: number, reason: string): void;
  /** The connection is over. Called once. */
  ended(end: ChannelEnd): void;
}

export interface Channel {
  readonly protocol: string;
  readonly extensions: string;
  /** Message bytes given to send() and not yet handed to the network. */
  readonly bufferedAmount: number;
  /**
   * A close frame has been sent or received: no data frame may follow it (RFC 6455 section 5.5.1), so
   * a send from now on would fail. The closing handshake may still be under way.
   */
  readonly closingStarted: boolean;
  /** Starts delivering events (messages that arrived before are delivered now). */
  start(events: ChannelEvents): void;
  /**
   * Sends a message, or a fragment of one (fin false, then more, the last with fin true). Resolves when
   * its bytes have been written to the socket; rejects when the connection closes first.
   */
  send(data: Uint8Array, isBinary: boolean, fin: boolean): Promise<void>;
  /** Starts the closing handshake; no code means an empty close frame (the peer sees 1005). */
  close(code?: number, reason?: string): void;
  /** Drops the connection without a closing handshake. */
  abort(reason?: unknown): void;
  /** Stops reading from the network until resumeReceiving (backpressure from a slow reader). */
  pauseReceiving(): void;
  resumeReceiving(): void;
}
