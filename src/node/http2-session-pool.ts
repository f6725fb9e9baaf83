// The HTTP/2 sessions a WebSocket client shares (RFC 8441): one session per origin (and TLS options)
// carries many WebSockets, each on its own stream, as browsers do. A session is opened on first use:
// TLS with ALPN offering h2 and http/1.1 for wss:, HTTP/2 with prior knowledge (h2c) for ws:. It is
// used only once the server's first SETTINGS frame has arrived and allows extended CONNECT (RFC 8441
// section 3); otherwise the caller is told to fall back to HTTP/1.1.
//
// Lifetime: a session closes (gracefully: GOAWAY, then the TCP close) when its last WebSocket has
// closed, after idleTimeoutMs (0 by default: at once). While it waits it does not keep the process
// alive. A session that receives GOAWAY or fails leaves the pool; its open WebSockets see their streams
// end (1006 unless they were closing).

import { type ClientHttp2Session, connect as http2Connect, type SecureClientSessionOptions } from 'node:http2';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { checkOptions, isMilliseconds, type OptionRules } from '../protocol/option-checks.js';
import { hostnameOf, isSecureUrl, portOf } from '../protocol/websocket-url.js';

/** RFC 7301 protocol IDs offered in the TLS handshake, most preferred first. */
const ALPN_HTTP2 = 'h2';
const ALPN_HTTP1 = 'http/1.1';

/** The client options that reach the TCP/TLS connection (the ones tls.connect and net.connect take). */
const CONNECTION_OPTION_NAMES = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'checkServerIdentity',
  'ciphers',
  'ecdhCurve',
  'minVersion',
  'maxVersion',
  'secureContext',
  'secureOptions',
  'secureProtocol',
  'sigalgs',
  'crl',
  'localAddress',
  'family',
  'lookup',
] as const;

export interface Http2SessionPoolOptions {
  /** How long a session with no WebSocket left stays open for the next one. Default 0: it closes at once. */
  idleTimeoutMs?: number;
}

export const HTTP2_SESSION_POOL_RULES: OptionRules<Http2SessionPoolOptions> = {
  // 0: the session closes as soon as its last WebSocket has.
  idleTimeoutMs: isMilliseconds({ allowZero: true }),
};

/** What a WebSocket gets from the pool. */
export type SessionLease =
  | { readonly kind: 'session'; readonly session: ClientHttp2Session; release(): void }
  /**
   * The origin does not offer WebSockets over HTTP/2: use HTTP/1.1. `createConnection`, when set, hands
   * over the TLS connection whose ALPN chose http/1.1, so the fallback needs no second TLS handshake.
   */
  | { readonly kind: 'fallback'; readonly reason: string; readonly createConnection?: () => Duplex }
  | { readonly kind: 'error'; readonly error: Error };

type Outcome =
  | { kind: 'ready' }
  | { kind: 'fallback'; reason: string; socket?: TLSSocket }
  | { kind: 'error'; error: Error };

/** One session (or one being opened) and the WebSockets on it. */
class PooledSession {
  session: ClientHttp2Session | null = null;
  /** Streams handed out (or promised) and not yet released. */
  streams = 0;
  outcome: Outcome | null = null;
  closing = false;
  idleTimer: NodeJS.Timeout | null = null;
  ready!: Promise<Outcome>;
  readonly key: string;

  constructor(key: string) {
    this.key = key;
  }

  /** Whether another WebSocket can be opened on this session. */
  get usable(): boolean {
    if (this.closing) return false;
    if (this.outcome !== null && this.outcome.kind !== 'ready') return false;
    const session = this.session;
    if (session === null) return this.outcome === null;
    if (session.destroyed || session.closed) return false;
    // RFC 9113 section 5.1.2: the server's SETTINGS_MAX_CONCURRENT_STREAMS bounds what one session carries.
    const limit = session.remoteSettings.maxConcurrentStreams ?? Number.POSITIVE_INFINITY;
    return this.streams < limit;
  }
}

export class Http2SessionPool {
  private readonly idleTimeoutMs: number;
  private readonly entries = new Map<string, PooledSession[]>();
  private closed = false;

  constructor(options: Http2SessionPoolOptions = {}) {
    checkOptions(options, HTTP2_SESSION_POOL_RULES);
    this.idleTimeoutMs = options?.idleTimeoutMs ?? 0;
  }

  /** How many sessions are open or being opened. */
  get sessionCount(): number {
    let count = 0;
    for (const list of this.entries.values()) count += list.length;
    return count;
  }

  /** The sessions that are open, for applications that watch them (ping, stats). */
  sessions(): ClientHttp2Session[] {
    const sessions: ClientHttp2Session[] = [];
    for (const list of this.entries.values()) {
      for (const entry of list)
        if (entry.session !== null && entry.outcome?.kind === 'ready') sessions.push(entry.session);
    }
    return sessions;
  }

  /**
   * Closes every session gracefully (GOAWAY): WebSockets already open go on until they close. WebSockets
   * created with this pool afterwards fail with an error.
   */
  close(): void {
    this.closed = true;
    for (const list of [...this.entries.values()]) for (const entry of [...list]) this.retire(entry);
  }

  /** A session to `url`'s origin on which one more WebSocket may open a stream. */
  async lease(url: URL, options: Readonly<Record<string, unknown>>): Promise<SessionLease> {
    if (this.closed) return { kind: 'error', error: new Error('The HTTP/2 session pool is closed') };
    const key = poolKey(url, options);
    let entry = this.entries.get(key)?.find((each) => each.usable);
    if (entry === undefined) {
      entry = this.open(key, url, options);
      const list = this.entries.get(key);
      if (list === undefined) this.entries.set(key, [entry]);
      else list.push(entry);
    }
    this.reserve(entry);
    const outcome = await entry.ready;
    if (outcome.kind === 'ready' && entry.session !== null && !entry.session.destroyed) {
      const reserved = entry;
      let released = false;
      return {
        kind: 'session',
        session: entry.session,
        release: () => {
          if (released) return;
          released = true;
          this.release(reserved);
        },
      };
    }
    this.release(entry);
    if (outcome.kind === 'error') return outcome;
    if (outcome.kind === 'ready') return { kind: 'error', error: new Error('The HTTP/2 session closed') };
    // Only the first WebSocket that learns of the fallback can take over the TLS connection.
    const socket = outcome.socket;
    if (socket !== undefined && !socket.destroyed) {
      outcome.socket = undefined;
      return { kind: 'fallback', reason: outcome.reason, createConnection: () => socket };
    }
    return { kind: 'fallback', reason: outcome.reason };
  }

  private reserve(entry: PooledSession): void {
    entry.streams++;
    if (entry.idleTimer !== null) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    entry.session?.ref();
  }

  private release(entry: PooledSession): void {
    entry.streams--;
    if (entry.streams > 0) return;
    if (entry.outcome === null) return;
    if (entry.outcome.kind !== 'ready' || this.idleTimeoutMs === 0) {
      this.retire(entry);
      return;
    }
    const session = entry.session;
    if (session === null || session.destroyed) {
      this.retire(entry);
      return;
    }
    // An idle session waits for reuse without keeping the process alive.
    session.unref();
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = null;
      if (entry.streams === 0) this.retire(entry);
    }, this.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  /** Takes the session out of the pool and closes it once its streams are done. */
  private retire(entry: PooledSession): void {
    if (entry.idleTimer !== null) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
    entry.closing = true;
    const list = this.entries.get(entry.key);
    if (list !== undefined) {
      const index = list.indexOf(entry);
      if (index !== -1) list.splice(index, 1);
      if (list.length === 0) this.entries.delete(entry.key);
    }
    const session = entry.session;
    if (session !== null && !session.closed && !session.destroyed) session.close();
    const outcome = entry.outcome;
    if (outcome?.kind === 'fallback' && outcome.socket !== undefined && entry.streams <= 0) {
      outcome.socket.destroy();
      outcome.socket = undefined;
    }
  }

  private open(key: string, url: URL, options: Readonly<Record<string, unknown>>): PooledSession {
    const entry = new PooledSession(key);
    const connection = connectionOptions(options);
    const host = hostnameOf(url);
    const secure = isSecureUrl(url);
    const port = portOf(url);
    const authority = `${secure ? 'https' : 'http'}://${url.host}`;
    entry.ready = new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome) => {
        if (entry.outcome !== null) return;
        entry.outcome = outcome;
        if (outcome.kind !== 'ready') this.retire(entry);
        resolve(outcome);
      };
      const startSession = (socket: Socket, failureBeforeSettings: (error: Error) => Outcome) => {
        const sessionOptions: SecureClientSessionOptions = {
          createConnection: () => socket,
          // A WebSocket client has no use for server push.
          settings: { enablePush: false },
        };
        const session = http2Connect(authority, sessionOptions);
        entry.session = session;
        if (entry.streams === 0) session.unref();
        session.once('remoteSettings', (settings) => {
          if (settings.enableConnectProtocol === true) settle({ kind: 'ready' });
          else settle({ kind: 'fallback', reason: 'The server does not allow extended CONNECT (RFC 8441)' });
        });
        // Node reports a session error here and again on its streams; the pool only forgets the session.
        session.on('error', (error) => {
          settle(failureBeforeSettings(error));
          this.retire(entry);
        });
        session.once('goaway', () => this.retire(entry));
        session.once('close', () => {
          settle(failureBeforeSettings(new Error('The HTTP/2 session closed before the server sent its SETTINGS')));
          this.retire(entry);
        });
      };
      if (secure) {
        const socket = tlsConnect({
          ...(connection as ConnectionOptions),
          host,
          port,
          servername: (connection.servername as string | undefined) ?? (isIP(host) ? '' : host),
          ALPNProtocols: [ALPN_HTTP2, ALPN_HTTP1],
        });
        const onError = (error: Error) => settle({ kind: 'error', error });
        socket.once('error', onError);
        socket.once('secureConnect', () => {
          socket.removeListener('error', onError);
          if (socket.alpnProtocol !== ALPN_HTTP2) {
            // The server chose HTTP/1.1 (or no ALPN at all): it does not speak HTTP/2 on this port.
            socket.on('error', () => {});
            settle({ kind: 'fallback', reason: 'The server did not choose h2 in ALPN', socket });
            return;
          }
          startSession(socket, (error) => ({ kind: 'error', error }));
        });
        return;
      }
      const socket = netConnect({ ...(connection as object), host, port });
      const onError = (error: Error) => settle({ kind: 'error', error });
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.removeListener('error', onError);
        // With prior knowledge there is no negotiation: a server that does not speak h2c answers the
        // connection preface with an HTTP/1.1 error or closes. Either, before any SETTINGS, means HTTP/1.1.
        startSession(socket, () => ({ kind: 'fallback', reason: 'The server did not answer the HTTP/2 preface' }));
      });
    });
    return entry;
  }
}

/** The pool `http2: true` uses. */
export const defaultHttp2SessionPool = new Http2SessionPool();

/** The connection options among a client's options. */
function connectionOptions(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of CONNECTION_OPTION_NAMES) if (options[name] !== undefined) picked[name] = options[name];
  return picked;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/**
 * Sessions are shared by WebSockets to the same origin with the same connection options: primitive
 * options by value, others (a CA buffer, a secureContext, a lookup function) by identity.
 */
function poolKey(url: URL, options: Readonly<Record<string, unknown>>): string {
  const parts = [`${url.protocol}//${url.host}`];
  const connection = connectionOptions(options);
  for (const name of CONNECTION_OPTION_NAMES) {
    const value = connection[name];
    if (value === undefined) continue;
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      let id = objectIds.get(value as object);
      if (id === undefined) {
        id = nextObjectId++;
        objectIds.set(value as object, id);
      }
      parts.push(`${name}=#${id}`);
    } else {
      parts.push(`${name}=${JSON.stringify(value)}`);
    }
  }
  return parts.join(' ');
}
