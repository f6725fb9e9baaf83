// `http2: true` against servers that do not offer WebSockets over HTTP/2: the client goes on over HTTP/1.1
// (RFC 6455's upgrade) instead of failing. Three ways a server can say no: it speaks only HTTP/1.1 in
// clear text (the h2c preface goes unanswered), its TLS handshake does not choose h2 in ALPN, or it speaks
// HTTP/2 but its SETTINGS do not allow extended CONNECT (RFC 8441 section 3).

import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { Http2SessionPool, WebSocketServer } from '../../src/index.ts';
import { nextEvent, within } from '../support/waits.ts';
import { TRUST_FIXTURE } from './h2-endpoint.ts';
import { TLS_CERT, TLS_KEY } from './tls-fixture.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface ListeningServer {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  close(cb: () => void): unknown;
}

async function listen(server: ListeningServer): Promise<number> {
  await within(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 'the server to listen');
  cleanups.push(() => within(new Promise<void>((resolve) => server.close(() => resolve())), 'the server to close'));
  return (server.address() as AddressInfo).port;
}

/** An echo WebSocketServer in noServer mode, fed by hand from an HTTP/1.1 'upgrade' event. */
function echoServer(): { wss: WebSocketServer; requests: IncomingMessage[] } {
  const wss = new WebSocketServer({ noServer: true });
  const requests: IncomingMessage[] = [];
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    requests.push(request);
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  cleanups.push(() => {
    for (const ws of wss.clients ?? []) ws.terminate();
  });
  return { wss, requests };
}

async function echoOnce(url: string, options: object): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  const errors: Error[] = [];
  ws.on('error', (error: Error) => errors.push(error));
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error(`closed before opening: ${errors.map((error) => error.message)}`)));
    }),
    'the client to open',
  );
  ws.send('over HTTP/1.1 after all');
  const [data] = await nextEvent<[Buffer]>(ws, 'message');
  expect(data.toString()).toBe('over HTTP/1.1 after all');
  ws.close(1000);
  await nextEvent(ws, 'close');
  expect(errors).toEqual([]);
  return ws;
}

describe('http2: true falls back to HTTP/1.1', () => {
  it('when a clear-text server speaks only HTTP/1.1 (ws:)', async () => {
    const { wss, requests } = echoServer();
    const server = createHttpServer();
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      wss.handleUpgrade(request, socket, head, (ws, req) => wss.emit('connection', ws, req)),
    );
    const port = await listen(server);
    const pool = new Http2SessionPool();
    await echoOnce(`ws://127.0.0.1:${port}/plain`, { http2: pool });
    expect(requests.map((request) => request.httpVersion)).toEqual(['1.1']);
    expect(pool.sessionCount).toBe(0);
  });

  it('when the TLS handshake does not choose h2, reusing that TLS connection (wss:)', async () => {
    const { wss, requests } = echoServer();
    const server = createHttpsServer({ key: TLS_KEY, cert: TLS_CERT });
    let tlsConnections = 0;
    server.on('secureConnection', () => tlsConnections++);
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      wss.handleUpgrade(request, socket, head, (ws, req) => wss.emit('connection', ws, req)),
    );
    const port = await listen(server);
    await echoOnce(`wss://127.0.0.1:${port}/tls`, { http2: new Http2SessionPool(), ...TRUST_FIXTURE });
    expect(requests.map((request) => request.httpVersion)).toEqual(['1.1']);
    // The connection whose ALPN said http/1.1 carried the upgrade: no second TLS handshake.
    expect(tlsConnections).toBe(1);
  });

  it('when the HTTP/2 server does not allow extended CONNECT, over HTTP/1.1 on the same server', async () => {
    const { wss, requests } = echoServer();
    // An HTTP/2 server with HTTP/1.1 allowed and a WebSocketServer wired by hand to its 'upgrade' only, so
    // SETTINGS_ENABLE_CONNECT_PROTOCOL is never turned on.
    const server = createSecureServer({ key: TLS_KEY, cert: TLS_CERT, allowHTTP1: true });
    const sessions: ServerHttp2Session[] = [];
    server.on('session', (session: ServerHttp2Session) => sessions.push(session));
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      wss.handleUpgrade(request, socket, head, (ws, req) => wss.emit('connection', ws, req)),
    );
    const port = await listen(server);
    const pool = new Http2SessionPool();
    await echoOnce(`wss://127.0.0.1:${port}/h2-without-connect`, { http2: pool, ...TRUST_FIXTURE });
    expect(requests.map((request) => request.httpVersion)).toEqual(['1.1']);
    // The HTTP/2 session was opened, found wanting and closed; the pool keeps nothing.
    expect(sessions).toHaveLength(1);
    expect(sessions[0].remoteSettings).toBeDefined();
    expect(pool.sessionCount).toBe(0);
    if (!sessions[0].closed) await nextEvent(sessions[0], 'close');
  });

  it('but a server that is not there is an error, not a fallback', async () => {
    const server = createHttpServer();
    const port = await listen(server);
    await within(new Promise<void>((resolve) => server.close(() => resolve())), 'the server to close');
    cleanups.pop();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { http2: new Http2SessionPool() });
    const failed = nextEvent<[Error & { code?: string }]>(ws, 'error');
    const closed = nextEvent<[number]>(ws, 'close');
    expect((await failed)[0].code).toBe('ECONNREFUSED');
    expect((await closed)[0]).toBe(1006);
  });
});
