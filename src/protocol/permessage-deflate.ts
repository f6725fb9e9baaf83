// Negotiating permessage-deflate (RFC 7692 section 7.1), both roles. The parameters:
//   server_no_context_takeover, client_no_context_takeover   (no value)
//   server_max_window_bits=8..15                             (a value; in an offer, asks the server to use at most that)
//   client_max_window_bits[=8..15]                           (in an offer, the client can take a limit; a value caps itself)
// Offers that break the rules of section 7.1 (unknown, duplicated or badly valued parameters) are
// declined, as section 7 requires; a response that breaks them, or fits none of the client's offers
// (a client may make several, section 5), fails the client's handshake.

import { failure, HandshakeErrorCode, type HandshakeFailure } from './handshake-error.js';
import {
  isBoolean,
  isInteger,
  isObjectOf,
  isOneOf,
  type OptionRule,
  type OptionRules,
  orBoolean,
  orNonEmptyListOf,
  rule,
} from './option-checks.js';

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** One extension from a Sec-WebSocket-Extensions header: its name and parameters in order. */
export interface ExtensionItem {
  name: string;
  /** Parameter name to value (true for a parameter without one); a duplicate is kept as an array. */
  params: ReadonlyMap<string, string | true | ReadonlyArray<string | true>>;
}

/** ws-compatible perMessageDeflate options, plus `memory`. */
export interface PerMessageDeflateOptions {
  /** Server: never carry our window between messages. Client: ask the server not to. */
  serverNoContextTakeover?: boolean | undefined;
  /** Server: require the client not to. Client: promise not to. */
  clientNoContextTakeover?: boolean | undefined;
  /** The server's window bits (8-15): a limit the server sets (server) or asks for (client); false refuses any. */
  serverMaxWindowBits?: boolean | number | undefined;
  /** The client's window bits (8-15); false: the client does not offer the parameter. */
  clientMaxWindowBits?: boolean | number | undefined;
  /** Messages below this many bytes are sent uncompressed (default 1024). */
  threshold?: number | undefined;
  /** zlib jobs running at once, process-wide (default 10). */
  concurrencyLimit?: number | undefined;
  /**
   * 'dedicated' (default, as ws): each connection keeps its own compressor and window, about 300 KiB once
   * used with 15-bit windows. 'shared': both directions negotiate no context takeover and borrow engines
   * from one process-wide pool, so an idle connection holds no compression memory.
   */
  memory?: 'dedicated' | 'shared' | undefined;
  zlibDeflateOptions?: object | undefined;
  zlibInflateOptions?: object | undefined;
}

/** zlib's options: an object (its fields are zlib's to check: the Node transport tries them at construction). */
const isZlibOptions = rule('an object of zlib options', (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? null : 'type',
);

export const PER_MESSAGE_DEFLATE_RULES: OptionRules<PerMessageDeflateOptions> = {
  serverNoContextTakeover: isBoolean,
  clientNoContextTakeover: isBoolean,
  // Section 7.1.2: a window of 8 to 15 bits.
  serverMaxWindowBits: orBoolean(isInteger(8, 15)),
  clientMaxWindowBits: orBoolean(isInteger(8, 15)),
  threshold: isInteger(0),
  concurrencyLimit: isInteger(1),
  memory: isOneOf('dedicated', 'shared'),
  zlibDeflateOptions: isZlibOptions,
  zlibInflateOptions: isZlibOptions,
};

/** The perMessageDeflate option of a server: true, false, or an object of the options above. */
export const isPerMessageDeflateOption: OptionRule = orBoolean(isObjectOf(PER_MESSAGE_DEFLATE_RULES));

/**
 * The perMessageDeflate option of a client: as a server's, or a non-empty array of such objects, offered
 * in that order of preference (RFC 7692 section 5).
 */
export const isClientPerMessageDeflateOption: OptionRule = orBoolean(
  orNonEmptyListOf(isObjectOf(PER_MESSAGE_DEFLATE_RULES)),
);

/** What the handshake agreed. Window bits are 15 where no limit was set. */
export interface DeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

const KNOWN_PARAMETERS = new Set([
  'server_no_context_takeover',
  'client_no_context_takeover',
  'server_max_window_bits',
  'client_max_window_bits',
]);

/** Parses a window-bits value: exactly the decimal 8..15 (section 7.1.2), else null. */
function windowBits(value: string | true): number | null {
  if (value === true || value.length === 0 || value.length > 2) return null;
  if (value.length === 2 && value[0] === '0') return null;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 48 || value.charCodeAt(i) > 57) return null;
  const bits = Number(value);
  return bits >= 8 && bits <= 15 ? bits : null;
}

/** The parameters of one offer or response, checked; null when any breaks section 7.1's rules. */
interface Parameters {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** The number given, or null when absent. */
  serverMaxWindowBits: number | null;
  /** true when present without a value (offers only), the number when given, null when absent. */
  clientMaxWindowBits: number | true | null;
}

function readParameters(item: ExtensionItem, isOffer: boolean): Parameters | null {
  const result: Parameters = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: null,
    clientMaxWindowBits: null,
  };
  for (const [name, value] of item.params) {
    if (!KNOWN_PARAMETERS.has(name) || Array.isArray(value)) return null;
    const single = value as string | true;
    switch (name) {
      case 'server_no_context_takeover':
        if (single !== true) return null;
        result.serverNoContextTakeover = true;
        break;
      case 'client_no_context_takeover':
        if (single !== true) return null;
        result.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(single);
        if (bits === null) return null;
        result.serverMaxWindowBits = bits;
        break;
      }
      default: {
        // client_max_window_bits: valueless only in an offer (section 7.1.2.2).
        if (single === true) {
          if (!isOffer) return null;
          result.clientMaxWindowBits = true;
          break;
        }
        const bits = windowBits(single);
        if (bits === null) return null;
        result.clientMaxWindowBits = bits;
      }
    }
  }
  return result;
}

/** A window-bits option as a number, or null when unset (true/undefined), or false when refused. */
function optionBits(value: boolean | number | undefined, name: string): number | null | false {
  if (value === undefined || value === true) return null;
  if (value === false) return false;
  if (!Number.isInteger(value) || value < 8 || value > 15) {
    throw new RangeError(`perMessageDeflate.${name} must be true, false or an integer from 8 to 15, got ${value}`);
  }
  return value;
}

/**
 * Server side: picks the first acceptable permessage-deflate offer (section 7.1: offers are in the
 * client's order of preference). Returns the agreement and the response parameters, or null to decline.
 */
export function acceptDeflateOffer(
  options: PerMessageDeflateOptions,
  offers: readonly ExtensionItem[],
): { agreement: DeflateAgreement; response: string } | null {
  const shared = options.memory === 'shared';
  const serverLimit = optionBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
  const clientLimit = optionBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const offered = readParameters(offer, true);
    if (offered === null) continue;
    // A client that limits our window is refused only if we were told to refuse any limit.
    if (offered.serverMaxWindowBits !== null && serverLimit === false) continue;
    const serverBits =
      offered.serverMaxWindowBits === null
        ? serverLimit === null || serverLimit === false
          ? null
          : serverLimit
        : Math.min(offered.serverMaxWindowBits, serverLimit === null || serverLimit === false ? 15 : serverLimit);
    // The client's window can be limited only if it offered client_max_window_bits (section 7.1.2.2).
    let clientBits: number | null = null;
    if (offered.clientMaxWindowBits !== null) {
      const offeredBits = offered.clientMaxWindowBits === true ? 15 : offered.clientMaxWindowBits;
      if (clientLimit !== null && clientLimit !== false) clientBits = Math.min(offeredBits, clientLimit);
      else if (offered.clientMaxWindowBits !== true) clientBits = offeredBits;
    }
    const agreement: DeflateAgreement = {
      // Section 7.1.1.1: an offer with server_no_context_takeover is accepted only by honouring it.
      serverNoContextTakeover: shared || Boolean(options.serverNoContextTakeover) || offered.serverNoContextTakeover,
      // Section 7.1.1.2: the server may always require it; when the client offered it, taking it up is free.
      clientNoContextTakeover: shared || Boolean(options.clientNoContextTakeover) || offered.clientNoContextTakeover,
      serverMaxWindowBits: serverBits ?? 15,
      clientMaxWindowBits: clientBits ?? 15,
    };
    const parts = [PERMESSAGE_DEFLATE];
    if (agreement.serverNoContextTakeover) parts.push('server_no_context_takeover');
    if (agreement.clientNoContextTakeover) parts.push('client_no_context_takeover');
    if (serverBits !== null) parts.push(`server_max_window_bits=${serverBits}`);
    if (clientBits !== null) parts.push(`client_max_window_bits=${clientBits}`);
    return { agreement, response: parts.join('; ') };
  }
  return null;
}

/** Client side: one offer, as a Sec-WebSocket-Extensions element. */
export function deflateOffer(options: PerMessageDeflateOptions): string {
  const shared = options.memory === 'shared';
  const serverLimit = optionBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
  const clientLimit = optionBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  const parts = [PERMESSAGE_DEFLATE];
  if (shared || options.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (shared || options.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (typeof serverLimit === 'number') parts.push(`server_max_window_bits=${serverLimit}`);
  if (clientLimit !== false)
    parts.push(clientLimit === null ? 'client_max_window_bits' : `client_max_window_bits=${clientLimit}`);
  return parts.join('; ');
}

/**
 * Client side: several configurations offered at once, most preferred first, as one header value
 * (RFC 7692 section 5: the server accepts one of them, or none).
 */
export function deflateOffers(offers: readonly PerMessageDeflateOptions[]): string {
  return offers.map(deflateOffer).join(', ');
}

/**
 * Why a response's parameters are not an acceptance of the offer `options` made (section 7.1), or null
 * when they are. What a server may always add: server_no_context_takeover (7.1.1.1), client_no_context_takeover
 * (7.1.1.2) and server_max_window_bits when none was asked for (7.1.2.1: our inflater then needs less).
 */
function responseMismatch(options: PerMessageDeflateOptions, params: Parameters): string | null {
  const shared = options.memory === 'shared';
  const serverLimit = optionBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
  const clientLimit = optionBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  // 7.1.1.1: a server accepts an offer of server_no_context_takeover only by answering with it.
  if ((shared || options.serverNoContextTakeover) && !params.serverNoContextTakeover) {
    return 'server_no_context_takeover was requested';
  }
  // 7.1.2.1: an offer of server_max_window_bits is accepted by answering with the same or a smaller value.
  if (typeof serverLimit === 'number') {
    if (params.serverMaxWindowBits === null) return 'server_max_window_bits was requested';
    if (params.serverMaxWindowBits > serverLimit) return 'server_max_window_bits above the limit requested';
  }
  // 7.1.2.2: client_max_window_bits only in answer to an offer of it, and never above the value offered.
  if (params.clientMaxWindowBits !== null) {
    if (clientLimit === false) return 'client_max_window_bits was not offered';
    if (typeof clientLimit === 'number' && (params.clientMaxWindowBits as number) > clientLimit) {
      return 'client_max_window_bits above our offer';
    }
  }
  return null;
}

/** What a response that fits the offer `options` made agrees to. */
function clientAgreement(options: PerMessageDeflateOptions, params: Parameters): DeflateAgreement {
  const shared = options.memory === 'shared';
  const clientLimit = optionBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  return {
    serverNoContextTakeover: params.serverNoContextTakeover,
    // 7.1.1.2: a client that offered client_no_context_takeover keeps to it whatever the answer.
    clientNoContextTakeover: params.clientNoContextTakeover || shared || Boolean(options.clientNoContextTakeover),
    serverMaxWindowBits: params.serverMaxWindowBits ?? 15,
    // 7.1.2.2: a value we offered caps our window even when the answer does not repeat it.
    clientMaxWindowBits:
      (params.clientMaxWindowBits as number | null) ?? (typeof clientLimit === 'number' ? clientLimit : 15),
  };
}

/** Which of several offers a response accepted (its index in the list), and what it agrees to. */
export interface AcceptedDeflateOffer {
  offer: number;
  agreement: DeflateAgreement;
}

export type DeflateResponseCheck = { readonly ok: true; readonly accepted: AcceptedDeflateOffer } | HandshakeFailure;

/**
 * Client side: checks the server's response against the offers made, in order (section 5: a response
 * names no offer, so it accepts the first one whose rules it keeps). Returns the offer taken and the
 * agreement, or the HandshakeError that fails the handshake: a response that is invalid in itself
 * (section 7.1: unknown, duplicated or badly valued parameters) or fits none of the offers.
 */
export function checkDeflateResponse(
  offers: readonly PerMessageDeflateOptions[],
  response: readonly ExtensionItem[],
): DeflateResponseCheck {
  if (response.length !== 1 || response[0].name !== PERMESSAGE_DEFLATE) {
    return failure('Server indicated an extension that was not requested', HandshakeErrorCode.UNREQUESTED_EXTENSION);
  }
  const params = readParameters(response[0], false);
  if (params === null) {
    return failure('Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER);
  }
  const reasons: string[] = [];
  for (const [index, options] of offers.entries()) {
    const mismatch = responseMismatch(options, params);
    if (mismatch === null) return { ok: true, accepted: { offer: index, agreement: clientAgreement(options, params) } };
    reasons.push(mismatch);
  }
  const because =
    reasons.length === 1
      ? reasons[0]
      : `the response fits none of the ${reasons.length} offers (${reasons
          .map((reason, index) => `offer ${index + 1}: ${reason}`)
          .join('; ')})`;
  return failure(`Invalid Sec-WebSocket-Extensions header: ${because}`, HandshakeErrorCode.INVALID_EXTENSIONS_HEADER);
}

/**
 * Client side: checkDeflateResponse with the refusal as its message only (the shape this function has
 * had in wasmsocket/protocol).
 */
export function acceptDeflateResponseToOffers(
  offers: readonly PerMessageDeflateOptions[],
  response: readonly ExtensionItem[],
): AcceptedDeflateOffer | string {
  const checked = checkDeflateResponse(offers, response);
  return checked.ok ? checked.accepted : checked.error.message;
}

/**
 * Client side: checks the server's response to a single offer (section 7.1). Returns the agreement, or
 * a message saying why the handshake must fail (checkDeflateResponse gives it as a HandshakeError).
 */
export function acceptDeflateResponse(
  options: PerMessageDeflateOptions,
  response: readonly ExtensionItem[],
): DeflateAgreement | string {
  const checked = checkDeflateResponse([options], response);
  return checked.ok ? checked.accepted.agreement : checked.error.message;
}
