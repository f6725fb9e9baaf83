// An HTTP/2 server on 127.0.0.1 carrying a WebSocketServer (the `server` option), as an application would
// set it up, plus what the tests look at: every HTTP/2 session it accepted, every WebSocket and the
// request it came with, and each connection's close.

import type { IncomingMessage } from 'node:http';
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type SecureServerOptions,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { WebSocketServerOptions } from '../../src/index.ts';
import { type WebSocket, WebSocketServer } from '../../src/index.ts';
import { within } from '../support/waits.ts';
import { TLS_CERT, TLS_KEY } from './tls-fixture.ts';

export interface Accepted {
  ws: WebSocket;
  request: IncomingMessage;
  /** The 'error' events the WebSocket emitted (a protocol error carries its closeCode). */
  errors: (Error & { closeCode?: number })[];
  closed: Promise<{ code: number; reason: string }>;
}

export interface H2Endpoint {
  server: Http2Server | Http2SecureServer;
  wss: WebSocketServer;
  port: number;
  /** 'ws://127.0.0.1:port' or 'wss://127.0.0.1:port'. */
  origin: string;
  secure: boolean;
  /** Every HTTP/2 session the server accepted, in order. */
  sessions: ServerHttp2Session[];
  accepted: Accepted[];
  /** The next WebSocket the server accepts (or the ones already accepted, in order, not yet taken). */
  nextConnection(): Promise<Accepted>;
  close(): Promise<void>;
}

export interface EndpointOptions {
  secure: boolean;
  /** Serve HTTP/1.1 too (TLS only; ALPN picks). */
  allowHTTP1?: boolean;
  wssOptions?: Omit<WebSocketServerOptions, 'server' | 'port' | 'noServer'>;
  /** Echo every message back with its type (default true). */
  echo?: boolean;
  /** The application's own handler for streams that are not WebSockets. */
  onRequest?: Parameters<typeof createServer>[1];
}

/** Client options that trust the fixture certificate. */
export const TRUST_FIXTURE = { ca: TLS_CERT } as const;

export async function startH2Endpoint(options: EndpointOptions): Promise<H2Endpoint> {
  const { secure, echo = true } = options;
  const serverOptions: SecureServerOptions = secure
    ? { key: TLS_KEY, cert: TLS_CERT, allowHTTP1: options.allowHTTP1 ?? false }
    : {};
  const server = secure
    ? createSecureServer(serverOptions, options.onRequest)
    : createServer(serverOptions, options.onRequest);
  const wss = new WebSocketServer({ ...options.wssOptions, server });
  const sessions: ServerHttp2Session[] = [];
  server.on('session', (session: ServerHttp2Session) => sessions.push(session));
  const accepted: Accepted[] = [];
  let taken = 0;
  let wake: (() => void) | null = null;
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const errors: (Error & { closeCode?: number })[] = [];
    ws.on('error', (error: Error) => errors.push(error));
    if (echo) ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    accepted.push({ ws, request, errors, closed });
    wake?.();
  });
  await within(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    }),
    'the HTTP/2 server to listen',
  );
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    wss,
    port,
    origin: `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    secure,
    sessions,
    accepted,
    nextConnection() {
      return within(
        (async () => {
          while (taken >= accepted.length) await new Promise<void>((resolve) => (wake = resolve));
          return accepted[taken++];
        })(),
        "the server's next 'connection'",
      );
    },
    async close() {
      // Every WebSocket stream is reset first, then the sessions close gracefully (see closeRawSession
      // in raw-h2-client.ts for why not session.destroy()).
      for (const { ws } of accepted) ws.terminate();
      for (const session of sessions) if (!session.closed) session.close();
      await within(new Promise((resolve) => wss.close(() => resolve(undefined))), 'the WebSocketServer to close');
      await within(new Promise((resolve) => server.close(() => resolve(undefined))), 'the HTTP/2 server to close');
    },
  };
}

/** The server stream a WebSocket runs on. */
export function serverStreamOf(accepted: Accepted): ServerHttp2Stream {
  return accepted.ws._socket as unknown as ServerHttp2Stream;
}

/** Resolves when every promise has settled, bounded. */
export function allWithin<T>(promises: Promise<T>[], what: string): Promise<T[]> {
  return within(Promise.all(promises), what);
}
