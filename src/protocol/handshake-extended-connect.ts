// The opening handshake of a WebSocket over an HTTP/2 stream (RFC 8441): the client sends an extended
// CONNECT (section 4: `:method CONNECT` with the `:protocol` pseudo-header, allowed once the server sent
// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1), the server answers 200, and the stream then carries RFC 6455
// frames. Section 5 keeps Sec-WebSocket-Version, -Protocol and -Extensions and drops what HTTP/1.1
// needed to switch protocols on a connection: no Upgrade, no Connection, no Sec-WebSocket-Key/Accept.
// RFC 9220 says the same for HTTP/3, so nothing here is specific to the HTTP/2 framing.
//
// This file holds what both roles use: the pseudo-headers, the constants of RFC 8441 and the rule for
// HTTP/2 header fields. The server's half is handshake-extended-connect-server.ts, the client's
// handshake-extended-connect-client.ts, as HTTP/1.1's are handshake-server.ts and handshake-client.ts.

import { type HeaderInput, headerPairs } from './http-head-writer.js';

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

/** Extra fields for an HTTP/2 message, lower-cased, without HTTP/1.1 connection fields or pseudo-headers. */
export function http2FieldsOf(input: HeaderInput | undefined): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const [name, value] of headerPairs(input)) {
    const lower = name.toLowerCase();
    if (!CONNECTION_SPECIFIC.has(lower)) fields.push([lower, value]);
  }
  return fields;
}
