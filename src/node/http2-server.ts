// WebSockets on an HTTP/2 server (RFC 8441): a WebSocketServer attached to a node:http2 server answers
// each extended CONNECT stream (`:method CONNECT`, `:protocol websocket`) with 200 after the same checks
// an HTTP/1.1 upgrade gets (limits, version 13, path, verifyClient, subprotocol, permessage-deflate), then
// runs the same protocol core over the stream, which is a Duplex like a socket.
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
import type { HandshakeError } from '../protocol/handshake-error.js';
import {
  CONNECT_SUCCESS_STATUS,
  connectResponseFields,
  http2FieldsOf,
  isWebSocketConnect,
  PseudoHeader,
  validateConnectRequest,
} from '../protocol/handshake-extended-connect.js';
import { computeAccept } from '../protocol/handshake-key.js';
import { HeaderFields } from '../protocol/header-fields.js';
import type { HeaderInput } from '../protocol/http-head-writer.js';
import { HttpStatus } from '../protocol/http-status.js';
import { acceptDeflateOffer } from '../protocol/permessage-deflate.js';
import type { Slot } from './connection-slots.js';
import { deflateOptionsOf, deflateSettings } from './deflate-setup.js';
import { addFields, rawPairsOf, resetStream } from './http2-stream.js';
import { sha1 } from './platform.js';
import type { WebSocket } from './websocket.js';
import type { VerifyClientCallback, VerifyClientInfo, WebSocketServer } from './websocket-server.js';

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
  cb: (ws: WebSocket, request: IncomingMessage) => void,
): void {
  const request = new Http2ServerRequest(stream, headers, {}, rawHeaders ?? rawPairsOf(headers));
  acceptWebSocketStream(wss, stream, request, cb);
}

/** Why a stream is refused: the HTTP answer, and a stable code for wsClientError listeners. */
interface StreamRejection {
  status: number;
  message: string;
  code: string;
  headers?: HeaderInput;
}

function rejectionOf(error: HandshakeError): StreamRejection {
  return {
    status: error.status ?? HttpStatus.BAD_REQUEST,
    message: error.message,
    code: error.code,
    headers: error.headers,
  };
}

type Negotiated = ReturnType<typeof acceptDeflateOffer>;

/**
 * The server's half of RFC 8441 section 5 on one stream. The request handed to verifyClient,
 * handleProtocols, 'headers' and 'connection' is Node's Http2ServerRequest: `headers`, `url` (the
 * :path), `method` ('CONNECT'), `httpVersion` ('2.0'), `socket` and `stream`, as IncomingMessage has
 * most of them.
 */
function acceptWebSocketStream(
  wss: WebSocketServer,
  stream: ServerHttp2Stream,
  request: Http2ServerRequest,
  cb: (ws: WebSocket, request: IncomingMessage) => void,
): void {
  // Until the WebSocket takes the stream over, a stream error (the client reset it) only ends it.
  stream.on('error', ignoreStreamError);
  const asIncoming = request as unknown as IncomingMessage;
  const limited = wss.limitProblem(asIncoming);
  if (limited !== null) {
    refuseStream(wss, stream, request, limited);
    return;
  }
  // Counted from now on, so that streams arriving while this one is checked see it.
  const slot = wss.reserveSlot(asIncoming, stream);
  let verifying = false;
  try {
    verifying = checkWebSocketStream(wss, stream, request, slot, cb);
  } finally {
    // Every way out but a connection frees the slot (release() does nothing once the connection has
    // it); an asynchronous verifyClient holds it until it answers, times out, or the stream closes.
    if (!verifying) slot.release();
  }
}

/**
 * RFC 8441 section 4's checks and the application's, then the 200 or a refusal. Returns true while an
 * asynchronous verifyClient decides (the handshake, and its slot, are still in progress).
 */
function checkWebSocketStream(
  wss: WebSocketServer,
  stream: ServerHttp2Stream,
  request: Http2ServerRequest,
  slot: Slot,
  cb: (ws: WebSocket, request: IncomingMessage) => void,
): boolean {
  const asIncoming = request as unknown as IncomingMessage;
  const validation = validateConnectRequest(HeaderFields.fromRawPairs(request.rawHeaders));
  if (!validation.ok) {
    refuseStream(wss, stream, request, rejectionOf(validation.error));
    return false;
  }
  const checked = validation.request;
  if (!wss.shouldHandle(asIncoming)) {
    respondRefusal(stream, HttpStatus.BAD_REQUEST);
    return false;
  }
  const deflateOptions = deflateOptionsOf(wss.options.perMessageDeflate);
  const deflate: Negotiated =
    deflateOptions !== null && checked.extensions.length > 0
      ? acceptDeflateOffer(deflateOptions, checked.extensions)
      : null;
  const complete = () =>
    completeWebSocketStream(wss, stream, request, new Set(checked.protocols), deflate, checked.key, slot, cb);
  const verifyClient = wss.options.verifyClient;
  if (!verifyClient) {
    complete();
    return false;
  }
  const info: VerifyClientInfo = {
    origin: checked.origin as string, // undefined without one, as in ws (see VerifyClientInfo)
    secure: stream.session?.encrypted === true,
    req: asIncoming,
  };
  if (verifyClient.length === 2) {
    // An asynchronous verifyClient that never answers must not hold the stream (nor its slot) forever.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      slot.release();
      respondRefusal(stream, 408);
    }, wss.options.handshakeTimeout ?? 10_000);
    deadline.unref();
    (verifyClient as (info: VerifyClientInfo, callback: VerifyClientCallback) => void)(
      info,
      (verified, code, message, headers) => {
        clearTimeout(deadline);
        if (timedOut) return;
        try {
          if (!verified) respondRefusal(stream, code || HttpStatus.UNAUTHORIZED, message, headers);
          else complete();
        } finally {
          slot.release();
        }
      },
    );
    return true;
  }
  if (!(verifyClient as (info: VerifyClientInfo) => boolean)(info)) {
    respondRefusal(stream, HttpStatus.UNAUTHORIZED);
    return false;
  }
  complete();
  return false;
}

function completeWebSocketStream(
  wss: WebSocketServer,
  stream: ServerHttp2Stream,
  request: Http2ServerRequest,
  protocols: Set<string>,
  deflate: Negotiated,
  key: string | undefined,
  slot: Slot,
  cb: (ws: WebSocket, request: IncomingMessage) => void,
): void {
  // The client may have reset the stream (and its slot been freed) while verifyClient ran.
  if (stream.destroyed || stream.closed || !stream.writable || !slot.reserved) {
    stream.destroy();
    return;
  }
  if (stream.headersSent) {
    throw new Error('handleHttp2Stream() was called more than once with the same stream');
  }
  if (!wss._running) {
    respondRefusal(stream, HttpStatus.SERVICE_UNAVAILABLE);
    return;
  }
  const asIncoming = request as unknown as IncomingMessage;
  const ws = new wss.options.WebSocket(null, undefined, wss.options);
  let protocol: string | undefined;
  if (protocols.size > 0) {
    const handleProtocols = wss.options.handleProtocols;
    const chosen = handleProtocols ? handleProtocols(protocols, asIncoming) : protocols.values().next().value;
    if (chosen) protocol = chosen;
  }
  const fields = connectResponseFields({
    protocol,
    extensions: deflate?.response,
    // Not part of RFC 8441; answered only to a client that sent a key, for those that check it (undici 7).
    accept: key === undefined ? undefined : computeAccept(key, sha1),
  });
  // ws's 'headers' event hands listeners the response as lines to edit; over HTTP/2 the first line is
  // only a status line for show, and the others become the HEADERS frame's fields.
  const lines = [`HTTP/2 ${CONNECT_SUCCESS_STATUS}`, ...fields.slice(1).map(([name, value]) => `${name}: ${value}`)];
  wss.emit('headers', lines, asIncoming);
  const responseHeaders: OutgoingHttpHeaders = { [PseudoHeader.STATUS]: CONNECT_SUCCESS_STATUS };
  addFields(responseHeaders, http2FieldsOf(linePairs(lines.slice(1))));
  stream.respond(responseHeaders, { endStream: false });
  stream.removeListener('error', ignoreStreamError);
  ws._protocol = protocol ?? '';
  ws._extensions = deflate?.response ?? '';
  ws._abortTransport = () => resetStream(stream);
  ws.setSocket(
    stream,
    EMPTY_BUFFER,
    wss.options,
    deflate === null
      ? undefined
      : deflateSettings(deflate.agreement, 'server', deflateOptionsOf(wss.options.perMessageDeflate) ?? {}),
  );
  wss.track(ws, slot);
  cb(ws, asIncoming);
}

/** A refusal with ws's wsClientError hook: a listener gets (error, stream, request) and answers itself. */
function refuseStream(
  wss: WebSocketServer,
  stream: ServerHttp2Stream,
  request: Http2ServerRequest,
  rejection: StreamRejection,
): void {
  if (wss.listenerCount('wsClientError') > 0) {
    const error = Object.assign(new Error(rejection.message), { code: rejection.code });
    wss.emit('wsClientError', error, stream, request);
    return;
  }
  respondRefusal(stream, rejection.status, rejection.message, rejection.headers);
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
