// The opening handshake of a WebSocket over an HTTP/2 stream (RFC 8441): the client sends an extended
// CONNECT (section 4: `:method CONNECT` with the `:protocol` pseudo-header, allowed once the server sent
// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1), the server answers 200, and the stream then carries RFC 6455
// frames. Section 5 keeps Sec-WebSocket-Version, -Protocol and -Extensions and drops what HTTP/1.1
// needed to switch protocols on a connection: no Upgrade, no Connection, no Sec-WebSocket-Key/Accept.
// RFC 9220 says the same for HTTP/3, so nothing here is specific to the HTTP/2 framing.
//
// Headers arrive as HeaderFields built from the HTTP/2 header list, pseudo-headers included by their
// names (':method'...), so that the checks count field lines as the HTTP/1.1 ones do.

import { HandshakeError, HandshakeErrorCode } from './handshake-error.js';
import { isValidKey, WEBSOCKET_VERSION } from './handshake-key.js';
import type { HeaderFields } from './header-fields.js';
import {
  HeaderSyntaxError,
  isToken,
  type ParsedExtension,
  parseExtensionList,
  parseSubprotocolList,
} from './header-tokens.js';
import { assertFieldValue, type HeaderInput, headerPairs } from './http-head-writer.js';
import { HttpStatus } from './http-status.js';

/** RFC 7540 section 8.1.2.3 and RFC 8441 section 4: the pseudo-header fields of a request and response. */
export const PseudoHeader = {
  METHOD: ':method',
  PROTOCOL: ':protocol',
  SCHEME: ':scheme',
  PATH: ':path',
  AUTHORITY: ':authority',
  STATUS: ':status',
} as const;

/** RFC 8441 section 4: the method of the extended CONNECT. */
export const CONNECT_METHOD = 'CONNECT';

/** RFC 8441 section 4: the `:protocol` value that asks for a WebSocket (the HTTP Upgrade token). */
export const WEBSOCKET_PROTOCOL_TOKEN = 'websocket';

/** RFC 8441 section 3: the SETTINGS parameter a server sends, set to 1, to allow extended CONNECT. */
export const SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;

/** RFC 8441 section 5: the status of a successful answer (RFC 9113 section 8.5: any 2xx opens a tunnel). */
export const CONNECT_SUCCESS_STATUS = 200;

/**
 * RFC 9113 section 8.2.2: fields that are specific to an HTTP/1.1 connection and make an HTTP/2 message
 * malformed (Node refuses to send them). Sec-WebSocket-Key belongs to HTTP/1.1's handshake alone.
 */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'host',
]);

/**
 * True when a request's pseudo-headers ask for a WebSocket (RFC 8441 section 4). The token is compared
 * case-insensitively, as HTTP/1.1 compares its Upgrade values (RFC 9110 section 7.8).
 */
export function isWebSocketConnect(method: string | undefined, protocol: string | undefined): boolean {
  return (
    method === CONNECT_METHOD && typeof protocol === 'string' && protocol.toLowerCase() === WEBSOCKET_PROTOCOL_TOKEN
  );
}

/** An extended CONNECT that is a valid opening handshake: what the server needs to answer it. */
export interface AcceptedConnect {
  /** The subprotocols offered, in the client's order of preference (empty when none). */
  protocols: string[];
  /** The extensions offered, in the client's order of preference (empty when none). */
  extensions: ParsedExtension[];
  /** The Origin header (RFC 6455 section 10.2), or undefined. */
  origin: string | undefined;
  /** `:authority`: the host (and port) the client addressed, in place of HTTP/1.1's Host. */
  authority: string;
  /** `:path`: the request-target, query included. */
  path: string;
  scheme: string;
  /**
   * A Sec-WebSocket-Key the client sent although RFC 8441 section 5 does not use one, when it is well
   * formed. Some clients (undici 7) send it over HTTP/2 too and insist on the matching Accept.
   */
  key: string | undefined;
}

export type ConnectValidation =
  | { readonly ok: true; readonly request: AcceptedConnect }
  | { readonly ok: false; readonly error: HandshakeError };

function refuse(
  message: string,
  code: HandshakeErrorCode,
  status: number,
  headers?: ReadonlyArray<readonly [string, string]>,
  cause?: unknown,
): ConnectValidation {
  return { ok: false, error: new HandshakeError(message, code, { status, headers, cause }) };
}

/** The single non-empty value of a pseudo-header, or undefined when it is absent, empty or repeated. */
function single(headers: HeaderFields, name: string): string | undefined {
  const values = headers.getAll(name);
  return values.length === 1 && values[0].length > 0 ? values[0] : undefined;
}

/**
 * Checks an extended CONNECT against RFC 8441 sections 4 and 5 and the parts of RFC 6455 section 4.2.1
 * that still apply; never throws for anything the client sent. Refusals carry the status the HTTP/1.1
 * handshake would answer with (426 and Sec-WebSocket-Version for another version, section 4.4).
 */
export function validateConnectRequest(headers: HeaderFields): ConnectValidation {
  if (single(headers, PseudoHeader.METHOD) !== CONNECT_METHOD) {
    return refuse('Invalid HTTP method', HandshakeErrorCode.INVALID_METHOD, HttpStatus.METHOD_NOT_ALLOWED, [
      ['allow', CONNECT_METHOD],
    ]);
  }
  // The :protocol value takes the place of HTTP/1.1's Upgrade header.
  const protocol = single(headers, PseudoHeader.PROTOCOL);
  if (!isWebSocketConnect(CONNECT_METHOD, protocol)) {
    return refuse('Invalid :protocol pseudo-header', HandshakeErrorCode.INVALID_UPGRADE, HttpStatus.BAD_REQUEST);
  }
  // Section 4: unlike a plain CONNECT, the extended one carries :scheme and :path; :authority names the
  // host as Host does in HTTP/1.1 (RFC 9113 section 8.3.1).
  const authority = single(headers, PseudoHeader.AUTHORITY);
  if (authority === undefined) {
    return refuse('Missing or invalid :authority', HandshakeErrorCode.INVALID_HOST, HttpStatus.BAD_REQUEST);
  }
  const scheme = single(headers, PseudoHeader.SCHEME);
  const path = single(headers, PseudoHeader.PATH);
  if (scheme === undefined || path === undefined) {
    return refuse('Missing or invalid :scheme or :path', HandshakeErrorCode.MALFORMED_HEAD, HttpStatus.BAD_REQUEST);
  }
  // Section 5 keeps RFC 6455's version check: anything but exactly one "13" is answered 426.
  const versions = headers.getAll('sec-websocket-version');
  if (versions.length !== 1 || versions[0] !== String(WEBSOCKET_VERSION)) {
    return refuse(
      'Missing or invalid Sec-WebSocket-Version header',
      HandshakeErrorCode.UNSUPPORTED_VERSION,
      HttpStatus.UPGRADE_REQUIRED,
      [['sec-websocket-version', String(WEBSOCKET_VERSION)]],
    );
  }
  let protocols: string[] = [];
  const protocolHeader = headers.get('sec-websocket-protocol');
  if (protocolHeader !== undefined) {
    try {
      protocols = parseSubprotocolList(protocolHeader);
    } catch (error) {
      if (!(error instanceof HeaderSyntaxError)) throw error;
      return refuse(
        'Invalid Sec-WebSocket-Protocol header',
        HandshakeErrorCode.INVALID_PROTOCOL_HEADER,
        HttpStatus.BAD_REQUEST,
        undefined,
        error,
      );
    }
  }
  let extensions: ParsedExtension[] = [];
  const extensionHeader = headers.get('sec-websocket-extensions');
  if (extensionHeader !== undefined) {
    try {
      extensions = parseExtensionList(extensionHeader);
    } catch (error) {
      if (!(error instanceof HeaderSyntaxError)) throw error;
      return refuse(
        'Invalid or unacceptable Sec-WebSocket-Extensions header',
        HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
        HttpStatus.BAD_REQUEST,
        undefined,
        error,
      );
    }
  }
  const keys = headers.getAll('sec-websocket-key');
  const key = keys.length === 1 && isValidKey(keys[0]) ? keys[0] : undefined;
  return {
    ok: true,
    request: { protocols, extensions, origin: headers.get('origin'), authority, path, scheme, key },
  };
}

export interface ConnectResponseOptions {
  /** The subprotocol chosen among those offered, if any (a token). */
  protocol?: string;
  /** The Sec-WebSocket-Extensions value agreed. */
  extensions?: string;
  /** Sec-WebSocket-Accept, only for a client that sent a Sec-WebSocket-Key (see AcceptedConnect.key). */
  accept?: string;
  /** More header fields, after the handshake's own; HTTP/1.1 connection fields are left out. */
  headers?: HeaderInput;
}

/**
 * The 200 answer as [name, value] pairs, names in lower case as HTTP/2 requires (RFC 9113 section
 * 8.2.1), `:status` first. Throws TypeError for a subprotocol that is not a token or a value with a
 * control character.
 */
export function connectResponseFields(options: ConnectResponseOptions = {}): Array<[string, string]> {
  const fields: Array<[string, string]> = [[PseudoHeader.STATUS, String(CONNECT_SUCCESS_STATUS)]];
  if (options.protocol !== undefined && options.protocol !== '') {
    if (!isToken(options.protocol)) {
      throw new TypeError(`The chosen subprotocol ${JSON.stringify(options.protocol)} is not a token`);
    }
    fields.push(['sec-websocket-protocol', options.protocol]);
  }
  if (options.extensions !== undefined && options.extensions !== '') {
    assertFieldValue('Sec-WebSocket-Extensions', options.extensions);
    fields.push(['sec-websocket-extensions', options.extensions]);
  }
  if (options.accept !== undefined) {
    assertFieldValue('Sec-WebSocket-Accept', options.accept);
    fields.push(['sec-websocket-accept', options.accept]);
  }
  fields.push(...http2FieldsOf(options.headers));
  return fields;
}

/** Extra fields for an HTTP/2 message, lower-cased, without HTTP/1.1 connection fields or pseudo-headers. */
export function http2FieldsOf(input: HeaderInput | undefined): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const [name, value] of headerPairs(input)) {
    const lower = name.toLowerCase();
    if (!CONNECTION_SPECIFIC.has(lower)) fields.push([lower, value]);
  }
  return fields;
}

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
 * sec-websocket-version, origin, sec-websocket-protocol, sec-websocket-extensions and the extra fields.
 * Throws SyntaxError for a URL that is not ws/wss/http/https or has a fragment, or a bad subprotocol.
 */
export function connectRequestFields(options: ConnectRequestOptions): Array<[string, string]> {
  let url: URL;
  try {
    url = new URL(options.url instanceof URL ? options.url.href : options.url);
  } catch {
    throw new SyntaxError(`Invalid URL: ${String(options.url)}`);
  }
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  if (!secure && url.protocol !== 'ws:' && url.protocol !== 'http:') {
    throw new SyntaxError('The URL\'s protocol must be one of "ws:", "wss:", "http:" or "https:"');
  }
  if (url.hash !== '') throw new SyntaxError('The URL contains a fragment identifier');
  const protocols = options.protocols ?? [];
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol) || seen.has(protocol)) {
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    }
    seen.add(protocol);
  }
  const extra = headerPairs(options.headers);
  let authority = url.host;
  for (const [name, value] of extra) if (name.toLowerCase() === 'host') authority = value;
  const fields: Array<[string, string]> = [
    [PseudoHeader.METHOD, CONNECT_METHOD],
    [PseudoHeader.PROTOCOL, WEBSOCKET_PROTOCOL_TOKEN],
    [PseudoHeader.SCHEME, secure ? 'https' : 'http'],
    [PseudoHeader.PATH, `${url.pathname}${url.search}`],
    [PseudoHeader.AUTHORITY, authority],
    ['sec-websocket-version', String(WEBSOCKET_VERSION)],
  ];
  if (options.origin !== undefined) fields.push(['origin', options.origin]);
  if (protocols.length > 0) fields.push(['sec-websocket-protocol', protocols.join(', ')]);
  if (options.extensions !== undefined && options.extensions !== '') {
    fields.push(['sec-websocket-extensions', options.extensions]);
  }
  for (const [name, value] of extra) {
    const lower = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(lower) || CONNECT_OWNED.has(lower) || lower.startsWith(':')) continue;
    fields.push([lower, value]);
  }
  for (const [name, value] of fields) assertFieldValue(name, value);
  return fields;
}

/** What the client offered, to check the answer against. */
export interface ConnectExpectation {
  protocols: readonly string[];
  /** The names of the extensions offered. */
  extensions: readonly string[];
}

export type ConnectResponseValidation =
  | { readonly ok: true; readonly protocol: string; readonly extensions: ParsedExtension[] }
  | { readonly ok: false; readonly error: HandshakeError };

function fail(message: string, code: HandshakeErrorCode, responseStatus?: number, cause?: unknown) {
  return { ok: false, error: new HandshakeError(message, code, { responseStatus, cause }) } as const;
}

/**
 * Checks the server's answer to an extended CONNECT: a 2xx status (RFC 9113 section 8.5), then the
 * subprotocol and extension checks of RFC 6455 section 4.1 with ws 8's messages, as the HTTP/1.1 client
 * makes them. There is no Upgrade, Connection or Accept to check (RFC 8441 section 5).
 */
export function validateConnectResponse(
  status: number,
  headers: HeaderFields,
  expected: ConnectExpectation,
): ConnectResponseValidation {
  if (!Number.isInteger(status) || status < 200 || status > 299) {
    return fail(`Unexpected server response: ${status}`, HandshakeErrorCode.UNEXPECTED_RESPONSE, status);
  }
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
      if (named.has(extension.name)) {
        return fail('Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER);
      }
      named.add(extension.name);
    }
  }
  return { ok: true, protocol, extensions };
}
