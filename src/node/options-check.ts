// The options of the Node WebSocket client, and those of each connection (which the server takes too),
// checked in the constructors (the rules and error classes are in src/protocol/option-checks.ts; the
// server's own options are server-options-check.ts). A table per object lists every option it reads;
// TypeScript makes sure none is left out. ws's own checks keep ws's wording and error classes:
// protocolVersion's RangeError (below), the URL's and subprotocols' SyntaxErrors (client-handshake.ts).
// Options no table lists are left alone, as ws leaves them (it takes Node's http.request options too,
// which Node checks).

import type { RequestOptions } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import {
  checkOptions,
  isBoolean,
  isByteLimit,
  isFunction,
  isInteger,
  isMilliseconds,
  isOneOf,
  isString,
  type OptionRules,
  optionTypeError,
  orBoolean,
  orNull,
  rule,
} from '../protocol/option-checks.js';
import { isClientPerMessageDeflateOption } from '../protocol/permessage-deflate.js';
import type { ClientOptions } from './client-handshake.js';
import { checkZlibOptions } from './deflate-setup.js';
import { isHeartbeatOptions } from './heartbeat.js';
import { Http2SessionPool } from './http2-session-pool.js';
import type { ConnectionSettings } from './socket-glue.js';

/** What a server and a client both take: the limits and behaviour of each connection. */
export const CONNECTION_RULES: OptionRules<ConnectionSettings> = {
  // 0 or Infinity: no limit, as in ws.
  maxPayload: isByteLimit,
  maxFragments: isInteger(0),
  skipUTF8Validation: isBoolean,
  autoPong: isBoolean,
  allowSynchronousEvents: isBoolean,
  // 0: the peer gets no time to answer our close frame (ws accepts it too).
  closeTimeout: isMilliseconds({ allowZero: true }),
  heartbeat: isHeartbeatOptions,
  maxBackpressure: isInteger(0),
  backpressurePolicy: isOneOf('close', 'refuse'),
  streamMessages: isBoolean,
  // ws tests it for truth: null is no function.
  generateMask: orNull(isFunction),
};

/** protocolVersion keeps ws's check: 8 or 13 exactly (a string '13' too is refused), with ws's message. */
const isProtocolVersion = {
  expected: '8 or 13',
  check(value: unknown) {
    if (value !== 8 && value !== 13) {
      throw new RangeError(`Unsupported protocol version: ${String(value)} (supported versions: 8, 13)`);
    }
  },
};

/** `http2`: true, false or a pool of one's own. */
const isHttp2Option = orBoolean(
  rule('an Http2SessionPool', (value) => (value instanceof Http2SessionPool ? null : 'type')),
);

/** `headers`: an object of header fields (Node's http.request checks names and values). */
const isHeaderRecord = rule('an object of header fields', (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? null : 'type',
);

/** The client's own options; those of http.request (agent, TLS options...) are Node's to check. */
type OwnClientOptions = Omit<ClientOptions, keyof HttpsRequestOptions | keyof ConnectionSettings> &
  Pick<RequestOptions, 'headers' | 'createConnection'>;

export const CLIENT_RULES: OptionRules<OwnClientOptions> = {
  protocolVersion: isProtocolVersion,
  // 0: no timeout, as in ws.
  handshakeTimeout: isMilliseconds({ allowZero: true }),
  followRedirects: isBoolean,
  maxRedirects: isInteger(0),
  // ws tests these for truth (or spreads them), so null is "not set" for them too.
  origin: orNull(isString),
  // One configuration, or several offered in order of preference (RFC 7692 section 5).
  perMessageDeflate: isClientPerMessageDeflateOption,
  finishRequest: orNull(isFunction),
  http2: isHttp2Option,
  headers: orNull(isHeaderRecord),
  createConnection: orNull(isFunction),
};

/** Checks a client's options; `options` may be anything the constructor was given (null: none). */
export function checkClientOptions(options: unknown): void {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw optionTypeError('options', 'an object', options);
  }
  const given = (options ?? {}) as ClientOptions;
  checkOptions(given, CLIENT_RULES);
  checkOptions(given, CONNECTION_RULES);
  checkZlibOptions(given.perMessageDeflate);
}
