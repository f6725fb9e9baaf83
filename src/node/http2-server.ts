// WebSockets on an HTTP/2 server (RFC 8441): a WebSocketServer attached to a node:http2 server answers
// each extended CONNECT stream (`:method CONNECT`, `:protocol websocket`) with 200 after the same checks
// an HTTP/1.1 upgrade gets (limits, version 13, path, verifyClient, subprotocol, permessage-deflate: the
// path both share is upgrade-acceptance.ts), then runs the same protocol core over the stream, which is a
// Duplex like a socket. This file keeps what only HTTP/2 does: finding WebSocket streams on a server,
// checking an extended CONNECT, and answering with stream.respond.
//
// Every other stream is left to the application's own 'stream' and 'request' handlers. One thing needs
// care: a server created with a request handler runs Node's compatibility layer, which answers every
// CONNECT stream itself (405) unless the server has a 'connect' listener; the listener installed here
// keeps it from answering ours, and answers 405 for other CONNECTs when it is the only listener, as Node
// would have.
//
// Closing maps as RFC 8441 section 6 says: the end of the closing handshake ends the stream (END_STREAM,
// as TCP's FIN), and an abrupt end (terminate, closeTimeout) resets it with CANCEL, as TCP's RST.

import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2Constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { CONNECT_SUCCESS_STATUS, http2FieldsOf, PseudoHeader } from '../protocol/handshake-extended-connect.js';
import {
  connectResponseFields,
  isWebSocketConnect,
  validateConnectRequest,
} from '../protocol/handshake-extended-connect-server.js';
import { computeAccept } from '../protocol/handshake-key.js';
import { HeaderFields } from '../protocol/header-fields.js';
import type { HeaderInput } from '../protocol/http-head-writer.js';
import { HttpStatus } from '../protocol/http-status.js';
import { addFields, closeStreamAfterEnd, rawPairsOf, resetStream } from './http2-stream.js';
import { sha1 } from './platform.js';
import type { AcceptedCallback, UpgradeCheck, UpgradeTransport } from './upgrade-acceptance.js';
import type { WebSocketServer } from './websocket-server.js';

export type AnyHttp2Server = Http2Server | Http2SecureServer;

const EMPTY_BUFFER = Buffer.alloc(0);

/** RFC 9113 section 8.3.2: a :status must be three digits; Node accepts 200-599 in a final response. */
const FINAL_STATUS_MIN = 200;
const FINAL_STATUS_MAX = 599;

let http2ServerPrototypes: object[] | null = null;

/** True for a server from http2.createServer or http2.createSecureServer (or a subclass). */
export function isHttp2Server(server: unknown): server is AnyHttp2Server {
  if (typeof server !== 'object' || server === null) return false;
  if (http2ServerPrototypes === null) {
    // node:http2 does not export its server classes; an unstarted server of each kind shows their prototypes.
    http2ServerPrototypes = [Object.getPrototypeOf(createServer()), Object.getPrototypeOf(createSecureServer())];
  }
  return http2ServerPrototypes.some((prototype) => Object.prototype.isPrototypeOf.call(prototype, server));
}

/** True when a stream's headers are a WebSocket's extended CONNECT: a 'stream' handler can skip those. */
export function isWebSocketStream(headers: IncomingHttpHeaders): boolean {
  return isWebSocketConnect(
    headers[PseudoHeader.METHOD] as string | undefined,
    headers[PseudoHeader.PROTOCOL] as string | undefined,
  );
}

/** The WebSocketServers attached to one HTTP/2 server, and the listeners they share. */
interface Attachment {
  servers: WebSocketServer[];
  remove(): void;
}

const attachments = new WeakMap<AnyHttp2Server, Attachment>();

/**
 * Lets `wss` take WebSocket streams on `server`; returns the function that detaches it. Turns on
 * SETTINGS_ENABLE_CONNECT_PROTOCOL for sessions opened from now on (RFC 8441 section 3): without it a
 * client may not send an extended CONNECT. Several WebSocketServers with different `path`s can share a
 * server: a stream goes to the first whose shouldHandle() takes it, and one no server takes is refused
 * (400) as an HTTP/1.1 upgrade would be.
 */
export function attachToHttp2Server(wss: WebSocketServer, server: AnyHttp2Server): () => void {
  server.updateSettings({ enableConnectProtocol: true });
  let attachment = attachments.get(server);
  if (attachment === undefined) {
    const servers: WebSocketServer[] = [];
    const onStream = (
      stream: ServerHttp2Stream,
      headers: IncomingHttpHeaders,
      _flags: number,
      rawHeaders: string[] | undefined,
    ) => {
      if (!isWebSocketStream(headers) || servers.length === 0) return;
      const request = new Http2ServerRequest(stream, headers, {}, rawHeaders ?? rawPairsOf(headers));
      const asIncoming = request as unknown as IncomingMessage;
      const target = servers.find((each) => each.shouldHandle(asIncoming)) ?? servers[0];
      acceptWebSocketStream(target, stream, request, (ws, req) => target.emit('connection', ws, req));
    };
    const onConnect = (request: Http2ServerRequest, response: Http2ServerResponse) => {
      if (isWebSocketStream(request.headers)) return;
      if (server.listenerCount('connect') === 1) {
        response.statusCode = HttpStatus.METHOD_NOT_ALLOWED;
        response.end();
      }
    };
    server.on('stream', onStream);
    server.on('connect', onConnect);
    const created: Attachment = {
      servers,
      remove() {
        server.removeListener('stream', onStream);
        server.removeListener('connect', onConnect);
        attachments.delete(server);
      },
    };
    attachments.set(server, created);
    attachment = created;
  }
  attachment.servers.push(wss);
  const shared = attachment;
  return () => {
    const index = shared.servers.indexOf(wss);
    if (index !== -1) shared.servers.splice(index, 1);
    if (shared.servers.length === 0) shared.remove();
  };
}

/**
 * Completes (or refuses) one WebSocket over an HTTP/2 stream for `wss`, from the 'stream' event's
 * arguments: what WebSocketServer.handleHttp2Stream does for noServer users.
 */
export function handleHttp2Stream(
  wss: WebSocketServer,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: string[] | undefined,
  cb: AcceptedCallback,
): void {
  const request = new Http2ServerRequest(stream, headers, {}, rawHeaders ?? rawPairsOf(headers));
  acceptWebSocketStream(wss, stream, request, cb);
}

/**
 * The server's half of RFC 8441 section 5 on one stream, through the path HTTP/1.1 upgrades take too
 * (upgrade-acceptance.ts). The request handed to verifyClient, handleProtocols, 'headers' and
 * 'connection' is Node's Http2ServerRequest: `headers`, `url` (the :path), `method` ('CONNECT'),
 * `httpVersion` ('2.0'), `socket` and `stream`, as IncomingMessage has most of them.
 */
function acceptWebSocketStream(
  wss: WebSocketServer,
  stream: ServerHttp2Stream,
  request: Http2ServerRequest,
  cb: AcceptedCallback,
): void {
  wss._acceptUpgrade(request as unknown as IncomingMessage, new Http2Upgrade(stream, request), cb);
}

/** What accepting a WebSocket over HTTP/2 does that HTTP/1.1 does not. */
class Http2Upgrade implements UpgradeTransport {
  readonly duplex: ServerHttp2Stream;
  readonly head = EMPTY_BUFFER;
  /** An abrupt end resets the stream with CANCEL, as TCP's RST would end a socket (RFC 8441 section 6). */
  readonly abortTransport: () => void;
  /** After the closing handshake the server closes the stream first (closeStreamAfterEnd). */
  readonly closeTransport: () => void;
  private readonly request: Http2ServerRequest;

  constructor(stream: ServerHttp2Stream, request: Http2ServerRequest) {
    this.duplex = stream;
    this.request = request;
    this.abortTransport = () => resetStream(stream);
    this.closeTransport = () => closeStreamAfterEnd(stream);
    // Until the WebSocket takes the stream over, a stream error (the client reset it) only ends it.
    stream.on('error', ignoreStreamError);
  }

  get secure(): boolean {
    return this.duplex.session?.encrypted === true;
  }

  get gone(): boolean {
    const stream = this.duplex;
    return stream.destroyed || stream.closed || !stream.writable;
  }

  check(): UpgradeCheck {
    return validateConnectRequest(HeaderFields.fromRawPairs(this.request.rawHeaders));
  }

  assertUnanswered(): void {
    if (this.duplex.headersSent) throw new Error('handleHttp2Stream() was called more than once with the same stream');
  }

  refuse(status: number, message?: string, headers?: HeaderInput): void {
    respondRefusal(this.duplex, status, message, headers);
  }

  acceptLines(key: string | undefined, protocol: string | undefined, extensions: string | undefined): string[] {
    const fields = connectResponseFields({
      protocol,
      extensions,
      // Not part of RFC 8441; answered only to a client that sent a key, for those that check it (undici 7).
      accept: key === undefined ? undefined : computeAccept(key, sha1),
    });
    // ws's 'headers' event hands listeners the response as lines to edit; over HTTP/2 the first line is
    // only a status line for show, and the others become the HEADERS frame's fields.
    return [`HTTP/2 ${CONNECT_SUCCESS_STATUS}`, ...fields.slice(1).map(([name, value]) => `${name}: ${value}`)];
  }

  accept(lines: string[]): void {
    const responseHeaders: OutgoingHttpHeaders = { [PseudoHeader.STATUS]: CONNECT_SUCCESS_STATUS };
    addFields(responseHeaders, http2FieldsOf(linePairs(lines.slice(1))));
    this.duplex.respond(responseHeaders, { endStream: false });
    this.duplex.removeListener('error', ignoreStreamError);
  }
}

/**
 * Answers a refused extended CONNECT with a status and a plain-text body. A status HTTP/2 cannot carry
 * as a final response (1xx, or above 599, which ws lets verifyClient pick) is answered 400.
 */
export function respondRefusal(
  stream: ServerHttp2Stream,
  status: number,
  message?: string,
  headers?: HeaderInput,
): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    resetStream(stream);
    return;
  }
  const finalStatus =
    Number.isInteger(status) && status >= FINAL_STATUS_MIN && status <= FINAL_STATUS_MAX
      ? status
      : HttpStatus.BAD_REQUEST;
  const body = message || STATUS_CODES[finalStatus] || '';
  const responseHeaders: OutgoingHttpHeaders = {
    [PseudoHeader.STATUS]: finalStatus,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  let extra: Array<[string, string]> = [];
  try {
    extra = http2FieldsOf(headers);
  } catch {
    // Headers a verifyClient callback got wrong do not keep the refusal from being sent.
  }
  addFields(
    responseHeaders,
    extra.filter(([name]) => name !== 'content-length'),
  );
  stream.respond(responseHeaders);
  // RFC 9113 section 8.1: a server that has answered in full may tell the client to stop sending the
  // rest of its request with RST_STREAM(NO_ERROR).
  stream.once('finish', () => stream.close(http2Constants.NGHTTP2_NO_ERROR));
  stream.end(body);
}

function ignoreStreamError(): void {}

/** "name: value" lines (as 'headers' listeners edit them) as pairs; a line without a colon is skipped. */
function linePairs(lines: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return pairs;
}
