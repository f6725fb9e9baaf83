// The compressor a transport hands in for permessage-deflate (RFC 7692): the core frames and negotiates,
// the platform deflates (node:zlib in Node). Both operations may finish asynchronously; the connection
// keeps message order around them.

/** Reported when a message inflates past the size allowed: the connection closes with 1009. */
export class InflateLimitError extends Error {
  override name = 'InflateLimitError';
}

export type CodecCallback = (error: Error | null, output: Uint8Array[]) => void;

export interface DeflateCodec {
  /**
   * Compresses the next piece of an outgoing message. When `fin` ends the message, the output is flushed
   * and the trailing 00 00 FF FF of the sync flush removed (RFC 7692 section 7.2.1).
   */
  compress(data: Uint8Array, fin: boolean, callback: CodecCallback): void;
  /**
   * Inflates the next piece of a received compressed message; when `fin` ends it, 00 00 FF FF is appended
   * first (section 7.2.2). Must fail with InflateLimitError as soon as the message's output would pass
   * `limit` bytes (0: no limit), without producing more than that: the cap holds WHILE inflating.
   */
  decompress(data: Uint8Array, fin: boolean, limit: number, callback: CodecCallback): void;
  /** Frees what the codec holds; called when the connection ends. */
  dispose(): void;
}

/** What the connection needs of a negotiated permessage-deflate. */
export interface DeflateSettings {
  codec: DeflateCodec;
  /** Messages smaller than this are sent uncompressed (ws's threshold; default 1024). */
  threshold: number;
  /**
   * True when a message compressed elsewhere with a fresh 15-bit window may be sent as is: we are the
   * server, we never carry our window between messages (server_no_context_takeover), and the client
   * inflates with a 15-bit window. Otherwise the peer's window would not match what our own compressor
   * assumes, and prepared messages are compressed per connection instead.
   */
  takesPrecompressed: boolean;
}
