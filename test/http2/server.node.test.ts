// The server's half of RFC 8441 as a plain HTTP/2 client sees it: what a WebSocket CONNECT is answered
// with, every refusal and its status, streams that are not WebSockets left to the application, HTTP/1.1
// upgrades on the same TLS server (allowHTTP1), and several WebSocketServers sharing one server by path.

import type { IncomingMessage } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from '../../src/index.ts';
import { isWebSocketStream } from '../../src/node/http2-server.ts';
import { sha1 } from '../../src/node/platform.ts';
import { computeAccept } from '../../src/protocol/handshake-key.ts';
import { nextEvent, within } from '../support/waits.ts';
import { type H2Endpoint, startH2Endpoint, TRUST_FIXTURE } from './h2-endpoint.ts';
import { bodyOf, closeRawSession, openRawSession, request, websocketConnect } from './raw-h2-client.ts';

let endpoint: H2Endpoint | null = null;
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await endpoint?.close();
  endpoint = null;
});

async function rawSession(origin: string) {
  const session = await openRawSession(origin);
  cleanups.push(() => closeRawSession(session));
  return session;
}

describe('the answer to a WebSocket CONNECT', () => {
  it('is 200 with the chosen subprotocol and extension, and none of the HTTP/1.1 upgrade fields', async () => {
    endpoint = await startH2Endpoint({ secure: false, wssOptions: { perMessageDeflate: true } });
    endpoint.wss.on('headers', (lines: string[]) => lines.push('X-Added-By-Listener: yes'));
    const session = await rawSession(endpoint.origin);
    expect(session.remoteSettings.enableConnectProtocol).toBe(true);
    const response = await request(
      session,
      websocketConnect('/chat', {
        'sec-websocket-protocol': 'first, second',
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers['sec-websocket-protocol']).toBe('first');
    expect(response.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    expect(response.headers['x-added-by-listener']).toBe('yes');
    for (const name of ['upgrade', 'connection', 'sec-websocket-accept'])
      expect(response.headers[name]).toBeUndefined();
    const accepted = await endpoint.nextConnection();
    expect(accepted.ws.protocol).toBe('first');
    expect(accepted.ws.extensions).toBe('permessage-deflate');
    expect(accepted.request.headers[':path']).toBe('/chat');
  });

  it('carries Sec-WebSocket-Accept only for a client that sent a key (undici 7 checks it over HTTP/2)', async () => {
    endpoint = await startH2Endpoint({ secure: false });
    const session = await rawSession(endpoint.origin);
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const response = await request(session, websocketConnect('/', { 'sec-websocket-key': key }));
    expect(response.status).toBe(200);
    expect(response.headers['sec-websocket-accept']).toBe(computeAccept(key, sha1));
    expect(response.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('refusals', () => {
  const cases: {
    title: string;
    headers: Record<string, string>;
    options?: ConstructorParameters<typeof WebSocketServer>[0];
    status: number;
    check?: (headers: Record<string, unknown>, body: string) => void;
  }[] = [
    {
      title: 'another version is answered 426 with the version spoken (RFC 6455 section 4.4)',
      headers: websocketConnect('/', { 'sec-websocket-version': '8' }),
      status: 426,
      check: (headers) => expect(headers['sec-websocket-version']).toBe('13'),
    },
    {
      title: 'no version at all is answered 426',
      headers: (() => {
        const { 'sec-websocket-version': _, ...rest } = websocketConnect('/');
        return rest;
      })(),
      status: 426,
    },
    {
      title: 'a malformed subprotocol list is answered 400',
      headers: websocketConnect('/', { 'sec-websocket-protocol': 'one two' }),
      status: 400,
      check: (_headers, body) => expect(body).toBe('Invalid Sec-WebSocket-Protocol header'),
    },
    {
      title: 'a malformed extension list is answered 400',
      headers: websocketConnect('/', { 'sec-websocket-extensions': 'permessage-deflate; =x' }),
      status: 400,
    },
    {
      title: 'a path the server does not serve is answered 400',
      headers: websocketConnect('/elsewhere'),
      options: { path: '/socket' },
      status: 400,
    },
    {
      title: 'verifyClient refusing is answered 401',
      headers: websocketConnect('/'),
      options: { verifyClient: () => false },
      status: 401,
    },
    {
      title: 'an asynchronous verifyClient picks the status, message and headers',
      headers: websocketConnect('/'),
      options: {
        verifyClient: (_info, done) => done(false, 403, 'Go away', { 'X-Reason': 'test', Connection: 'close' }),
      },
      status: 403,
      check: (headers, body) => {
        expect(body).toBe('Go away');
        expect(headers['x-reason']).toBe('test');
        // HTTP/1.1's Connection field is not allowed in HTTP/2 (RFC 9113 section 8.2.2): left out.
        expect(headers.connection).toBeUndefined();
      },
    },
    {
      title: 'an origin not allowed is answered 403',
      headers: websocketConnect('/', { origin: 'https://evil.example' }),
      options: { allowedOrigins: ['https://good.example'] },
      status: 403,
    },
    {
      title: 'a status HTTP/2 cannot send as a final answer (101 from verifyClient) becomes 400',
      headers: websocketConnect('/'),
      options: { verifyClient: (_info, done) => done(false, 101) },
      status: 400,
    },
  ];
  for (const testCase of cases) {
    it(testCase.title, async () => {
      endpoint = await startH2Endpoint({ secure: false, wssOptions: testCase.options });
      const session = await rawSession(endpoint.origin);
      const response = await request(session, testCase.headers);
      const body = await bodyOf(response);
      expect(response.status).toBe(testCase.status);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      testCase.check?.(response.headers as Record<string, unknown>, body);
      expect(endpoint.accepted).toHaveLength(0);
      // The refusal does not end the session: a valid CONNECT on it still succeeds (when the options allow).
      if (testCase.options === undefined) {
        const ok = await request(session, websocketConnect('/'));
        expect(ok.status).toBe(200);
      }
    });
  }

  it('maxConnections: the stream beyond the limit is answered 503', async () => {
    endpoint = await startH2Endpoint({ secure: false, wssOptions: { maxConnections: 1 } });
    const session = await rawSession(endpoint.origin);
    expect((await request(session, websocketConnect('/'))).status).toBe(200);
    const refused = await request(session, websocketConnect('/'));
    expect(refused.status).toBe(503);
    expect(await bodyOf(refused)).toBe('Too many connections');
  });

  it('a wsClientError listener gets the error, the stream and the request, and answers itself', async () => {
    endpoint = await startH2Endpoint({ secure: false });
    const seen: { code: string; isStream: boolean; path: unknown }[] = [];
    endpoint.wss.on(
      'wsClientError',
      (error: Error & { code: string }, stream: ServerHttp2Stream, req: IncomingMessage) => {
        seen.push({ code: error.code, isStream: typeof stream.respond === 'function', path: req.url });
        stream.respond({ ':status': 418 });
        stream.end();
      },
    );
    const session = await rawSession(endpoint.origin);
    const response = await request(session, websocketConnect('/v', { 'sec-websocket-version': '12' }));
    expect(response.status).toBe(418);
    expect(seen).toEqual([{ code: 'WS_ERR_UNSUPPORTED_VERSION', isStream: true, path: '/v' }]);
  });
});

describe('streams that are not WebSockets', () => {
  it("are left to the application's request handler; a plain CONNECT still gets Node's 405", async () => {
    endpoint = await startH2Endpoint({
      secure: true,
      onRequest: (req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end(`the app answered ${req.method} ${req.url}`);
      },
    });
    const session = await rawSession(endpoint.origin);
    const page = await request(session, { ':method': 'GET', ':path': '/page', ':scheme': 'https', ':authority': 'x' });
    expect(page.status).toBe(200);
    expect(await bodyOf(page)).toBe('the app answered GET /page');
    // A CONNECT without :protocol is a tunnel request (RFC 9113 section 8.5), not ours.
    const tunnel = await request(session, { ':method': 'CONNECT', ':authority': 'example.com:443' });
    expect(tunnel.status).toBe(405);
    // And WebSockets still open beside them, on the same session.
    const ws = await request(session, { ...websocketConnect('/ws'), ':scheme': 'https' });
    expect(ws.status).toBe(200);
    expect(endpoint.accepted).toHaveLength(1);
  });

  it("are left to a 'stream' handler, which can tell WebSocket streams apart with isWebSocketStream", async () => {
    endpoint = await startH2Endpoint({ secure: false });
    const handled: string[] = [];
    endpoint.server.on('stream', (stream, headers) => {
      if (isWebSocketStream(headers)) return;
      handled.push(headers[':path'] as string);
      stream.respond({ ':status': 200 });
      stream.end('from the stream handler');
    });
    const session = await rawSession(endpoint.origin);
    const ws = await request(session, websocketConnect('/ws'));
    const page = await request(session, { ':method': 'GET', ':path': '/index', ':scheme': 'http', ':authority': 'x' });
    expect(ws.status).toBe(200);
    expect(await bodyOf(page)).toBe('from the stream handler');
    expect(handled).toEqual(['/index']);
  });
});

describe('sharing one HTTP/2 server', () => {
  it('serves HTTP/1.1 upgrades too when the TLS server allows HTTP/1.1', async () => {
    endpoint = await startH2Endpoint({ secure: true, allowHTTP1: true });
    const h1 = new WebSocket(`${endpoint.origin}/over-h1`, { ...TRUST_FIXTURE });
    const h2 = new WebSocket(`${endpoint.origin}/over-h2`, { ...TRUST_FIXTURE, http2: true });
    await within(Promise.all([nextEvent(h1, 'open'), nextEvent(h2, 'open')]), 'both clients to open');
    const first = await endpoint.nextConnection();
    const second = await endpoint.nextConnection();
    const byPath = new Map([first, second].map((each) => [each.request.url, each.request]));
    expect(byPath.get('/over-h1')?.httpVersion).toBe('1.1');
    expect(byPath.get('/over-h2')?.httpVersion).toBe('2.0');
    for (const ws of [h1, h2]) {
      ws.send('ping?');
      const [data] = await nextEvent<[Buffer]>(ws, 'message');
      expect(data.toString()).toBe('ping?');
      ws.close(1000);
      await nextEvent(ws, 'close');
    }
  });

  it('lets several WebSocketServers share it by path; detaching one leaves the other', async () => {
    endpoint = await startH2Endpoint({ secure: false, wssOptions: { path: '/a' } });
    const other = new WebSocketServer({ server: endpoint.server, path: '/b' });
    const otherConnections: string[] = [];
    const otherSockets: WebSocket[] = [];
    other.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      otherConnections.push(req.url as string);
      otherSockets.push(ws);
    });
    const session = await rawSession(endpoint.origin);
    expect((await request(session, websocketConnect('/a'))).status).toBe(200);
    expect((await request(session, websocketConnect('/b'))).status).toBe(200);
    expect((await request(session, websocketConnect('/c'))).status).toBe(400);
    expect(endpoint.accepted.map((each) => each.request.url)).toEqual(['/a']);
    expect(otherConnections).toEqual(['/b']);

    const streamListeners = endpoint.server.listenerCount('stream');
    // With an external server, close() reports 'close' once the server's clients are gone (as ws does).
    const otherClosed = new Promise<void>((resolve) => other.close(() => resolve()));
    for (const ws of otherSockets) ws.terminate();
    await within(otherClosed, 'the second WebSocketServer to close');
    // The shared listener stays for the remaining server; '/b' is now nobody's path.
    expect(endpoint.server.listenerCount('stream')).toBe(streamListeners);
    expect((await request(session, websocketConnect('/b'))).status).toBe(400);
  });
});
