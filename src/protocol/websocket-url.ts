// A WebSocket URL (RFC 6455 section 3) as every client here reads it: parsed as a WHATWG URL, http: and
// https: taken as ws: and wss: (as ws and the WHATWG WebSockets standard do), no fragment, and for the
// Node client also ws+unix: (ws's URL for a Unix domain socket). Then the pieces a transport needs: the
// host and port to connect to, the request-target, and a ws+unix: URL's socket path.

/**
 * Why a URL is not a WebSocket URL, with ws's message. The transports throw it as ws and the WHATWG
 * constructor do: a SyntaxError (webSocketUrl), or a SyntaxError DOMException (src/web).
 */
export type WebSocketUrlFault =
  | { readonly code: 'invalid-url'; readonly message: string }
  /** `scheme`: the URL's scheme with its colon ("ftp:"). */
  | { readonly code: 'invalid-scheme'; readonly message: string; readonly scheme: string }
  | { readonly code: 'fragment'; readonly message: string }
  | { readonly code: 'empty-socket-path'; readonly message: string };

export interface WebSocketUrlOptions {
  /** Resolves a relative URL (the WHATWG constructor passes the document's URL); absent: absolute only. */
  base?: string | undefined;
  /** Accept ws+unix:socket-path[:request-target] (ws's; Node only). Default false. */
  unixSocket?: boolean | undefined;
  /**
   * Refuse "ws://host/#" as well: the WHATWG standard refuses any fragment, even an empty one; ws (and
   * so the Node client) looks only at a non-empty one. Default false.
   */
  refuseEmptyFragment?: boolean | undefined;
}

type InvalidUrl = Extract<WebSocketUrlFault, { code: 'invalid-url' }>;

export type WebSocketUrlCheck =
  | { readonly ok: true; readonly url: URL }
  /** `url`: the parsed URL with http(s): mapped, which ws reports as websocket.url even so. */
  | { readonly ok: false; readonly url: URL; readonly fault: Exclude<WebSocketUrlFault, InvalidUrl> }
  | { readonly ok: false; readonly url: null; readonly fault: InvalidUrl };

const UNIX_SOCKET_SCHEME = 'ws+unix:';

function schemeList(unixSocket: boolean): string {
  return unixSocket ? '"ws:", "wss:", "http:", "https:", or "ws+unix:"' : '"ws:", "wss:", "http:" or "https:"';
}

/** Checks `input` as a WebSocket URL; never throws. The URL returned is a new object, never `input`. */
export function checkWebSocketUrl(input: string | URL, options: WebSocketUrlOptions = {}): WebSocketUrlCheck {
  let url: URL;
  try {
    url = new URL(input instanceof URL ? input.href : String(input), options.base);
  } catch {
    return { ok: false, url: null, fault: { code: 'invalid-url', message: `Invalid URL: ${String(input)}` } };
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  const unixSocket = options.unixSocket === true && url.protocol === UNIX_SOCKET_SCHEME;
  let fault: WebSocketUrlFault | null = null;
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:' && !unixSocket) {
    fault = {
      code: 'invalid-scheme',
      message: `The URL's protocol must be one of ${schemeList(options.unixSocket === true)}`,
      scheme: url.protocol,
    };
  } else if (unixSocket && url.pathname === '') {
    fault = { code: 'empty-socket-path', message: "The URL's pathname is empty" };
  } else if (url.hash !== '' || (options.refuseEmptyFragment === true && url.href.endsWith('#'))) {
    // url.hash is '' for an empty fragment as for none; only the serialization shows the '#'.
    fault = { code: 'fragment', message: 'The URL contains a fragment identifier' };
  }
  return fault === null ? { ok: true, url } : { ok: false, url, fault };
}

/** The WebSocket URL of `input` (see checkWebSocketUrl); a SyntaxError with ws's message otherwise. */
export function webSocketUrl(input: string | URL, options?: WebSocketUrlOptions): URL {
  const checked = checkWebSocketUrl(input, options);
  if (!checked.ok) throw new SyntaxError(checked.fault.message);
  return checked.url;
}

/** wss: runs over TLS (section 3); ws: and ws+unix: do not. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'wss:';
}

/** Whether the URL names a Unix domain socket (ws+unix:). */
export function isUnixSocketUrl(url: URL): boolean {
  return url.protocol === UNIX_SOCKET_SCHEME;
}

/** Section 3: port 80 for ws, 443 for wss when the URL gives none. */
export function defaultPortOf(url: URL): 80 | 443 {
  return isSecureUrl(url) ? 443 : 80;
}

/** The URL's port, or the scheme's default. */
export function portOf(url: URL): number {
  return url.port === '' ? defaultPortOf(url) : Number(url.port);
}

/** The URL's host name as a socket API wants it: an IPv6 address without its brackets. */
export function hostnameOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Section 3 and 4.1: the request-target ("resource name"), path and query; never the fragment. */
export function requestTargetOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}

/**
 * A ws+unix: URL's socket path and request-target, split at the first colon as ws does
 * ("ws+unix:/tmp/app.sock:/chat?room=1"); without a colon the whole is the socket path and the target is ''.
 */
export function unixSocketTargetOf(url: URL): { socketPath: string; path: string } {
  const whole = requestTargetOf(url);
  const colon = whole.indexOf(':');
  return colon === -1
    ? { socketPath: whole, path: '' }
    : { socketPath: whole.slice(0, colon), path: whole.slice(colon + 1) };
}
