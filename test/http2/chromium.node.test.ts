// Headless Chromium (Debian's build, driven by Playwright) opening WebSockets over HTTP/2 (RFC 8441) to our
// server. Chromium uses an extended CONNECT only on an HTTP/2 connection it already has to the origin
// whose SETTINGS allow it, so the page itself is served over h2 by the same TLS server that carries our
// WebSocketServer. What decides the test is seen on the server: each WebSocket arrived as a CONNECT
// stream with :protocol websocket on the session that served the page; then text and binary echo, and
// closes with codes and reasons go both ways.

import type { IncomingMessage } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  constants as http2Constants,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from '../../src/index.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';
import { systemProgram } from '../support/system-programs.ts';
import { within } from '../support/waits.ts';
import { TLS_CERT, TLS_KEY } from './tls-fixture.ts';

/** A cold Chromium start on a loaded 2-core machine takes a few seconds; this only catches a hang. */
const LAUNCH_TIMEOUT_MS = 20_000;
/** A binary message beyond HTTP/2's default 64 KiB stream window, so flow control takes part. */
const BINARY_BYTES = 200_000;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>wasmsocket over HTTP/2</title></head><body>
<script>
const closeOf = (event) => ({ code: event.code, reason: event.reason, wasClean: event.wasClean });
window.openSocket = (path, protocols) => new Promise((resolve, reject) => {
  const socket = new WebSocket('wss://' + location.host + path, protocols);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => resolve(socket);
  socket.onerror = () => reject(new Error('the WebSocket to ' + path + ' failed before it opened'));
});
window.nextMessage = (socket) => new Promise((resolve) => {
  socket.addEventListener('message', (event) => resolve(event.data), { once: true });
});
window.whenClosed = (socket) => new Promise((resolve) => {
  socket.addEventListener('close', (event) => resolve(closeOf(event)), { once: true });
});
window.pattern = (length, seed) => {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24; }
  return bytes;
};
</script></body></html>`;

interface PageApi {
  openSocket(path: string, protocols: string[]): Promise<globalThis.WebSocket>;
  nextMessage(socket: globalThis.WebSocket): Promise<string | ArrayBuffer>;
  whenClosed(socket: globalThis.WebSocket): Promise<{ code: number; reason: string; wasClean: boolean }>;
  pattern(length: number, seed: number): Uint8Array<ArrayBuffer>;
}

interface ServerSide {
  ws: WebSocket;
  request: IncomingMessage;
  /** The HTTP/2 session of the stream, taken when it opened (a closed stream forgets it). */
  session: ServerHttp2Session | undefined;
  stream: ServerHttp2Stream;
  closed: Promise<{ code: number; reason: string }>;
}

let server: Http2SecureServer;
let wss: WebSocketServer;
let browser: Browser;
let page: Page;
let origin: string;
const sessions: ServerHttp2Session[] = [];
const pageSessions: ServerHttp2Session[] = [];
const connections: ServerSide[] = [];

/** Without Chromium these tests are skipped (vitest.config.ts says so in one line), or fail under CI. */
const chromiumProgram = systemProgram('chromium');

beforeAll(async () => {
  if (!chromiumProgram.available) return;
  server = createSecureServer({ key: TLS_KEY, cert: TLS_CERT, allowHTTP1: true }, (request, response) => {
    if (request.url === '/') {
      pageSessions.push((request as Http2ServerRequest).stream.session as ServerHttp2Session);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE_HTML);
    } else {
      response.writeHead(404).end();
    }
  });
  server.on('session', (session: ServerHttp2Session) => sessions.push(session));
  wss = new WebSocketServer({
    server,
    perMessageDeflate: true,
    handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
  });
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    connections.push({
      ws,
      request,
      session: (ws._socket as unknown as ServerHttp2Stream).session as ServerHttp2Session | undefined,
      stream: ws._socket as unknown as ServerHttp2Stream,
      closed: new Promise((resolve) =>
        ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
      ),
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary && data.toString() === 'close me') ws.close(4002, 'bye from the server ✓');
      else ws.send(data, { binary: isBinary });
    });
  });
  await within(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 'the server to listen');
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    // The fixture certificate is self-signed.
    args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'],
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
  });
  page = await browser.newPage();
  await within(page.goto(`${origin}/`), 'the page to load');
});

afterAll(async () => {
  for (const client of wss?.clients ?? []) client.terminate();
  await browser?.close();
  wss?.close();
  for (const session of sessions) if (!session.closed) session.close();
  await within(new Promise((resolve) => server?.close(resolve)), 'the server to close').catch(() => {});
});

function inPage<T, A>(what: string, fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
  return within(page.evaluate(fn as (arg: unknown) => Promise<T>, arg as unknown), what);
}

describe.skipIf(!chromiumProgram.available)('Chromium opening WebSockets over HTTP/2 to our server', () => {
  it('loaded the page over h2', async () => {
    const protocol = await inPage(
      'the navigation entry',
      async () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol,
      null,
    );
    expect(protocol).toBe('h2');
    expect(pageSessions).toHaveLength(1);
  });

  it('opens three WebSockets as extended CONNECT streams on the page session; echoes, closes both ways', async () => {
    const before = connections.length;
    const result = await inPage(
      'the WebSockets in the page',
      async (binaryBytes: number) => {
        const api = window as unknown as PageApi;
        const sockets = await Promise.all(
          ['/ws/0', '/ws/1', '/ws/2'].map((path) => api.openSocket(path, ['chat.v1', 'chat.v2'])),
        );
        const echoes: unknown[] = [];
        for (const [index, socket] of sockets.entries()) {
          const text = `hello over h2 from socket ${index} ✓ 😀`;
          let reply = api.nextMessage(socket);
          socket.send(text);
          const textEcho = await reply;
          const bytes = api.pattern(binaryBytes, index + 1);
          reply = api.nextMessage(socket);
          socket.send(bytes);
          const binaryEcho = new Uint8Array((await reply) as ArrayBuffer);
          let same = binaryEcho.length === bytes.length;
          for (let i = 0; same && i < bytes.length; i++) same = binaryEcho[i] === bytes[i];
          echoes.push({
            text: textEcho === text,
            binary: same,
            protocol: socket.protocol,
            extensions: socket.extensions,
          });
        }
        // Socket 0 is closed by the page, socket 1 by the server (on request), socket 2 stays open.
        const closed0 = api.whenClosed(sockets[0]);
        sockets[0].close(4001, 'bye from the page ✓');
        const closed1 = api.whenClosed(sockets[1]);
        sockets[1].send('close me');
        // Listened to now: the server's reset may reach the page before a later evaluate would run.
        (window as unknown as { lastClosed: Promise<unknown> }).lastClosed = api.whenClosed(sockets[2]);
        return { echoes, closes: [await closed0, await closed1] };
      },
      BINARY_BYTES,
    );
    for (const echo of result.echoes) {
      expect(echo).toEqual({
        text: true,
        binary: true,
        protocol: 'chat.v2',
        extensions: expect.stringContaining('permessage-deflate'),
      });
    }
    expect(result.closes).toEqual([
      { code: 4001, reason: 'bye from the page ✓', wasClean: true },
      { code: 4002, reason: 'bye from the server ✓', wasClean: true },
    ]);

    // On the server: three CONNECT streams with :protocol websocket on the session that served the page.
    const opened = connections.slice(before);
    expect(opened).toHaveLength(3);
    for (const side of opened) {
      expect(side.request.httpVersion).toBe('2.0');
      expect(side.request.method).toBe('CONNECT');
      expect(side.request.headers[':protocol']).toBe('websocket');
      expect(side.request.headers[':scheme']).toBe('https');
      expect(side.request.headers.origin).toBe(origin);
      expect(side.session).toBe(pageSessions[0]);
      expect(side.ws.protocol).toBe('chat.v2');
      expect(side.ws.extensions).toContain('permessage-deflate');
    }
    expect(sessions).toHaveLength(1);
    const byPath = new Map(opened.map((side) => [side.request.url, side]));
    expect(await within((byPath.get('/ws/0') as ServerSide).closed, 'socket 0 to close')).toEqual({
      code: 4001,
      reason: 'bye from the page ✓',
    });
    expect(await within((byPath.get('/ws/1') as ServerSide).closed, 'socket 1 to close')).toEqual({
      code: 4002,
      reason: 'bye from the server ✓',
    });
    // Chromium 150 ends neither stream after the closing handshake; the server closes each first, after
    // its END_STREAM, with RST_STREAM(NO_ERROR) (RFC 6455 section 7.1.1), not CANCEL after closeTimeout.
    for (const path of ['/ws/0', '/ws/1']) {
      expect((byPath.get(path) as ServerSide).stream.rstCode, path).toBe(http2Constants.NGHTTP2_NO_ERROR);
    }

    // The server drops socket 2 abruptly (RST_STREAM with CANCEL): the page sees 1006, not clean.
    (byPath.get('/ws/2') as ServerSide).ws.terminate();
    const abrupt = await inPage(
      'the page to see socket 2 close',
      async () => (window as unknown as { lastClosed: Promise<unknown> }).lastClosed,
      null,
    );
    expect(abrupt).toEqual({ code: 1006, reason: '', wasClean: false });
  });
});
