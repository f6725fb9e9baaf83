// The Node client's reading of its URL, side by side with the ws package (the behaviour a drop-in keeps):
// the SyntaxErrors of bad URLs and subprotocol lists, Basic authorization from the URL's credentials
// (over HTTP/1.1 and HTTP/2, malformed percent-escapes included), a redirect to a bad URL or with odd
// credentials, an IPv6 literal, and ws+unix:. Real sockets on 127.0.0.1 and a Unix socket in a temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsPackageClient } from 'ws';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { Http2SessionPool } from '../../src/node/http2-session-pool.ts';
import { startH2Endpoint } from '../http2/h2-endpoint.ts';
import { listenOnLoopback, nextEvent, within } from '../support/waits.ts';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type ClientClass = new (url: string, protocols?: string | string[] | object, options?: object) => WebSocket;

const CLIENTS: Array<{ name: string; Client: ClientClass }> = [
  { name: 'ws', Client: WsPackageClient as unknown as ClientClass },
  { name: 'wasmsocket', Client: WebSocket as unknown as ClientClass },
];

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

interface Recorded {
  url: string;
  headers: IncomingMessage['headers'];
}

/**
 * An HTTP server whose upgrades our WebSocketServer accepts (echoing), except `redirects`: request-target
 * to Location, answered 302. Every upgrade request is recorded.
 */
async function recordingServer(
  redirects: Record<string, string> = {},
  listen: (server: Server) => Promise<unknown> = listenOnLoopback,
) {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const recorded: Recorded[] = [];
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    recorded.push({ url: request.url ?? '', headers: request.headers });
    const location = redirects[request.url ?? ''];
    if (location !== undefined) {
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await listen(server);
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await within(new Promise((resolve) => wss.close(() => resolve(undefined))), 'the WebSocketServer to close');
    server.closeAllConnections();
    await within(new Promise((resolve) => server.close(() => resolve(undefined))), 'the HTTP server to close');
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { server, recorded, port };
}

/** Opens `ws`, sends one message and waits for its echo, then closes; fails on 'error' or 'close' first. */
async function echoOnce(ws: WebSocket): Promise<void> {
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => ws.send('hello'));
      ws.once('message', (data: Buffer) => {
        expect(String(data)).toBe('hello');
        resolve();
      });
    }),
    'the echo',
  );
  ws.close();
  await nextEvent(ws, 'close');
}

function thrown(make: () => unknown): { name: string; message: string } | null {
  try {
    const made = make() as { terminate?: () => void };
    made.terminate?.();
    return null;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

describe('bad URLs and subprotocol lists', () => {
  it("throw from the constructor what ws throws (SyntaxError, ws's message)", () => {
    const inputs: Array<[string, string[]?]> = [
      ['not a url'],
      [''],
      ['ftp://127.0.0.1/'],
      ['file:///tmp/x'],
      ['ws://127.0.0.1:1/#x'],
      ['wss://127.0.0.1:1/a?b#c'],
      ['ws+unix:'],
      ['ws+unix:/tmp/wasmsocket-none.sock#x'],
      ['ws://127.0.0.1:1/', ['a', 'a']],
      ['ws://127.0.0.1:1/', ['a b']],
      ['ws://127.0.0.1:1/', ['']],
    ];
    for (const [url, protocols] of inputs) {
      const theirs = thrown(() => new WsPackageClient(url, protocols));
      const ours = thrown(() => new WebSocket(url, protocols));
      expect(theirs, url).not.toBeNull();
      expect(ours, `${url} ${protocols ?? ''}`).toEqual(theirs);
      expect(ours?.name).toBe('SyntaxError');
    }
  });

  it("a redirect to a bad URL fails with ws's 'error' and url, then 'close' 1006", async () => {
    const { port } = await recordingServer({ '/scheme': 'ftp://127.0.0.1/x', '/fragment': '/next#part' });
    for (const path of ['/scheme', '/fragment']) {
      const outcomes = [];
      for (const { Client } of CLIENTS) {
        const ws = new Client(`ws://127.0.0.1:${port}${path}`, { followRedirects: true });
        const errored = nextEvent<[Error]>(ws, 'error');
        const closed = nextEvent<[number]>(ws, 'close');
        const [[error], [code]] = await Promise.all([errored, closed]);
        outcomes.push({ name: error.name, message: error.message, url: ws.url, code });
      }
      expect(outcomes[1], path).toEqual(outcomes[0]);
      expect(outcomes[1].code).toBe(1006);
    }
  });
});

describe('Basic authorization from the URL credentials', () => {
  const CREDENTIALS: Array<[string, string]> = [
    ['us%20er:p%C3%A4ss@', 'us er:päss'],
    ['user@', 'user:'],
    [':secret@', ':secret'],
    // Malformed escapes: ws decodes what it can (querystring.unescape); this client used to throw URIError.
    ['%zz:p%E0%41@', '%zz:p\ufffdA'],
  ];

  it('over HTTP/1.1, sends the Authorization ws sends', async () => {
    const { recorded, port } = await recordingServer();
    for (const [userinfo, credentials] of CREDENTIALS) {
      for (const { Client } of CLIENTS) await echoOnce(new Client(`ws://${userinfo}127.0.0.1:${port}/`));
      const [theirs, ours] = recorded.splice(0).map((each) => each.headers.authorization);
      expect(theirs, userinfo).toBe(basic(credentials));
      expect(ours, userinfo).toBe(theirs);
    }
    // A caller's Authorization wins over the URL's, in both.
    for (const { Client } of CLIENTS) {
      await echoOnce(new Client(`ws://u:p@127.0.0.1:${port}/`, { headers: { Authorization: 'Bearer t' } }));
    }
    expect(recorded.map((each) => each.headers.authorization)).toEqual(['Bearer t', 'Bearer t']);
  });

  it('over HTTP/2, sends the same Authorization as over HTTP/1.1', async () => {
    const endpoint = await startH2Endpoint({ secure: false });
    const pool = new Http2SessionPool();
    cleanups.push(() => endpoint.close());
    cleanups.push(() => pool.close());
    for (const [userinfo, credentials] of CREDENTIALS) {
      await echoOnce(new WebSocket(`ws://${userinfo}127.0.0.1:${endpoint.port}/`, { http2: pool }));
      const accepted = await endpoint.nextConnection();
      expect(accepted.request.httpVersion).toBe('2.0');
      expect(accepted.request.headers.authorization, userinfo).toBe(basic(credentials));
    }
  });

  it('a redirect whose Location carries malformed escapes in its credentials is followed as ws follows it', async () => {
    // Regression: decoding them threw URIError inside the 'response' handler, an uncaught exception.
    const redirects: Record<string, string> = {};
    const server = await recordingServer(redirects);
    redirects['/start'] = `ws://%zz:p%E0@127.0.0.1:${server.port}/next`;
    for (const { Client } of CLIENTS) {
      await echoOnce(new Client(`ws://127.0.0.1:${server.port}/start`, { followRedirects: true }));
    }
    const next = server.recorded.filter((each) => each.url === '/next').map((each) => each.headers.authorization);
    expect(next).toEqual([basic('%zz:p\ufffd'), basic('%zz:p\ufffd')]);
  });
});

describe('where the client connects', () => {
  it('an IPv6 literal goes to the socket without brackets, and into Host with them, as with ws', async () => {
    const { recorded, port } = await recordingServer();
    const seen: unknown[] = [];
    for (const { Client } of CLIENTS) {
      const createConnection = (options: { host?: string; port?: unknown }) => {
        seen.push({ host: options.host, port: options.port });
        // The test machine may have no IPv6 loopback: the bytes go to 127.0.0.1 either way.
        return netConnect(port, '127.0.0.1');
      };
      await echoOnce(new Client(`ws://[::1]:${port}/v6?x=1`, { createConnection }));
    }
    expect(seen).toEqual([
      { host: '::1', port: String(port) },
      { host: '::1', port: String(port) },
    ]);
    expect(recorded.map((each) => [each.url, each.headers.host])).toEqual([
      ['/v6?x=1', `[::1]:${port}`],
      ['/v6?x=1', `[::1]:${port}`],
    ]);
  });

  it('ws+unix: reaches the Unix socket with the request-target after the colon, as with ws', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'wasmsocket-url-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const socketPath = join(directory, 'server.sock');
    const { recorded } = await recordingServer({}, (server) =>
      within(new Promise<void>((resolve) => server.listen(socketPath, resolve)), 'the Unix socket to listen'),
    );
    for (const { Client } of CLIENTS) {
      const ws = new Client(`ws+unix:${socketPath}:/chat?room=1`);
      await echoOnce(ws);
      expect(ws.url).toBe(`ws+unix:${socketPath}:/chat?room=1`);
    }
    for (const { Client } of CLIENTS) await echoOnce(new Client(`ws+unix:${socketPath}`));
    expect(recorded.map((each) => [each.url, each.headers.host])).toEqual([
      ['/chat?room=1', 'localhost'],
      ['/chat?room=1', 'localhost'],
      ['/', 'localhost'],
      ['/', 'localhost'],
    ]);
  });
});
