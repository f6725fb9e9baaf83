// The options of the Node WebSocketServer, checked in its constructor, and those of its methods (the rules
// and error classes are in src/protocol/option-checks.ts; what each connection takes, CONNECTION_RULES,
// is options-check.ts). A table lists every option it reads; TypeScript makes sure none is left out.
// ws's own check keeps ws's wording: the port/server/noServer TypeError (websocket-server.ts).

import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_PAYLOAD } from '../protocol/defaults.js';
import {
  checkOptions,
  hasMethods,
  isBoolean,
  isFunction,
  isInteger,
  isMilliseconds,
  isString,
  type OptionRules,
  orNull,
  rule,
} from '../protocol/option-checks.js';
import { OriginAllowList } from '../protocol/origin.js';
import { isPerMessageDeflateOption } from '../protocol/permessage-deflate.js';
import { checkZlibOptions } from './deflate-setup.js';
import { CONNECTION_RULES } from './options-check.js';
import type { ConnectionSettings } from './socket-glue.js';
import { WebSocket } from './websocket.js';
import type { ShutdownOptions, WebSocketServerOptions } from './websocket-server.js';

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
 * ws's server options with the values a server runs with when they are not given, under ws's names and
 * with ws's nulls, so that `wss.options` reads as it does with ws (ws fills them in the same way). Our
 * own options are left out: absent, they keep their documented defaults. maxFragments is 0 (no limit),
 * the one default that is not ws's (README, "Where behaviour differs from ws").
 */
export const SERVER_DEFAULTS = {
  allowSynchronousEvents: true,
  autoPong: true,
  maxFragments: 0,
  maxPayload: DEFAULT_MAX_PAYLOAD,
  skipUTF8Validation: false,
  perMessageDeflate: false,
  handleProtocols: null,
  clientTracking: true,
  closeTimeout: DEFAULT_CLOSE_TIMEOUT_MS,
  verifyClient: null,
  noServer: false,
  backlog: null,
  server: null,
  host: null,
  path: null,
  port: null,
} as const;

/**
 * Checks a WebSocketServer's options (after ws's port/server/noServer check), whatever its request class
 * (`never` takes every request class's callbacks).
 */
export function checkServerOptions(options: WebSocketServerOptions<typeof WebSocket, never>): void {
  checkOptions(options, SERVER_RULES);
  checkOptions(options, CONNECTION_RULES);
  checkZlibOptions(options.perMessageDeflate);
}

/** The options of wss.shutdown(). */
export const SHUTDOWN_RULES: OptionRules<ShutdownOptions> = {
  // A code a close frame may carry (RFC 6455 section 7.4); encodeClosePayload checks which.
  code: isInteger(1000, 4999),
  reason: isString,
  timeoutMs: isMilliseconds({ allowZero: true }),
};

/** broadcast's and publish's `except`: one of the server's connections. */
export const isWebSocket = rule('a WebSocket', (value) => (value instanceof WebSocket ? null : 'type'));
