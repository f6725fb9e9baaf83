// What both sides of a WebSocket over HTTP/2 do with a stream and its header objects: the abrupt close
// of RFC 8441 section 6, and turning field pairs into Node's header objects and back.

import {
  type ClientHttp2Stream,
  constants as http2Constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { addAbortSignal } from 'node:stream';

/**
 * RFC 8441 section 6: a WebSocket over HTTP/2 that ends abruptly (what a TCP RST would be) resets its
 * stream with CANCEL. Node 20's stream.close(CANCEL) ends the writable side first, so END_STREAM reaches
 * the peer just before the RST_STREAM and reads as an orderly close; destroy() alone would send
 * NO_ERROR. Destroying through an AbortSignal (an AbortError) sends RST_STREAM(CANCEL) and nothing else,
 * as a peer's stream shows: 'aborted' without 'end' (checked in test/http2/client-server.node.test.ts).
 */
export function resetStream(stream: ServerHttp2Stream | ClientHttp2Stream): void {
  if (stream.destroyed) return;
  const controller = new AbortController();
  addAbortSignal(controller.signal, stream);
  controller.abort();
}

/**
 * RFC 6455 section 7.1.1: once the closing handshake is done, the server closes the underlying connection
 * first. Over HTTP/2 (RFC 8441 section 5) that connection is the stream, and ending our side (END_STREAM,
 * like a TCP FIN) is not enough when the client keeps its side open: Chromium 150 sends neither
 * END_STREAM nor RST_STREAM after a closing handshake, so the stream stayed half-closed and the
 * WebSocket's 'close' waited for closeTimeout. Once our END_STREAM has left (the stream's 'finish'), the
 * stream is closed with RST_STREAM(NO_ERROR), as RFC 9113 section 8.1 lets a server that has answered in
 * full stop the rest of the request. A client that ended its side already has closed the stream by then.
 */
export function closeStreamAfterEnd(stream: ServerHttp2Stream): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.writableFinished) stream.close(http2Constants.NGHTTP2_NO_ERROR);
  else stream.once('finish', () => stream.close(http2Constants.NGHTTP2_NO_ERROR));
}

/** Node's raw header list ([name, value, ...]) rebuilt from a header object, for callers without one. */
export function rawPairsOf(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const each of value) raw.push(name, each);
    else raw.push(name, String(value));
  }
  return raw;
}

/** Adds pairs to a Node header object; a name given twice becomes an array (one field line each). */
export function addFields(target: OutgoingHttpHeaders, pairs: ReadonlyArray<readonly [string, string]>): void {
  for (const [name, value] of pairs) {
    const existing = target[name];
    if (existing === undefined) target[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else target[name] = [String(existing), value];
  }
}
