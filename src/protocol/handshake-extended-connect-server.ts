// The server's half of the opening handshake over an HTTP/2 stream (RFC 8441 sections 4 and 5): checking
// an extended CONNECT and writing the fields of the 200. Headers arrive as HeaderFields built from the
// HTTP/2 header list, pseudo-headers included by their names (':method'...), so that the checks count
// field lines as the HTTP/1.1 ones do (handshake-server.ts).

import { HandshakeErrorCode, type HandshakeFailure, refusal, unsupportedVersion } from './handshake-error.js';
import {
  CONNECT_METHOD,
  CONNECT_SUCCESS_STATUS,
  http2FieldsOf,
  PseudoHeader,
  WEBSOCKET_PROTOCOL_TOKEN,
} from './handshake-extended-connect.js';
import { isValidKey, WEBSOCKET_VERSION } from './handshake-key.js';
import { assertChosenProtocol, readOffers } from './handshake-negotiation.js';
import type { HeaderFields } from './header-fields.js';
import type { ParsedExtension } from './header-tokens.js';
import { assertFieldValue, type HeaderInput } from './http-head-writer.js';
import { HttpStatus } from './http-status.js';

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

export type ConnectValidation = { readonly ok: true; readonly request: AcceptedConnect } | HandshakeFailure;

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
    return refusal('Invalid HTTP method', HandshakeErrorCode.INVALID_METHOD, HttpStatus.METHOD_NOT_ALLOWED, {
      headers: [['allow', CONNECT_METHOD]],
    });
  }
  // The :protocol value takes the place of HTTP/1.1's Upgrade header.
  const protocol = single(headers, PseudoHeader.PROTOCOL);
  if (!isWebSocketConnect(CONNECT_METHOD, protocol)) {
    return refusal('Invalid :protocol pseudo-header', HandshakeErrorCode.INVALID_UPGRADE, HttpStatus.BAD_REQUEST);
  }
  // Section 4: unlike a plain CONNECT, the extended one carries :scheme and :path; :authority names the
  // host as Host does in HTTP/1.1 (RFC 9113 section 8.3.1).
  const authority = single(headers, PseudoHeader.AUTHORITY);
  if (authority === undefined) {
    return refusal('Missing or invalid :authority', HandshakeErrorCode.INVALID_HOST, HttpStatus.BAD_REQUEST);
  }
  const scheme = single(headers, PseudoHeader.SCHEME);
  const path = single(headers, PseudoHeader.PATH);
  if (scheme === undefined || path === undefined) {
    return refusal('Missing or invalid :scheme or :path', HandshakeErrorCode.MALFORMED_HEAD, HttpStatus.BAD_REQUEST);
  }
  // Section 5 keeps RFC 6455's version check: anything but exactly one "13" is answered 426.
  const versions = headers.getAll('sec-websocket-version');
  if (versions.length !== 1 || versions[0] !== String(WEBSOCKET_VERSION)) {
    return unsupportedVersion('sec-websocket-version');
  }
  const offers = readOffers(headers);
  if (!offers.ok) return offers;
  const keys = headers.getAll('sec-websocket-key');
  const key = keys.length === 1 && isValidKey(keys[0]) ? keys[0] : undefined;
  return {
    ok: true,
    request: {
      protocols: offers.protocols,
      extensions: offers.extensions,
      origin: headers.get('origin'),
      authority,
      path,
      scheme,
      key,
    },
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
    assertChosenProtocol(options.protocol);
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
