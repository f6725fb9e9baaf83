// The client's half of the opening handshake over an HTTP/2 stream (RFC 8441 sections 4 and 5): the
// fields of the extended CONNECT, and the checks of the server's answer.

import { basicAuthorizationOf } from './basic-authorization.js';
import { failed, unexpectedResponseError } from './handshake-error.js';
import { CONNECT_METHOD, http2FieldsOf, PseudoHeader, WEBSOCKET_PROTOCOL_TOKEN } from './handshake-extended-connect.js';
import { WEBSOCKET_VERSION } from './handshake-key.js';
import { type AnswerCheck, checkAnswer, checkedProtocolOffer, type HandshakeOffer } from './handshake-negotiation.js';
import type { HeaderFields } from './header-fields.js';
import { assertFieldValue, type HeaderInput, headerPairs } from './http-head-writer.js';
import { isSecureUrl, requestTargetOf, webSocketUrl } from './websocket-url.js';

export interface ConnectRequestOptions {
  /** ws:, wss:, http: or https:; the scheme becomes `:scheme` http or https (section 5). */
  url: string | URL;
  /** Subprotocols to offer, most preferred first; each a token, none twice. */
  protocols?: readonly string[];
  /** A Sec-WebSocket-Extensions value to offer. */
  extensions?: string;
  origin?: string;
  /**
   * More header fields. A Host here replaces `:authority`; Upgrade, Connection, Sec-WebSocket-Key and
   * other HTTP/1.1 connection fields are dropped, as are Sec-WebSocket-Version and the fields that the
   * options above set.
   */
  headers?: HeaderInput;
}

/** What the handshake itself sets; a caller's field of the same name is dropped. */
const CONNECT_OWNED = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'origin',
]);

/**
 * The extended CONNECT as [name, value] pairs, pseudo-headers first (RFC 9113 section 8.3), then
 * sec-websocket-version, origin, sec-websocket-protocol, sec-websocket-extensions, the extra fields, and
 * authorization from the URL's credentials unless the extra fields have one (as upgradeRequestLines).
 * Throws SyntaxError for a URL that is not ws/wss/http/https or has a fragment, or a bad subprotocol.
 */
export function connectRequestFields(options: ConnectRequestOptions): Array<[string, string]> {
  const url = webSocketUrl(options.url);
  const protocols = checkedProtocolOffer(options.protocols);
  const extra = headerPairs(options.headers);
  let authority = url.host;
  for (const [name, value] of extra) if (name.toLowerCase() === 'host') authority = value;
  const fields: Array<[string, string]> = [
    [PseudoHeader.METHOD, CONNECT_METHOD],
    [PseudoHeader.PROTOCOL, WEBSOCKET_PROTOCOL_TOKEN],
    [PseudoHeader.SCHEME, isSecureUrl(url) ? 'https' : 'http'],
    [PseudoHeader.PATH, requestTargetOf(url)],
    [PseudoHeader.AUTHORITY, authority],
    ['sec-websocket-version', String(WEBSOCKET_VERSION)],
  ];
  if (options.origin !== undefined) fields.push(['origin', options.origin]);
  if (protocols.length > 0) fields.push(['sec-websocket-protocol', protocols.join(', ')]);
  if (options.extensions !== undefined && options.extensions !== '') {
    fields.push(['sec-websocket-extensions', options.extensions]);
  }
  for (const [name, value] of http2FieldsOf(extra)) {
    if (!CONNECT_OWNED.has(name) && !name.startsWith(':')) fields.push([name, value]);
  }
  const authorization = basicAuthorizationOf(url);
  if (authorization !== null && !fields.some(([name]) => name === 'authorization')) {
    fields.push(['authorization', authorization]);
  }
  for (const [name, value] of fields) assertFieldValue(name, value);
  return fields;
}

/** What the client offered, to check the answer against. */
export type ConnectExpectation = HandshakeOffer;

export type ConnectResponseValidation = AnswerCheck;

/**
 * Checks the server's answer to an extended CONNECT: a 2xx status (RFC 9113 section 8.5), then the
 * subprotocol and extension checks of RFC 6455 section 4.1 (checkAnswer), as the HTTP/1.1 client makes
 * them. There is no Upgrade, Connection or Accept to check (RFC 8441 section 5).
 */
export function validateConnectResponse(
  status: number,
  headers: HeaderFields,
  expected: ConnectExpectation,
): ConnectResponseValidation {
  if (!Number.isInteger(status) || status < 200 || status > 299) {
    return failed(unexpectedResponseError(status));
  }
  return checkAnswer(headers, expected);
}
