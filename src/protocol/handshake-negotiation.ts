// Subprotocols and extensions in the opening handshake (RFC 6455 sections 4.1, 4.2.1, 9.1 and 11.3),
// the same over HTTP/1.1 and over an extended CONNECT (RFC 8441 section 5 keeps both header fields):
// the list a client offers, the offers a server reads from a request, and the client's checks of the
// answer, permessage-deflate's parameters included (RFC 7692 section 7.1). Messages follow ws 8's,
// which ws users see in 'error' and 'wsClientError' events.

import { failure, HandshakeErrorCode, type HandshakeFailure, refusal } from './handshake-error.js';
import type { HeaderFields } from './header-fields.js';
import {
  HeaderSyntaxError,
  isToken,
  type ParsedExtension,
  parseExtensionList,
  parseSubprotocolList,
} from './header-tokens.js';
import { HttpStatus } from './http-status.js';
import {
  type AcceptedDeflateOffer,
  checkDeflateResponse,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
} from './permessage-deflate.js';

/** The first entry of a subprotocol list to offer that cannot be offered, and why. */
export interface ProtocolOfferFault {
  readonly protocol: unknown;
  /** Section 4.1: each is a token ('not-a-token') and none is offered twice ('repeated'). */
  readonly reason: 'not-a-token' | 'repeated';
}

/** What is wrong with a list of subprotocols to offer (the first fault, in order), or null. */
export function protocolOfferFault(protocols: Iterable<unknown>): ProtocolOfferFault | null {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol)) return { protocol, reason: 'not-a-token' };
    if (seen.has(protocol)) return { protocol, reason: 'repeated' };
    seen.add(protocol);
  }
  return null;
}

/** The subprotocols to offer, checked: SyntaxError with ws's message when one is not a token or is repeated. */
export function checkedProtocolOffer(protocols: readonly string[] | undefined): string[] {
  const list = [...(protocols ?? [])];
  if (protocolOfferFault(list) !== null) throw new SyntaxError('An invalid or duplicated subprotocol was specified');
  return list;
}

/** Throws TypeError unless the subprotocol a server chose can be its answer's value: a token (section 4.2.2). */
export function assertChosenProtocol(protocol: string): void {
  if (!isToken(protocol)) throw new TypeError(`The chosen subprotocol ${JSON.stringify(protocol)} is not a token`);
}

/** The offers of an upgrade request, read by the server. */
export type OfferReading =
  | {
      readonly ok: true;
      /** The subprotocols offered, in the client's order of preference (empty when none). */
      readonly protocols: string[];
      /** The extensions offered, in the client's order of preference (empty when none). */
      readonly extensions: ParsedExtension[];
    }
  | HandshakeFailure;

/** The list in header `name` ([] when absent), or the 400 refusal of a value that breaks its grammar. */
function readList<T>(
  headers: HeaderFields,
  name: string,
  parse: (value: string) => T[],
  message: string,
  code: HandshakeErrorCode,
): T[] | HandshakeFailure {
  const value = headers.get(name);
  if (value === undefined) return [];
  try {
    return parse(value);
  } catch (error) {
    if (!(error instanceof HeaderSyntaxError)) throw error;
    return refusal(message, code, HttpStatus.BAD_REQUEST, { cause: error });
  }
}

/**
 * Reads Sec-WebSocket-Protocol and Sec-WebSocket-Extensions from a request (section 4.2.1 items 8 and 9;
 * several field lines join into one list, sections 11.3.2 and 11.3.4). A value that breaks its grammar is
 * refused with 400; never throws for anything the client sent.
 */
export function readOffers(headers: HeaderFields): OfferReading {
  const protocols = readList(
    headers,
    'sec-websocket-protocol',
    parseSubprotocolList,
    'Invalid Sec-WebSocket-Protocol header',
    HandshakeErrorCode.INVALID_PROTOCOL_HEADER,
  );
  if (!Array.isArray(protocols)) return protocols;
  const extensions = readList(
    headers,
    'sec-websocket-extensions',
    parseExtensionList,
    'Invalid or unacceptable Sec-WebSocket-Extensions header',
    HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
  );
  if (!Array.isArray(extensions)) return extensions;
  return { ok: true, protocols, extensions };
}

/** What a client offered, to check the answer against. */
export interface HandshakeOffer {
  /** The subprotocols offered (empty when none). */
  protocols: readonly string[];
  /**
   * The names of the extensions offered whose parameters the caller checks itself (permessage-deflate's
   * name when it is offered without `deflate`).
   */
  extensions?: readonly string[] | undefined;
  /**
   * The permessage-deflate configurations offered, most preferred first (RFC 7692 section 5): the
   * answer's parameters are checked against them here. Null or empty: none offered this way.
   */
  deflate?: readonly PerMessageDeflateOptions[] | null | undefined;
}

export type AnswerCheck =
  | {
      readonly ok: true;
      /** The subprotocol the server chose, or '' when none was offered. */
      readonly protocol: string;
      /** The extensions the server accepted, in its order, each among those offered and named once. */
      readonly extensions: ParsedExtension[];
      /** The deflate offer the answer accepted and what it agrees to; undefined when it accepted none. */
      readonly deflate: AcceptedDeflateOffer | undefined;
    }
  | HandshakeFailure;

/**
 * The client's checks of the answer's Sec-WebSocket-Protocol and Sec-WebSocket-Extensions (section 4.1),
 * in ws's order: a subprotocol must be one offered, sent once, and present when any was offered (ws 8
 * fails with 'Server sent no subprotocol'); an extension must be one offered, named once, and for
 * permessage-deflate fit one of the offers.
 */
export function checkAnswer(headers: HeaderFields, offer: HandshakeOffer): AnswerCheck {
  // Section 4.1: a subprotocol not offered fails the connection; section 11.3.4: sent at most once.
  const protocols = headers.getAll('sec-websocket-protocol');
  let protocol = '';
  if (protocols.length > 0) {
    if (offer.protocols.length === 0) {
      return failure('Server sent a subprotocol but none was requested', HandshakeErrorCode.UNREQUESTED_SUBPROTOCOL);
    }
    if (protocols.length !== 1 || !offer.protocols.includes(protocols[0])) {
      return failure('Server sent an invalid subprotocol', HandshakeErrorCode.INVALID_SUBPROTOCOL);
    }
    protocol = protocols[0];
  } else if (offer.protocols.length > 0) {
    return failure('Server sent no subprotocol', HandshakeErrorCode.MISSING_SUBPROTOCOL);
  }
  // Section 4.1: an extension not offered fails the connection.
  const deflateOffers = offer.deflate ?? [];
  const offeredNames =
    deflateOffers.length > 0 ? [...(offer.extensions ?? []), PERMESSAGE_DEFLATE] : (offer.extensions ?? []);
  let extensions: ParsedExtension[] = [];
  const extensionHeader = headers.get('sec-websocket-extensions');
  if (extensionHeader !== undefined) {
    if (offeredNames.length === 0) {
      return failure(
        'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
        HandshakeErrorCode.UNREQUESTED_EXTENSIONS,
      );
    }
    try {
      extensions = parseExtensionList(extensionHeader);
    } catch (error) {
      if (!(error instanceof HeaderSyntaxError)) throw error;
      return failure('Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER, error);
    }
    const named = new Set<string>();
    for (const extension of extensions) {
      if (!offeredNames.includes(extension.name)) {
        return failure(
          'Server indicated an extension that was not requested',
          HandshakeErrorCode.UNREQUESTED_EXTENSION,
        );
      }
      // Accepting the same extension twice has no meaning (an extension is in use or not).
      if (named.has(extension.name)) {
        return failure('Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER);
      }
      named.add(extension.name);
    }
  }
  let deflate: AcceptedDeflateOffer | undefined;
  const acceptedDeflate = extensions.filter((extension) => extension.name === PERMESSAGE_DEFLATE);
  if (deflateOffers.length > 0 && acceptedDeflate.length > 0) {
    const checked = checkDeflateResponse(deflateOffers, acceptedDeflate);
    if (!checked.ok) return checked;
    deflate = checked.accepted;
  }
  return { ok: true, protocol, extensions, deflate };
}
