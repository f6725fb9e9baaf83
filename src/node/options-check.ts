// The options of the Node WebSocketServer and WebSocket client, checked in their constructors (the
// rules and error classes are in src/protocol/option-checks.ts). A table per object lists every option
// it reads; TypeScript makes sure none is left out. ws's own checks keep ws's wording and error classes:
// the port/server/noServer TypeError (websocket-server.ts), protocolVersion's RangeError (below), the
// URL's and subprotocols' SyntaxErrors (client-handshake.ts). Options no table lists are left alone, as
// ws leaves them (it takes Node's http.request options too, which Node checks).

import type { RequestOptions } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import {
  checkOptions,
  hasMethods,
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
import { OriginAllowList } from '../protocol/origin.js';
import { isClientPerMessageDeflateOption, isPerMessageDeflateOption } from '../protocol/permessage-deflate.js';
import type { ClientOptions } from './client-handshake.js';
import { checkZlibOptions } from './deflate-setup.js';
import { isHeartbeatOptions } from './heartbeat.js';
import { Http2SessionPool } from './http2-session-pool.js';
import { type ConnectionSettings, WebSocket } from './websocket.js';
import type { WebSocketServerOptions } from './websocket-server.js';

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

/** `port`: what server.listen takes as a port (ws passes it on): an integer 0-65535, or a string Node reads. */
const isPort = rule('an integer from 0 to 65535', (value) => {
  if (typeof value === 'string') return null;
  if (typeof value !== 'number') return 'type';
  return Number.isInteger(value) && value >= 0 && value <= 65535 ? null : 'range';
});

/** The `WebSocket` option: the class the server makes for each connection. */
const isWebSocketClass = rule('the WebSocket class or a subclass of it', (value) =>
  value === WebSocket || (typeof value === 'function' && value.prototype instanceof WebSocket) ? null : 'type',
);

const isAllowedOrigins = {
  expected: 'an array of origins',
  check(value: unknown, name: string) {
    OriginAllowList.from(value, name);
  },
};

export const SERVER_RULES: OptionRules<Omit<WebSocketServerOptions, keyof ConnectionSettings>> = {
  // ws's defaults are null for these: null means not set.
  host: orNull(isString),
  port: orNull(isPort),
  backlog: orNull(isInteger(0)),
  server: orNull(hasMethods('on', 'removeListener')),
  noServer: isBoolean,
  path: orNull(isString),
  verifyClient: orNull(isFunction),
  handleProtocols: orNull(isFunction),
  clientTracking: isBoolean,
  perMessageDeflate: isPerMessageDeflateOption,
  WebSocket: isWebSocketClass,
  handshakeTimeout: isMilliseconds({ allowZero: false }),
  // Node's http.createServer takes 1 and up.
  maxHeaderSize: isInteger(1),
  // 0: no limit, for these three.
  maxHeaderCount: isInteger(0),
  maxConnections: isInteger(0),
  maxConnectionsPerAddress: isInteger(0),
  allowedOrigins: isAllowedOrigins,
  pubsub: hasMethods('attach', 'publish', 'subscribe', 'unsubscribe', 'close'),
};

/**
 * Checks a WebSocketServer's options (after ws's port/server/noServer check), whatever its request class
 * (`never` takes every request class's callbacks).
 */
export function checkServerOptions(options: WebSocketServerOptions<typeof WebSocket, never>): void {
  checkOptions(options, SERVER_RULES);
  checkOptions(options, CONNECTION_RULES);
  checkZlibOptions(options.perMessageDeflate);
}

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
