// What a Connection (connection.ts) is given and what it tells its transport: its options, the
// handler a transport implements, and the options of one send. Types only.

import type { ProtocolError } from '../codec/internal.js';
import type { DeflateSettings } from './deflate-codec.js';
import type { CopyBytes } from './frame-reader.js';
import type { Allocate, FrameRoom } from './frame-writer.js';
import type { RandomSource } from './random.js';

export interface ConnectionOptions {
  /** 'server' for the side that accepted the handshake, 'client' for the side that opened it. */
  role: 'server' | 'client';
  /** The most bytes a received message may carry (1009 beyond it); 0 for no limit. Default 100 MiB. */
  maxPayload?: number;
  /** The most frames one received message may have (1008 beyond it); 0 (the default) for no limit. */
  maxFragments?: number;
  /** Check that received text is UTF-8 (1007 otherwise). Default true. */
  validateUtf8?: boolean;
  /** Answer pings with pongs. Default true. */
  autoPong?: boolean;
  /** Cryptographically strong random bytes, for masking keys. Default: crypto.getRandomValues. */
  random?: RandomSource;
  /** Allocates outgoing frames (those not built in frameRoom) and assembled messages. Default: new Uint8Array. */
  allocate?: Allocate;
  /**
   * Room in a buffer the transport writes out itself, where small frames are built in place: such a
   * frame reaches handler.write as FRAME_IN_ROOM (frame-writer.ts), at once, before the next is built.
   */
  frameRoom?: FrameRoom;
  /** Copies received payloads out of shared memory. Default: Uint8Array.prototype.slice. */
  copyBytes?: CopyBytes;
  /** permessage-deflate, when the handshake negotiated it. */
  deflate?: DeflateSettings;
  /**
   * Deliver every data message in parts as its bytes arrive (handler.messagePart) instead of whole
   * (handler.message), so a message larger than memory can be consumed as a stream. maxPayload then
   * limits each streamed message.
   */
  streamMessages?: boolean;
}

/** What a connection tells its transport. Calls are synchronous, in wire order. */
export interface ConnectionHandler {
  /**
   * Bytes to send, in order (one frame may be two chunks). `done` is what the caller of send, ping, pong
   * or close passed along (a callback, say), handed back with the bytes it asked for.
   */
  write(chunks: Uint8Array[], done?: unknown): void;
  /**
   * A frame queued behind compression will never be written (the connection failed or was terminated
   * first): `done` is what its caller passed along, so the transport can report the failure.
   */
  discarded?(done: unknown): void;
  /** A complete message. `data` belongs to the handler. */
  message(data: Uint8Array, isBinary: boolean): void;
  /**
   * With streamMessages: the next part of a message, in order; `first` on its first part, `last` on its
   * final one (which may be empty). `data` belongs to the handler.
   */
  messagePart?(data: Uint8Array, isBinary: boolean, first: boolean, last: boolean): void;
  /**
   * A ping or pong. `data` is a view that may keep a whole socket read alive (up to 64 KiB for 125
   * bytes): copy it before letting it out of the handler (the reader does not, so a flood of pings that
   * nobody observes allocates nothing per ping).
   */
  ping(data: Uint8Array): void;
  pong(data: Uint8Array): void;
  /**
   * The peer's close frame arrived: its code (1005 when it had none) and reason. If we had not sent a
   * close frame, the echo has been written. Nothing more will be read. A server should now close the TCP
   * connection; a client should wait a while for the server to close it (section 7.1.1).
   */
  closed(code: number, reason: string): void;
  /**
   * The peer broke the protocol. A close frame with error.closeCode has been written (unless one was
   * sent before); nothing more will be read; the transport should close the TCP connection.
   */
  failed(error: ProtocolError): void;
}

/**
 * How Connection.send frames one message or one fragment of it. send reads it before returning and keeps
 * nothing of it, so a transport may reuse one object for every call (no allocation per message).
 */
export interface SendOptions {
  /** Binary (opcode 0x2) rather than text (0x1). Read on a message's first fragment only. */
  binary: boolean;
  /** The message's last fragment (default true); false starts or continues a fragmented message (5.4). */
  fin?: boolean | undefined;
  /** Mask the frame (default: as the role requires, a client masks, section 5.3). */
  mask?: boolean | undefined;
  /**
   * With permessage-deflate negotiated, compress the message when it reaches the threshold (default true).
   * Read on a message's first fragment only: RSV1 marks a message, not a frame (RFC 7692 section 6).
   */
  compress?: boolean | undefined;
}
