// The types of the Node WebSocket's API, apart from the class (websocket.ts re-exports them): what
// send() takes and how it reports, its options, and the events with their listeners' arguments.

import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { DeflateSettings } from '../protocol/deflate-codec.js';
import type { Http2UpgradeResponse } from './http2-client.js';
import type { RawData } from './message-data.js';
import type { PreparedMessage } from './prepared.js';
import type { WebSocketServer } from './websocket-server.js';

/**
 * What send() takes, as ws does: text, bytes in any binary form (Buffer, ArrayBuffer, SharedArrayBuffer,
 * typed array, DataView, an array of byte values), a number (sent as its text), a Blob (read first, in
 * order) or a PreparedMessage. Anything else is a TypeError; a plain object must be serialized first.
 * RawData is listed so that echoing a received message (ws's README does) compiles as it does with ws.
 */
export type SendData =
  | string
  | number
  | ArrayBufferLike
  | ArrayBufferView
  | readonly number[]
  | Blob
  | PreparedMessage
  | RawData;

/** What publish() and broadcast() take: SendData but a Blob (these frame the message at once). */
export type PublishData = Exclude<SendData, Blob>;

/**
 * Learns whether a send (or ping, or pong) went out: no error (null) once written, else why not.
 * Declared as a method so that callbacks typed for ws, `(error?: Error) => void` or ping's
 * `(error: Error) => void`, are accepted as they are.
 */
export type SendCallback = { callback(error?: Error | null): void }['callback'];

/**
 * The events of a WebSocket and the arguments their listeners receive: ws's, and wasmsocket's own
 * 'drain' and 'message-stream'.
 */
export interface WebSocketEvents {
  open: [];
  message: [data: RawData, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
  /** The server's 101 response: an IncomingMessage (over HTTP/2, an Http2UpgradeResponse). */
  upgrade: [response: IncomingMessage | Http2UpgradeResponse];
  /** A redirect about to be followed (followRedirects): the new URL and the request for it. */
  redirect: [url: string, request: ClientRequest];
  /** A response other than 101; with a listener, the listener deals with it (ws's event). */
  'unexpected-response': [request: ClientRequest, response: IncomingMessage];
  /** What waited to be written has been: send() returned false before. */
  drain: [];
  /** With streamMessages: a data message as a Readable of its bytes, as they arrive. */
  'message-stream': [stream: Readable, isBinary: boolean];
}

export interface SendOptions {
  binary?: boolean | undefined;
  compress?: boolean | undefined;
  fin?: boolean | undefined;
  mask?: boolean | undefined;
}

/** What an opening handshake agreed on, handed to WebSocket._adopt with the socket or stream. */
export interface Agreement {
  /** The subprotocol chosen; none when absent or ''. */
  protocol?: string | undefined;
  /** The Sec-WebSocket-Extensions value agreed on (none when absent or ''), and the deflate settings it made. */
  extensions?: string | undefined;
  deflate?: DeflateSettings | undefined;
  /**
   * How to drop the transport abruptly when destroy() is not the right way: an HTTP/2 stream is reset
   * with CANCEL (RFC 8441 section 6), where destroy() would send NO_ERROR. Absent: destroy the socket.
   */
  abortTransport?: (() => void) | undefined;
  /**
   * How the server closes the transport first once the closing handshake is done, when ending our side
   * is not enough: an HTTP/2 stream is closed with RST_STREAM(NO_ERROR) after our END_STREAM. Absent: end only.
   */
  closeTransport?: (() => void) | undefined;
  /** The server that accepted the connection (for topics and its client list); absent for a client. */
  server?: WebSocketServer | undefined;
}
