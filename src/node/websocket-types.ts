// The types of the Node WebSocket's API, apart from the class (websocket.ts re-exports them): what
// send() takes and how it reports, its options, and the events with their listeners' arguments.

import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Http2UpgradeResponse } from './http2-client.js';
import type { RawData } from './message-data.js';
import type { PreparedMessage } from './prepared.js';

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
