// A plain node:http2 client for tests that state every header of an extended CONNECT themselves (RFC
// 8441 section 4), instead of going through wasmsocket's client.

import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants as http2Constants,
  type IncomingHttpHeaders,
} from 'node:http2';
import { within } from '../support/waits.ts';
import { TLS_CERT } from './tls-fixture.ts';

/** The streams each raw session opened, so that closeRawSession can close them first. */
const openedStreams = new WeakMap<ClientHttp2Session, Set<ClientHttp2Stream>>();

/**
 * Closes a raw session, its streams first, without session.destroy(): on Node 20.20, destroy() with a stream still open,
 * after the server closed another stream of the session, spins forever inside Http2Stream's native
 * RST_STREAM path (seen under gdb: SubmitRstStream -> SendPendingData -> CopyDataIntoOutgoing). Closing
 * each stream first and then the session gracefully does not.
 */
export function closeRawSession(session: ClientHttp2Session): void {
  for (const stream of openedStreams.get(session) ?? []) {
    // A stream whose body nobody read is never destroyed by Node, and keeps the session open.
    stream.resume();
    if (!stream.closed) stream.close(http2Constants.NGHTTP2_CANCEL);
    else if (!stream.destroyed) stream.destroy();
  }
  if (!session.closed) session.close();
}

/** A session to `origin` (ws:/wss: as http:/https:), once the server's SETTINGS have arrived. */
export async function openRawSession(origin: string): Promise<ClientHttp2Session> {
  const url = new URL(origin);
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  const session = connect(`${secure ? 'https' : 'http'}://${url.host}`, secure ? { ca: TLS_CERT } : {});
  session.on('error', () => {});
  await within(
    new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('close', () => reject(new Error('the session closed before its SETTINGS')));
    }),
    "the server's SETTINGS",
  );
  return session;
}

/** The headers of a valid WebSocket extended CONNECT to `path`, to start from. */
export function websocketConnect(path: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':path': path,
    ':authority': '127.0.0.1',
    'sec-websocket-version': '13',
    ...extra,
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  stream: ClientHttp2Stream;
}

/** Sends a request (endStream false, as a CONNECT tunnel) and waits for its response headers. */
export function request(session: ClientHttp2Session, headers: Record<string, string>): Promise<RawResponse> {
  const stream = session.request(headers, { endStream: false });
  stream.on('error', () => {});
  let streams = openedStreams.get(session);
  if (streams === undefined) {
    streams = new Set();
    openedStreams.set(session, streams);
  }
  streams.add(stream);
  return within(
    new Promise<RawResponse>((resolve, reject) => {
      stream.once('response', (responseHeaders) =>
        resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, stream }),
      );
      stream.once('close', () => reject(new Error(`the stream closed with code ${stream.rstCode} before a response`)));
    }),
    `the response to ${headers[':method']} ${headers[':path']}`,
  );
}

/** The rest of a response body, as text. */
export function bodyOf(response: RawResponse): Promise<string> {
  const chunks: Buffer[] = [];
  return within(
    new Promise<string>((resolve) => {
      response.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.stream.once('close', () => resolve(Buffer.concat(chunks).toString()));
    }),
    'the response body',
  );
}
