// The client's opening handshake over HTTP/2 (RFC 8441): `new WebSocket(url, { http2: true })` takes a
// session to the origin from a pool (http2-session-pool.ts), sends an extended CONNECT on a new stream,
// checks the answer (2xx, subprotocol, permessage-deflate) and runs the protocol core over the stream.
// When the origin does not offer WebSockets over HTTP/2 the handshake goes on over HTTP/1.1, as if
// `http2` had not been asked for. Frames are masked as over HTTP/1.1 (RFC 8441 section 5 changes nothing
// in RFC 6455's framing).

import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { PseudoHeader } from '../protocol/handshake-extended-connect.js';
import { connectRequestFields, validateConnectResponse } from '../protocol/handshake-extended-connect-client.js';
import { HeaderFields } from '../protocol/header-fields.js';
import { deflateOffers } from '../protocol/permessage-deflate.js';
import type { ClientOptions } from './client-handshake.js';
import { clientDeflateSettings, deflateOfferListOf } from './deflate-setup.js';
import { publishOpen } from './diagnostics.js';
import { defaultHttp2SessionPool, Http2SessionPool, type SessionLease } from './http2-session-pool.js';
import { addFields, rawPairsOf, resetStream } from './http2-stream.js';
import type { WebSocket } from './websocket.js';

const EMPTY_BUFFER = Buffer.alloc(0);

/** What the 'upgrade' event carries over HTTP/2, in place of ws's IncomingMessage for the 101. */
export interface Http2UpgradeResponse {
  statusCode: number;
  /** The response's fields, pseudo-headers left out. */
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  httpVersion: '2.0';
}

/** Whether this client's options ask for HTTP/2 and allow it: a proxy agent or own connection rules it out. */
export function wantsHttp2(options: ClientOptions): boolean {
  if (!options.http2) return false;
  return !options.agent && !options.createConnection && !options.socketPath;
}

/**
 * Opens `websocket` over HTTP/2. `fallback` continues over HTTP/1.1 (given a connection to reuse when the
 * TLS handshake already chose http/1.1); it is called at most once, and then nothing else happens here.
 */
export function startHttp2Client(
  websocket: WebSocket,
  url: URL,
  offered: readonly string[],
  settings: ClientOptions,
  fallback: (createConnection?: () => Duplex) => void,
): void {
  const pool = settings.http2 instanceof Http2SessionPool ? settings.http2 : defaultHttp2SessionPool;
  const deflateOffered = deflateOfferListOf(settings.perMessageDeflate);
  // Checked now so that bad headers throw from the constructor, as they do over HTTP/1.1.
  const fields = connectRequestFields({
    url,
    protocols: offered,
    extensions: deflateOffered === null ? undefined : deflateOffers(deflateOffered),
    // As over HTTP/1.1 (and ws): an empty or null origin sends no Origin field.
    origin: settings.origin || undefined,
    headers: requestHeaders(settings),
  });
  let settled = false;
  let stream: ClientHttp2Stream | null = null;
  let timer: NodeJS.Timeout | null = null;
  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    if (timer !== null) clearTimeout(timer);
    if (stream !== null) resetStream(stream);
    websocket._failBeforeOpen(error);
  };
  // close() or terminate() before 'open' abandon this attempt; one that goes on over HTTP/1.1 (fallback)
  // begins another.
  websocket._beginHandshake(url.href, (reason) => fail(new Error(reason)));
  if (settings.handshakeTimeout) {
    timer = setTimeout(() => fail(new Error('Opening handshake has timed out')), settings.handshakeTimeout);
  }

  const onLease = (lease: SessionLease) => {
    if (settled) {
      if (lease.kind === 'session') lease.release();
      else if (lease.kind === 'fallback') lease.createConnection?.().destroy();
      return;
    }
    if (lease.kind === 'error') {
      fail(lease.error);
      return;
    }
    if (lease.kind === 'fallback') {
      settled = true;
      if (timer !== null) clearTimeout(timer);
      fallback(lease.createConnection);
      return;
    }
    const headers: OutgoingHttpHeaders = {};
    addFields(headers, fields);
    try {
      stream = lease.session.request(headers, { endStream: false });
    } catch (error) {
      lease.release();
      fail(error as Error);
      return;
    }
    const opened = stream;
    opened.once('close', () => lease.release());
    const onStreamError = (error: Error) => fail(error);
    const onCloseBeforeAnswer = () =>
      fail(new Error(`The server closed the stream before answering (HTTP/2 error code ${opened.rstCode})`));
    opened.on('error', onStreamError);
    opened.once('close', onCloseBeforeAnswer);
    opened.once('response', (responseHeaders: IncomingHttpHeaders) => {
      if (settled) return;
      const status = Number(responseHeaders[PseudoHeader.STATUS]);
      const fieldsOnly = withoutPseudoHeaders(responseHeaders);
      const rawHeaders = rawPairsOf(fieldsOnly);
      const checked = validateConnectResponse(status, HeaderFields.fromRawPairs(rawHeaders), {
        protocols: offered,
        deflate: deflateOffered,
      });
      if (!checked.ok) {
        fail(checked.error);
        return;
      }
      const negotiated = clientDeflateSettings(checked.deflate, deflateOffered);
      settled = true;
      if (timer !== null) clearTimeout(timer);
      opened.removeListener('error', onStreamError);
      opened.removeListener('close', onCloseBeforeAnswer);
      const upgrade: Http2UpgradeResponse = {
        statusCode: status,
        headers: fieldsOnly,
        rawHeaders,
        httpVersion: '2.0',
      };
      websocket.emit('upgrade', upgrade);
      websocket._adopt(opened, EMPTY_BUFFER, settings, {
        protocol: checked.protocol,
        extensions: negotiated === undefined ? '' : String(responseHeaders['sec-websocket-extensions'] ?? ''),
        deflate: negotiated,
        abortTransport: () => resetStream(opened),
      });
      publishOpen(websocket, 'client', websocket.url, opened, '2');
      websocket.emit('open');
    });
  };
  pool.lease(url, settings as Readonly<Record<string, unknown>>).then(onLease, (error: Error) => fail(error));
}

/**
 * The caller's headers, each value as text as node:http would send it over HTTP/1.1 (connectRequestFields
 * adds Authorization from the URL's credentials).
 */
function requestHeaders(settings: ClientOptions): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return headers;
}

function withoutPseudoHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = {};
  for (const name of Object.keys(headers)) if (!name.startsWith(':')) copy[name] = headers[name];
  return copy;
}
