// The client's half of the opening handshake (RFC 6455 section 4.1): writing the upgrade request and
// checking the server's answer. The answer's checks and messages follow ws 8 (lib/websocket.js), which
// a ws user sees as 'error' events, plus the Connection check that section 4.1 requires and ws leaves
// to Node's HTTP parser.

import { HandshakeError, HandshakeErrorCode } from './handshake-error.js';
import { isValidKey, WEBSOCKET_VERSION } from './handshake-key.js';
import type { HeaderFields } from './header-fields.js';
import {
  HeaderSyntaxError,
  isToken,
  type ParsedExtension,
  parseExtensionList,
  parseUpgradeList,
  tokenListIncludes,
} from './header-tokens.js';
import { assertFieldValue, fieldLines, formatHead, type HeaderInput, headerPairs } from './http-head-writer.js';
import { HttpStatus } from './http-status.js';

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

/** The URL as a WHATWG URL with a WebSocket scheme; SyntaxError (ws's messages) when it cannot be one. */
function websocketUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input instanceof URL ? input.href : input);
  } catch {
    throw new SyntaxError(`Invalid URL: ${String(input)}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SyntaxError('The URL\'s protocol must be one of "ws:", "wss:", "http:" or "https:"');
  }
  if (url.hash !== '') throw new SyntaxError('The URL contains a fragment identifier');
  return url;
}

/** Checks the subprotocols to offer, as ws does (SyntaxError with ws's message). */
function checkedProtocols(protocols: readonly string[] | undefined): string[] {
  const checked: string[] = [];
  const seen = new Set<string>();
  for (const protocol of protocols ?? []) {
    if (typeof protocol !== 'string' || !isToken(protocol) || seen.has(protocol)) {
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    }
    seen.add(protocol);
    checked.push(protocol);
  }
  return checked;
}

function decodeUserInfo(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** "Basic " + base64 of "user:password" in UTF-8 (RFC 7617), from the URL's credentials. */
function basicAuthorization(url: URL): string {
  const bytes = new TextEncoder().encode(`${decodeUserInfo(url.username)}:${decodeUserInfo(url.password)}`);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return `Basic ${btoa(binary)}`;
}

/**
 * The upgrade request as lines without CRLFs, request line first: Host (with the port when it is not
 * the scheme's default, an IPv6 address in brackets, as the URL's host), Upgrade, Connection,
 * Sec-WebSocket-Key, Sec-WebSocket-Version, then Origin, Sec-WebSocket-Protocol, Sec-WebSocket-Extensions,
 * Authorization when given, then the extra headers. Throws SyntaxError for a bad URL or subprotocol
 * list (as ws does), TypeError for a bad key or a header value with CR, LF, NUL or another control.
 */
export function upgradeRequestLines(options: UpgradeRequestOptions): string[] {
  const url = websocketUrl(options.url);
  if (typeof options.key !== 'string' || !isValidKey(options.key)) {
    throw new TypeError('The key must be the base64 of 16 bytes (generateKey)');
  }
  const protocols = checkedProtocols(options.protocols);
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
  if ((url.username !== '' || url.password !== '') && !given.has('authorization')) {
    own.push(['Authorization', basicAuthorization(url)]);
  }
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
  return [`GET ${url.pathname}${url.search} HTTP/1.1`, ...fieldLines(fields)];
}

/** The upgrade request head, CRLF CRLF included (encodeHead gives its bytes). */
export function upgradeRequestHead(options: UpgradeRequestOptions): string {
  return formatHead(upgradeRequestLines(options));
}

/** What the client offered, to check the answer against. */
export interface UpgradeExpectation {
  /** The Sec-WebSocket-Accept the server must send: computeAccept(key, sha1) or computeAcceptAsync. */
  accept: string;
  /** The subprotocols offered (empty when none). */
  protocols: readonly string[];
  /** The names of the extensions offered (empty when none). */
  extensions: readonly string[];
}

/** The server's answer: status and header fields (a parsed ResponseHead, or built from Node's response). */
export interface UpgradeResponse {
  status: number;
  headers: HeaderFields;
}

export type UpgradeResponseValidation =
  | {
      readonly ok: true;
      /** The subprotocol the server chose, or '' when none was offered. */
      readonly protocol: string;
      /** The extensions the server accepted, in its order, each among those offered and named once. */
      readonly extensions: ParsedExtension[];
    }
  | { readonly ok: false; readonly error: HandshakeError };

function fail(message: string, code: HandshakeErrorCode, responseStatus?: number, cause?: unknown) {
  return { ok: false, error: new HandshakeError(message, code, { responseStatus, cause }) } as const;
}

/**
 * Checks the server's answer (section 4.1, the client's checks of the response, in ws's order).
 * Any status but 101 is UNEXPECTED_RESPONSE with `responseStatus` set: a transport that has a listener
 * for ws's 'unexpected-response' hands the response to it instead of failing. If subprotocols were
 * offered the server must choose one of them: ws 8 fails with 'Server sent no subprotocol' otherwise.
 * Extension parameters are not checked here: that is the negotiator's job (permessage-deflate.ts).
 */
export function validateUpgradeResponse(
  response: UpgradeResponse,
  expected: UpgradeExpectation,
): UpgradeResponseValidation {
  const headers = response.headers;
  if (response.status !== HttpStatus.SWITCHING_PROTOCOLS) {
    return fail(
      `Unexpected server response: ${response.status}`,
      HandshakeErrorCode.UNEXPECTED_RESPONSE,
      response.status,
    );
  }
  // Section 4.1: Upgrade must be "websocket", case-insensitively, and nothing else.
  const upgrade = headers.get('upgrade');
  if (upgrade === undefined || !isOnlyWebSocket(upgrade)) {
    return fail('Invalid Upgrade header', HandshakeErrorCode.INVALID_UPGRADE);
  }
  const connection = headers.get('connection');
  if (connection === undefined || !tokenListIncludes(connection, 'upgrade')) {
    return fail('Invalid Connection header', HandshakeErrorCode.INVALID_CONNECTION);
  }
  // Section 11.3.3: Sec-WebSocket-Accept appears once.
  const accepts = headers.getAll('sec-websocket-accept');
  if (accepts.length !== 1 || accepts[0] !== expected.accept) {
    return fail('Invalid Sec-WebSocket-Accept header', HandshakeErrorCode.INVALID_ACCEPT);
  }
  // Section 4.1: a subprotocol not offered fails the connection; section 11.3.4: sent at most once.
  const protocols = headers.getAll('sec-websocket-protocol');
  let protocol = '';
  if (protocols.length > 0) {
    if (expected.protocols.length === 0) {
      return fail('Server sent a subprotocol but none was requested', HandshakeErrorCode.UNREQUESTED_SUBPROTOCOL);
    }
    if (protocols.length !== 1 || !expected.protocols.includes(protocols[0])) {
      return fail('Server sent an invalid subprotocol', HandshakeErrorCode.INVALID_SUBPROTOCOL);
    }
    protocol = protocols[0];
  } else if (expected.protocols.length > 0) {
    return fail('Server sent no subprotocol', HandshakeErrorCode.MISSING_SUBPROTOCOL);
  }
  // Section 4.1: an extension not offered fails the connection.
  let extensions: ParsedExtension[] = [];
  const extensionHeader = headers.get('sec-websocket-extensions');
  if (extensionHeader !== undefined) {
    if (expected.extensions.length === 0) {
      return fail(
        'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
        HandshakeErrorCode.UNREQUESTED_EXTENSIONS,
      );
    }
    try {
      extensions = parseExtensionList(extensionHeader);
    } catch (error) {
      if (!(error instanceof HeaderSyntaxError)) throw error;
      return fail(
        'Invalid Sec-WebSocket-Extensions header',
        HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
        undefined,
        error,
      );
    }
    const named = new Set<string>();
    for (const extension of extensions) {
      if (!expected.extensions.includes(extension.name)) {
        return fail('Server indicated an extension that was not requested', HandshakeErrorCode.UNREQUESTED_EXTENSION);
      }
      // Accepting the same extension twice has no meaning (an extension is in use or not).
      if (named.has(extension.name)) {
        return fail('Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER);
      }
      named.add(extension.name);
    }
  }
  return { ok: true, protocol, extensions };
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
