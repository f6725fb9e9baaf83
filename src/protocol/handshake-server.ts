// The server's half of the opening handshake (RFC 6455 section 4.2): checking a client's upgrade
// request, and writing the 101 answer or a refusal. The checks run in ws's order (method, Upgrade, key,
// version, then the list headers) with the RFC's additional ones in between, so that a request with
// several faults is refused for the same first fault as ws would report.

import {
  type HandshakeError,
  HandshakeErrorCode,
  type HandshakeFailure,
  refusal,
  unsupportedVersion,
} from './handshake-error.js';
import { HYBI_DRAFT_VERSION, isValidKey, WEBSOCKET_VERSION } from './handshake-key.js';
import { assertChosenProtocol, readOffers } from './handshake-negotiation.js';
import type { HeaderFields } from './header-fields.js';
import { HeaderSyntaxError, type ParsedExtension, parseUpgradeList, tokenListIncludes } from './header-tokens.js';
import { assertFieldValue, fieldLines, formatHead, type HeaderInput, headerPairs } from './http-head-writer.js';
import { HttpStatus, reasonPhrase } from './http-status.js';

/** An upgrade request as a transport sees it: Node's IncomingMessage fields, or a parsed RequestHead. */
export interface UpgradeRequest {
  method: string;
  /** "1.1" */
  httpVersion: string;
  /** The request-target. */
  url: string;
  /** In Node, HeaderFields.fromRawPairs(message.rawHeaders): `message.headers` drops duplicate Hosts. */
  headers: HeaderFields;
}

/** The Sec-WebSocket-Version values a server takes, as written in the request, and what they mean. */
const ACCEPTED_VERSIONS: ReadonlyMap<string, 13 | 8> = new Map([
  [String(WEBSOCKET_VERSION), WEBSOCKET_VERSION],
  [String(HYBI_DRAFT_VERSION), HYBI_DRAFT_VERSION],
]);

/** A request that is a valid opening handshake: what the server needs to answer it. */
export interface AcceptedUpgrade {
  /** Sec-WebSocket-Key, for computeAccept. */
  key: string;
  /** Sec-WebSocket-Version: 13, or 8 (HYBI_DRAFT_VERSION); the connection is the same either way. */
  version: 13 | 8;
  /** The subprotocols offered, in the client's order of preference (empty when none). */
  protocols: string[];
  /** The extensions offered, in the client's order of preference (empty when none). */
  extensions: ParsedExtension[];
  /** The Origin header (section 4.1, item 8; 10.2), Sec-WebSocket-Origin for version 8, or undefined. */
  origin: string | undefined;
  host: string;
  url: string;
}

export type UpgradeValidation = { readonly ok: true; readonly request: AcceptedUpgrade } | HandshakeFailure;

/** "1.1" or later (section 4.1, item 1); a version as "major.minor" in digits. */
function isAtLeastHttp11(version: string): boolean {
  const dot = version.indexOf('.');
  const major = Number(dot === -1 ? version : version.slice(0, dot));
  const minor = dot === -1 ? 0 : Number(version.slice(dot + 1));
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false;
  return major > 1 || (major === 1 && minor >= 1);
}

/** Checks an upgrade request against RFC 6455 section 4.2.1; never throws for anything the client sent. */
export function validateUpgradeRequest(request: UpgradeRequest): UpgradeValidation {
  const headers = request.headers;
  // Section 4.2.1 item 1 (and RFC 9110 section 15.5.6: a 405 names the allowed methods).
  if (request.method !== 'GET') {
    return refusal('Invalid HTTP method', HandshakeErrorCode.INVALID_METHOD, HttpStatus.METHOD_NOT_ALLOWED, {
      headers: [['Allow', 'GET']],
    });
  }
  if (!isAtLeastHttp11(request.httpVersion)) {
    return refusal('Invalid HTTP version', HandshakeErrorCode.INVALID_HTTP_VERSION, HttpStatus.BAD_REQUEST);
  }
  // Section 4.2.1 item 2; RFC 7230 section 5.4: a request with no Host, or more than one, gets 400.
  const host = headers.getAll('host');
  if (host.length !== 1 || host[0].length === 0) {
    return refusal('Missing or invalid Host header', HandshakeErrorCode.INVALID_HOST, HttpStatus.BAD_REQUEST);
  }
  // Item 3: Upgrade contains "websocket", case-insensitively.
  const upgrade = headers.get('upgrade');
  if (upgrade === undefined || !upgradeIncludesWebSocket(upgrade)) {
    return refusal('Invalid Upgrade header', HandshakeErrorCode.INVALID_UPGRADE, HttpStatus.BAD_REQUEST);
  }
  // Item 4: Connection contains the token "Upgrade", case-insensitively.
  const connection = headers.get('connection');
  if (connection === undefined || !tokenListIncludes(connection, 'upgrade')) {
    return refusal('Invalid Connection header', HandshakeErrorCode.INVALID_CONNECTION, HttpStatus.BAD_REQUEST);
  }
  // Item 5; section 11.3.1: at most one Sec-WebSocket-Key.
  const keys = headers.getAll('sec-websocket-key');
  if (keys.length !== 1 || !isValidKey(keys[0])) {
    return refusal(
      'Missing or invalid Sec-WebSocket-Key header',
      HandshakeErrorCode.INVALID_KEY,
      HttpStatus.BAD_REQUEST,
    );
  }
  // Item 6: 13, or 8 as ws accepts it (the same framing; see HYBI_DRAFT_VERSION), written exactly as the
  // RFC's grammar has it (no "08" or "13.0"). Section 4.4: another version is answered 426 with all the
  // versions accepted here, "13, 8" (what ws lists too).
  const versions = headers.getAll('sec-websocket-version');
  const version = versions.length === 1 ? ACCEPTED_VERSIONS.get(versions[0]) : undefined;
  if (version === undefined) {
    return unsupportedVersion('Sec-WebSocket-Version', [...ACCEPTED_VERSIONS.values()]);
  }
  // Items 8 and 9.
  const offers = readOffers(headers);
  if (!offers.ok) return offers;
  return {
    ok: true,
    request: {
      key: keys[0],
      version,
      protocols: offers.protocols,
      extensions: offers.extensions,
      origin: headers.get(version === HYBI_DRAFT_VERSION ? 'sec-websocket-origin' : 'origin'),
      host: host[0],
      url: request.url,
    },
  };
}

function upgradeIncludesWebSocket(value: string): boolean {
  try {
    return parseUpgradeList(value).includes('websocket');
  } catch (error) {
    if (error instanceof HeaderSyntaxError) return false;
    throw error;
  }
}

export interface AcceptResponseOptions {
  /** Sec-WebSocket-Accept: computeAccept(request.key, sha1) or computeAcceptAsync. */
  accept: string;
  /** The subprotocol chosen among those offered, if any (a token). */
  protocol?: string;
  /** The Sec-WebSocket-Extensions value agreed (formatExtensionList, or a negotiator's response). */
  extensions?: string;
  /** More header fields, written after the handshake's own. */
  headers?: HeaderInput;
}

/**
 * The 101 answer as lines without CRLFs: status line first, in ws's order (Upgrade, Connection,
 * Sec-WebSocket-Accept, Sec-WebSocket-Protocol, Sec-WebSocket-Extensions), then `headers`. This is the
 * array ws passes to its 'headers' event for listeners to edit; formatHead joins it.
 */
export function acceptResponseLines(options: AcceptResponseOptions): string[] {
  assertFieldValue('Sec-WebSocket-Accept', options.accept);
  const lines = [
    `HTTP/1.1 ${HttpStatus.SWITCHING_PROTOCOLS} ${reasonPhrase(HttpStatus.SWITCHING_PROTOCOLS)}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${options.accept}`,
  ];
  if (options.protocol !== undefined && options.protocol !== '') {
    assertChosenProtocol(options.protocol);
    lines.push(`Sec-WebSocket-Protocol: ${options.protocol}`);
  }
  if (options.extensions !== undefined && options.extensions !== '') {
    assertFieldValue('Sec-WebSocket-Extensions', options.extensions);
    lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  }
  lines.push(...fieldLines(headerPairs(options.headers)));
  return lines;
}

/** The 101 answer, CRLF CRLF included. */
export function acceptResponseHead(options: AcceptResponseOptions): string {
  return formatHead(acceptResponseLines(options));
}

export interface RefusalOptions {
  /** The HTTP status, 100-999 (ws lets verifyClient pick any). */
  status: number;
  /** The body: a short text; the status's reason phrase when absent. */
  message?: string;
  /** More header fields; a name already written (Content-Type, Connection) replaces its value. */
  headers?: HeaderInput;
}

const encoder = new TextEncoder();

/**
 * A refusal: status line, Connection: close, Content-Type: text/plain, Content-Length, any extra fields,
 * then the message as the body. Given a HandshakeError, answers with its status, message and headers.
 * The connection is to be closed once it is written (section 4.2.1: the handshake failed).
 */
export function refusalResponse(refusal: HandshakeError | RefusalOptions): string {
  const status = refusal.status ?? HttpStatus.BAD_REQUEST;
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`An HTTP status must be an integer from 100 to 999, got ${status}`);
  }
  const body = refusal.message || reasonPhrase(status);
  const fields: Array<[string, string]> = [
    ['Connection', 'close'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(encoder.encode(body).length)],
  ];
  // The first extra field named like a default takes its place (as ws's object spread does).
  const replaceable = new Map<string, [string, string]>([
    ['connection', fields[0]],
    ['content-type', fields[1]],
  ]);
  for (const [name, value] of headerPairs(refusal.headers as HeaderInput | undefined)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') throw new TypeError('Content-Length of a refusal is computed from its message');
    const replaced = replaceable.get(lower);
    if (replaced === undefined) {
      fields.push([name, value]);
      continue;
    }
    replaced[0] = name;
    replaced[1] = value;
    replaceable.delete(lower);
  }
  const reason = reasonPhrase(status);
  return formatHead([`HTTP/1.1 ${status}${reason === '' ? ' ' : ` ${reason}`}`, ...fieldLines(fields)]) + body;
}
