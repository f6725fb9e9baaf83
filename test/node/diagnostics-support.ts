// What the diagnostics-channel tests share: a subscriber that records what one channel publishes (and
// unsubscribes after the test), and a client and server connected over HTTP/1.1 or HTTP/2 (h2c) on
// 127.0.0.1, each side's WebSocket in hand.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { type DiagnosticsMessages, WebSocketServer, type WebSocketServerOptions } from '../../src/index.ts';
import { Http2SessionPool } from '../../src/node/http2-session-pool.ts';
import { startH2Endpoint } from '../http2/h2-endpoint.ts';
import { nextEvent, within } from '../support/waits.ts';

export type Transport = 'HTTP/1.1' | 'HTTP/2';
export const TRANSPORTS: Transport[] = ['HTTP/1.1', 'HTTP/2'];

export type ChannelName = keyof DiagnosticsMessages;

/** Runs after each test, last registered first (the caller's afterEach calls runCleanups). */
const cleanups: Array<() => Promise<unknown> | unknown> = [];

export function deferCleanup(cleanup: () => Promise<unknown> | unknown): void {
  cleanups.push(cleanup);
}

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Records every message published on `name` from now until the end of the test. */
export function record<N extends ChannelName>(name: N): DiagnosticsMessages[N][] {
  const messages: DiagnosticsMessages[N][] = [];
  const onMessage = (message: unknown) => messages.push(message as DiagnosticsMessages[N]);
  subscribe(name, onMessage);
  deferCleanup(() => unsubscribe(name, onMessage));
  return messages;
}

/**
 * The messages about these WebSockets only: a connection of an earlier test may still be closing while
 * the next one runs, and the channels are process-wide.
 */
export function about<M extends { websocket: unknown }>(messages: M[], ...sockets: unknown[]): M[] {
  return messages.filter((message) => sockets.includes(message.websocket));
}

/** A server for `transport` on 127.0.0.1, its URL and the options a client needs to reach it. */
export async function startServer(
  transport: Transport,
  options: Partial<WebSocketServerOptions> = {},
): Promise<{ wss: WebSocketServer; url: string; clientOptions: object }> {
  if (transport === 'HTTP/1.1') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
    await within(once(wss, 'listening'), 'the server to listen');
    deferCleanup(() => within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down'));
    return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, clientOptions: {} };
  }
  const endpoint = await startH2Endpoint({ secure: false, echo: false, wssOptions: options });
  deferCleanup(() => endpoint.close());
  // A pool of the test's own, so that no session outlives it.
  const pool = new Http2SessionPool();
  deferCleanup(() => pool.close());
  return { wss: endpoint.wss, url: endpoint.origin, clientOptions: { http2: pool } };
}

export interface Pair {
  client: WebSocket;
  server: WebSocket;
  request: IncomingMessage;
  wss: WebSocketServer;
  url: string;
}

/** A client connected to a new server over `transport`; resolves once both sides are open. */
export async function connectPair(
  transport: Transport,
  {
    server: serverOptions = {},
    client: clientOptions = {},
    path = '/',
    protocols,
  }: { server?: Partial<WebSocketServerOptions>; client?: object; path?: string; protocols?: string[] } = {},
): Promise<Pair> {
  const { wss, url, clientOptions: reach } = await startServer(transport, serverOptions);
  const accepted = within(
    new Promise<{ ws: WebSocket; request: IncomingMessage }>((resolve) =>
      wss.once('connection', (ws: WebSocket, request: IncomingMessage) => resolve({ ws, request })),
    ),
    "the server's 'connection'",
  );
  const target = `${url}${path}`;
  const options = { ...reach, ...clientOptions };
  const client = protocols === undefined ? new WebSocket(target, options) : new WebSocket(target, protocols, options);
  deferCleanup(() => client.terminate());
  await within(once(client, 'open'), "the client's 'open'");
  const { ws: server, request } = await accepted;
  // Errors a test provokes are checked through the channel; an 'error' with no listener would throw.
  client.on('error', () => {});
  server.on('error', () => {});
  return { client, server, request, wss, url: target };
}

/** Resolves once `ws` has emitted 'close' (at once when it already has). */
export function closed(ws: WebSocket): Promise<unknown> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  // nextEvent, not events.once: an 'error' before the 'close' must not reject the wait.
  return nextEvent(ws, 'close');
}
