// The client side of the opening handshake in Node (RFC 6455 section 4.1), over node:http/https so that
// agents (proxies), createConnection, TLS options and ws+unix: sockets work as they do with ws. The
// WebSocket constructor calls startClient; redirects come back to it, and so does an HTTP/2 attempt
// (http2-client.ts) that goes on over HTTP/1.1. The WebSocket's state moves through its own methods:
// _beginHandshake (with the hook that abandons the attempt), _failBeforeOpen, _adopt.

import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { type RequestOptions as HttpsRequestOptions, request as httpsRequest } from 'node:https';
import { isIP, connect as netConnect, type createConnection as netCreateConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { basicAuthorization, credentialsOf } from '../protocol/basic-authorization.js';
import { validateUpgradeResponse } from '../protocol/handshake-client.js';
import { unexpectedResponseError } from '../protocol/handshake-error.js';
import { computeAccept, generateKey } from '../protocol/handshake-key.js';
import { checkedProtocolOffer } from '../protocol/handshake-negotiation.js';
import { HeaderFields } from '../protocol/header-fields.js';
import { deflateOffers } from '../protocol/permessage-deflate.js';
import {
  checkWebSocketUrl,
  defaultPortOf,
  hostnameOf,
  isSecureUrl,
  isUnixSocketUrl,
  requestTargetOf,
  unixSocketTargetOf,
} from '../protocol/websocket-url.js';
import { clientDeflateSettings, deflateOfferListOf, type PerMessageDeflateOptions } from './deflate-setup.js';
import { publishOpen } from './diagnostics.js';
import { startHttp2Client, wantsHttp2 } from './http2-client.js';
import type { Http2SessionPool } from './http2-session-pool.js';
import { checkClientOptions } from './options-check.js';
import { nodeRandom, sha1 } from './platform.js';
import type { ConnectionSettings } from './socket-glue.js';
import type { WebSocket } from './websocket.js';

/** Certificate or key data, as the TLS options take it (ws's CertMeta). */
export type CertMeta = string | string[] | Buffer | Buffer[];

/**
 * Called with the upgrade request before it is sent, to add headers at the last moment; it must call
 * request.end() itself (ws's finishRequest).
 */
export type FinishRequestCallback = (request: ClientRequest, websocket: WebSocket) => void;

/**
 * The client's options: ws's, the HTTP and TLS request options they pass on (agent, headers, ca, cert,
 * rejectUnauthorized...), and wasmsocket's own. The constructor also takes a plain ClientRequestArgs, as
 * ws's does. The request's host, port, path and timeout come from the URL and handshakeTimeout.
 */
export interface ClientOptions
  extends ConnectionSettings,
    Omit<HttpsRequestOptions, 'timeout' | 'path' | 'port' | 'hostname' | 'createConnection'> {
  handshakeTimeout?: number | undefined;
  followRedirects?: boolean | undefined;
  maxRedirects?: number | undefined;
  origin?: string | undefined;
  /** 13 (the default), or 8 for servers of the last hybi draft. */
  protocolVersion?: number | undefined;
  /**
   * Offer permessage-deflate (default true, as ws). An array offers several configurations, most
   * preferred first, in one Sec-WebSocket-Extensions header (RFC 7692 section 5); the server's answer
   * picks one, and the first offer it fits configures the connection.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions | readonly PerMessageDeflateOptions[] | undefined;
  finishRequest?: FinishRequestCallback | undefined;
  /** Opens the TCP (or IPC) connection, in place of net.connect and tls.connect. */
  createConnection?: typeof netCreateConnection | RequestOptions['createConnection'] | undefined;
  /**
   * Open the WebSocket over HTTP/2 (RFC 8441) when the server offers it, sharing one session per origin
   * (true: the default pool; or a pool of your own); otherwise, and with an agent, createConnection or
   * socketPath, over HTTP/1.1 as usual. See docs/http2.md.
   */
  http2?: boolean | Http2SessionPool | undefined;
}

/** Per-WebSocket handshake state kept across redirects. */
interface ClientState {
  redirects: number;
  originalHost: string;
  originalSecure: boolean;
  originalIpc: boolean;
  /** The Authorization header made from the first URL's credentials: redirects keep it (as ws does). */
  firstAuthorization: string | null;
}

const states = new WeakMap<WebSocket, ClientState>();

/** Starts (or, after a redirect, restarts) the opening handshake of a client WebSocket. */
export function startClient(
  websocket: WebSocket,
  address: string | URL,
  protocols: string | string[] | undefined,
  options: ClientOptions,
): void {
  const state = states.get(websocket) ?? {
    redirects: 0,
    originalHost: '',
    originalSecure: false,
    originalIpc: false,
    firstAuthorization: null,
  };
  states.set(websocket, state);
  // Every option is checked before anything is sent: a bad one throws from the constructor (a redirect
  // comes back here with the same options). protocolVersion first, with ws's message: version 8 (the
  // last hybi draft, framed as 13) is still offered for old servers, as ws does.
  if (state.redirects === 0) checkClientOptions(options);
  const settings: ClientOptions = {
    followRedirects: false,
    maxRedirects: 10,
    protocolVersion: 13,
    perMessageDeflate: true,
    ...options,
  };

  const checkedUrl = checkWebSocketUrl(address, { unixSocket: true });
  if (checkedUrl.url === null) throw new SyntaxError(checkedUrl.fault.message);
  let inFlight: ClientRequest | null = null;
  let settled = false;
  // close() or terminate() before 'open', the handshake timeout and an unexpected response abandon the
  // attempt. Over HTTP/2 (below) that attempt installs its own.
  const abort = (error: Error) => {
    if (settled) return;
    settled = true;
    inFlight?.destroy();
    // After a complete non-101 answer the socket is no longer the request's to destroy: drop it too, or
    // a kept-alive connection stays open.
    inFlight?.socket?.destroy();
    websocket._failBeforeOpen(error);
  };
  // As ws does, a URL that parses is websocket.url even when it is refused: after a redirect to a bad
  // URL, the 'error' that follows comes with it.
  websocket._beginHandshake(checkedUrl.url.href, (reason) => abort(new Error(reason)));
  if (!checkedUrl.ok) {
    const error = new SyntaxError(checkedUrl.fault.message);
    if (state.redirects === 0) throw error;
    websocket._failBeforeOpen(error);
    return;
  }
  const url = checkedUrl.url;
  const isSecure = isSecureUrl(url);
  const isIpc = isUnixSocketUrl(url);

  const protocolList = protocols === undefined ? [] : Array.isArray(protocols) ? protocols : [protocols];
  const offered = new Set<string>(checkedProtocolOffer(protocolList));

  if (!isIpc && wantsHttp2(settings)) {
    startHttp2Client(websocket, url, [...offered], settings, (createConnection) =>
      startClient(websocket, url, protocols, {
        ...options,
        http2: false,
        ...(createConnection && { createConnection }),
      }),
    );
    return;
  }

  const key = generateKey(nodeRandom);
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    if (value !== undefined) headers[name] = value as string | number | string[];
  }
  Object.assign(headers, {
    'Sec-WebSocket-Version': settings.protocolVersion,
    'Sec-WebSocket-Key': key,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
  });
  if (offered.size > 0) headers['Sec-WebSocket-Protocol'] = [...offered].join(',');
  const deflateOffered = deflateOfferListOf(settings.perMessageDeflate);
  if (deflateOffered !== null) headers['Sec-WebSocket-Extensions'] = deflateOffers(deflateOffered);
  // Draft 8 named the origin header Sec-WebSocket-Origin.
  if (settings.origin) headers[settings.protocolVersion === 8 ? 'Sec-WebSocket-Origin' : 'Origin'] = settings.origin;

  // createConnection is called as http.request calls it; net.createConnection (ws's type) takes that too.
  const requestOptions: RequestOptions & { createConnection?: unknown } = {
    ...(settings as Omit<ClientOptions, 'createConnection'>),
    method: 'GET',
    headers,
    host: hostnameOf(url),
    port: url.port || defaultPortOf(url),
    path: requestTargetOf(url),
    timeout: settings.handshakeTimeout,
    defaultPort: defaultPortOf(url),
  };
  delete (requestOptions as { hostname?: string }).hostname;
  if (!settings.createConnection && !settings.agent) {
    requestOptions.createConnection = (isSecure ? tlsConnectFor : netConnect) as never;
  }
  // node:http writes Authorization from `auth` (the URL's credentials, or the caller's auth option).
  const credentials = credentialsOf(url);
  if (credentials !== null) requestOptions.auth = credentials;
  if (isIpc) Object.assign(requestOptions, unixSocketTargetOf(url));

  if (settings.followRedirects) {
    const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    if (state.redirects === 0) {
      state.originalIpc = isIpc;
      state.originalSecure = isSecure;
      state.originalHost = isIpc ? (requestOptions.socketPath as string) : url.host;
      if (requestOptions.auth && !hasAuthorization) {
        state.firstAuthorization = basicAuthorization(requestOptions.auth);
      }
    } else if (state.firstAuthorization !== null && !hasAuthorization) {
      // The credentials of the URL the user gave follow same-host redirects (a Location's own
      // credentials do not replace them); the check below drops them on a cross-host one.
      headers.authorization = state.firstAuthorization;
    }
    if (state.redirects > 0 && websocket.listenerCount('redirect') === 0) {
      // A redirect to another host (or from TLS to plain text) must not carry the credentials.
      const sameHost = isIpc
        ? state.originalIpc && requestOptions.socketPath === state.originalHost
        : !state.originalIpc && url.host === state.originalHost;
      if (!sameHost || (state.originalSecure && !isSecure)) {
        for (const name of Object.keys(headers)) {
          const lower = name.toLowerCase();
          if (lower === 'authorization' || lower === 'cookie' || (!sameHost && lower === 'host')) delete headers[name];
        }
        requestOptions.auth = undefined;
      }
    }
  }

  const request = (isSecure ? httpsRequest : httpRequest)(requestOptions);
  inFlight = request;
  if (state.redirects > 0) websocket.emit('redirect', websocket.url, request);

  if (settings.handshakeTimeout) request.on('timeout', () => abort(new Error('Opening handshake has timed out')));
  request.on('error', (error) => {
    if (settled) return;
    settled = true;
    websocket._failBeforeOpen(error);
  });
  request.on('response', (response: IncomingMessage) => {
    if (settled) return;
    const location = response.headers.location;
    const status = response.statusCode ?? 0;
    if (location && settings.followRedirects && status >= 300 && status < 400) {
      settled = true;
      request.destroy();
      if (++state.redirects > (settings.maxRedirects ?? 10)) {
        websocket._failBeforeOpen(new Error('Maximum redirects exceeded'));
        return;
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        websocket._failBeforeOpen(new SyntaxError(`Invalid URL: ${location}`));
        return;
      }
      startClient(websocket, next, protocols, options);
      return;
    }
    if (!websocket.emit('unexpected-response', request, response)) abort(unexpectedResponseError(status));
  });
  request.on('upgrade', (response: IncomingMessage, socket: Duplex, head: Buffer) => {
    websocket.emit('upgrade', response);
    if (settled || websocket.readyState !== websocket.CONNECTING) return;
    settled = true;
    const checked = validateUpgradeResponse(
      { status: response.statusCode ?? 0, headers: HeaderFields.fromRawPairs(response.rawHeaders) },
      { accept: computeAccept(key, sha1), protocols: [...offered], deflate: deflateOffered },
    );
    if (!checked.ok) {
      socket.destroy();
      websocket._failBeforeOpen(checked.error);
      return;
    }
    const negotiated = clientDeflateSettings(checked.deflate, deflateOffered);
    websocket._adopt(socket, head, settings, {
      protocol: checked.protocol,
      extensions: negotiated === undefined ? '' : (response.headers['sec-websocket-extensions'] as string),
      deflate: negotiated,
    });
    publishOpen(websocket, 'client', websocket.url, socket, '1.1');
    websocket.emit('open');
  });

  if (settings.finishRequest) settings.finishRequest(request, websocket);
  else request.end();
}

/** tls.connect with SNI set from the host, unless it is an IP address (as ws does). */
function tlsConnectFor(options: { host?: string; servername?: string }): Duplex {
  const host = options.host ?? '';
  return tlsConnect({ ...options, servername: options.servername ?? (isIP(host) ? '' : host) } as never);
}
