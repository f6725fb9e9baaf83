// The client's half of the opening handshake (RFC 6455 section 4.1): writing the upgrade request and
// checking the server's answer. The answer's checks and messages follow ws 8 (lib/websocket.js), which
// a ws user sees as 'error' events, plus the Connection check that section 4.1 requires and ws leaves
// to Node's HTTP parser.

import { basicAuthorizationOf } from './basic-authorization.js';
import { failed, failure, HandshakeErrorCode, unexpectedResponseError } from './handshake-error.js';
import { isValidKey, WEBSOCKET_VERSION } from './handshake-key.js';
import { type AnswerCheck, checkAnswer, checkedProtocolOffer, type HandshakeOffer } from './handshake-negotiation.js';
import type { HeaderFields } from './header-fields.js';
import { HeaderSyntaxError, parseUpgradeList, tokenListIncludes } from './header-tokens.js';
import { assertFieldValue, fieldLines, formatHead, type HeaderInput, headerPairs } from './http-head-writer.js';
import { HttpStatus } from './http-status.js';
import { requestTargetOf, webSocketUrl } from './websocket-url.js';

export interface UpgradeRequestOptions {
  /** ws:, wss:, http: or https: (the last two as ws does: the same as ws: and wss:). */
  url: string | URL;
  /** Sec-WebSocket-Key: generateKey(random). */
  key: string;
  /** Subprotocols to offer, most preferred first; each a token, none twice. */
  protocols?: readonly string[];
  /** A Sec-WebSocket-Extensions value to offer (formatExtensionList, or deflateOffer). */
  extensions?: string;
  origin?: string;
  /**
   * More header fields. A Host here replaces the one taken from the URL, an Authorization the one taken
   * from the URL's credentials; Upgrade, Connection, Sec-WebSocket-Key and Sec-WebSocket-Version are the
   * handshake's own and are dropped; Origin, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions are
   * dropped when the option of the same name is given.
   */
  headers?: HeaderInput;
}

const HANDSHAKE_OWNED = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version']);

/**
 * The upgrade request as lines without CRLFs, request line first: Host (with the port when it is not
 * the scheme's default, an IPv6 address in brackets, as the URL's host), Upgrade, Connection,
 * Sec-WebSocket-Key, Sec-WebSocket-Version, then Origin, Sec-WebSocket-Protocol, Sec-WebSocket-Extensions,
 * Authorization when given, then the extra headers. Throws SyntaxError for a bad URL or subprotocol
 * list (as ws does), TypeError for a bad key or a header value with CR, LF, NUL or another control.
 */
export function upgradeRequestLines(options: UpgradeRequestOptions): string[] {
  const url = webSocketUrl(options.url);
  if (typeof options.key !== 'string' || !isValidKey(options.key)) {
    throw new TypeError('The key must be the base64 of 16 bytes (generateKey)');
  }
  const protocols = checkedProtocolOffer(options.protocols);
  const own: Array<[string, string]> = [
    ['Host', url.host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', options.key],
    ['Sec-WebSocket-Version', String(WEBSOCKET_VERSION)],
  ];
  if (options.origin !== undefined) own.push(['Origin', options.origin]);
  if (protocols.length > 0) own.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
  if (options.extensions !== undefined && options.extensions !== '') {
    own.push(['Sec-WebSocket-Extensions', options.extensions]);
  }
  const extra = headerPairs(options.headers);
  const given = new Set(extra.map(([name]) => name.toLowerCase()));
  const authorization = basicAuthorizationOf(url);
  if (authorization !== null && !given.has('authorization')) own.push(['Authorization', authorization]);
  const ownNames = new Set(own.map(([name]) => name.toLowerCase()));
  const fields: Array<[string, string]> = [];
  let hostReplaced = false;
  for (const [name, value] of own) {
    // A caller's Host (a virtual host, or a proxy's target) takes the URL's place, in the same position.
    if (name === 'Host' && given.has('host')) continue;
    assertFieldValue(name, value);
    fields.push([name, value]);
  }
  for (const [name, value] of extra) {
    const lower = name.toLowerCase();
    if (HANDSHAKE_OWNED.has(lower)) continue;
    if (lower === 'host') {
      if (hostReplaced) continue;
      hostReplaced = true;
      fields.unshift([name, value]);
      continue;
    }
    if (lower !== 'authorization' && ownNames.has(lower)) continue;
    fields.push([name, value]);
  }
  return [`GET ${requestTargetOf(url)} HTTP/1.1`, ...fieldLines(fields)];
}

/** The upgrade request head, CRLF CRLF included (encodeHead gives its bytes). */
export function upgradeRequestHead(options: UpgradeRequestOptions): string {
  return formatHead(upgradeRequestLines(options));
}

/** What the client offered, to check the answer against. */
export interface UpgradeExpectation extends HandshakeOffer {
  /** The Sec-WebSocket-Accept the server must send: computeAccept(key, sha1) or computeAcceptAsync. */
  accept: string;
}

/** The server's answer: status and header fields (a parsed ResponseHead, or built from Node's response). */
export interface UpgradeResponse {
  status: number;
  headers: HeaderFields;
}

export type UpgradeResponseValidation = AnswerCheck;

/**
 * Checks the server's answer (section 4.1, the client's checks of the response, in ws's order).
 * Any status but 101 is UNEXPECTED_RESPONSE with `responseStatus` set: a transport that has a listener
 * for ws's 'unexpected-response' hands the response to it instead of failing. The subprotocol and
 * extensions are checked by checkAnswer (handshake-negotiation.ts), permessage-deflate's parameters
 * included when `expected.deflate` lists the offers.
 */
export function validateUpgradeResponse(
  response: UpgradeResponse,
  expected: UpgradeExpectation,
): UpgradeResponseValidation {
  const headers = response.headers;
  if (response.status !== HttpStatus.SWITCHING_PROTOCOLS) {
    return failed(unexpectedResponseError(response.status));
  }
  // Section 4.1: Upgrade must be "websocket", case-insensitively, and nothing else.
  const upgrade = headers.get('upgrade');
  if (upgrade === undefined || !isOnlyWebSocket(upgrade)) {
    return failure('Invalid Upgrade header', HandshakeErrorCode.INVALID_UPGRADE);
  }
  const connection = headers.get('connection');
  if (connection === undefined || !tokenListIncludes(connection, 'upgrade')) {
    return failure('Invalid Connection header', HandshakeErrorCode.INVALID_CONNECTION);
  }
  // Section 11.3.3: Sec-WebSocket-Accept appears once.
  const accepts = headers.getAll('sec-websocket-accept');
  if (accepts.length !== 1 || accepts[0] !== expected.accept) {
    return failure('Invalid Sec-WebSocket-Accept header', HandshakeErrorCode.INVALID_ACCEPT);
  }
  return checkAnswer(headers, expected);
}

function isOnlyWebSocket(value: string): boolean {
  try {
    const protocols = parseUpgradeList(value);
    return protocols.length === 1 && protocols[0] === 'websocket';
  } catch (error) {
    if (error instanceof HeaderSyntaxError) return false;
    throw error;
  }
}
