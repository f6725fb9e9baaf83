// The URL and subprotocol checks of the WHATWG WebSockets standard ("get a URL record", and the
// constructor's protocol checks), which throw SyntaxError DOMExceptions. The checks themselves are the
// protocol layer's (websocket-url.ts, handshake-negotiation.ts); this file gives them the standard's shape.

import { protocolOfferFault } from '../protocol/handshake-negotiation.js';
import { checkWebSocketUrl } from '../protocol/websocket-url.js';

/** The URL as a ws: or wss: URL record: http: and https: are mapped, relative URLs resolved against the page. */
export function webSocketUrl(input: string | URL): URL {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  // The standard refuses any fragment, an empty one ("ws://host/#") too.
  const checked = checkWebSocketUrl(input, { base, refuseEmptyFragment: true });
  if (checked.ok) return checked.url;
  const fault = checked.fault;
  const message =
    fault.code === 'invalid-scheme' ? `The URL's scheme must be ws: or wss:, got ${fault.scheme}` : fault.message;
  throw new DOMException(message, 'SyntaxError');
}

/** Subprotocols to offer: each a token (RFC 6455 section 4.1), none twice; SyntaxError otherwise. */
export function checkedProtocols(protocols: string | readonly string[] | undefined): string[] {
  const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  const fault = protocolOfferFault(list);
  if (fault === null) return list;
  throw new DOMException(
    fault.reason === 'repeated'
      ? `Subprotocol ${String(fault.protocol)} is offered twice`
      : `Invalid subprotocol ${JSON.stringify(fault.protocol)}`,
    'SyntaxError',
  );
}
