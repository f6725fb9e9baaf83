// The URL and subprotocol checks of the WHATWG WebSockets standard ("get a URL record", and the
// constructor's protocol checks), which throw SyntaxError DOMExceptions.

import { isToken } from '../protocol/header-tokens.js';

/** The URL as a ws: or wss: URL record: http: and https: are mapped, relative URLs resolved against the page. */
export function webSocketUrl(input: string | URL): URL {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try {
    url = new URL(input instanceof URL ? input.href : String(input), base);
  } catch {
    throw new DOMException(`Invalid URL: ${String(input)}`, 'SyntaxError');
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new DOMException(`The URL's scheme must be ws: or wss:, got ${url.protocol}`, 'SyntaxError');
  }
  if (url.hash !== '' || url.href.endsWith('#')) {
    throw new DOMException('The URL contains a fragment identifier', 'SyntaxError');
  }
  return url;
}

/** Subprotocols to offer: each a token (RFC 6455 section 4.1), none twice; SyntaxError otherwise. */
export function checkedProtocols(protocols: string | readonly string[] | undefined): string[] {
  const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  const seen = new Set<string>();
  for (const protocol of list) {
    if (typeof protocol !== 'string' || !isToken(protocol)) {
      throw new DOMException(`Invalid subprotocol ${JSON.stringify(protocol)}`, 'SyntaxError');
    }
    if (seen.has(protocol)) throw new DOMException(`Subprotocol ${protocol} is offered twice`, 'SyntaxError');
    seen.add(protocol);
  }
  return list;
}
