// wasmsocket's server against the WebSocket client of headless Chromium (Debian's build, driven by
// Playwright). One Node HTTP server serves the page and carries our WebSocketServer (the `server` option),
// as an application would; the page's own script opens the sockets, and what it saw comes back to Node
// through page.evaluate to be checked here.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from '../../src/index.ts';
import { launchChromium } from '../support/browser.ts';
import { LARGE_MESSAGE_BYTES, patternBytes, sha256Hex } from '../support/payloads.ts';
import { systemProgram } from '../support/system-programs.ts';
import { listenOnLoopback, within } from '../support/waits.ts';

/** What the page reports about a close event. */
interface PageClose {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** The helpers the page's script defines on window (see PAGE_HTML). */
interface PageApi {
  openSocket(protocols?: string[], url?: string): Promise<globalThis.WebSocket>;
  tryOpen(protocols: string[]): Promise<{ opened: boolean; protocol: string; close: PageClose }>;
  nextMessage(socket: globalThis.WebSocket): Promise<string | ArrayBuffer>;
  whenClosed(socket: globalThis.WebSocket): Promise<PageClose>;
  sha256Hex(bytes: ArrayBuffer): Promise<string>;
}

/** Server commands a page can send as text (everything else is echoed). */
const SEND_LARGE = 'send me the large message';
const CLOSE_ME = 'close me';
const SERVER_CLOSE = { code: 4001, reason: 'server says goodbye ✓' };

// The page: a few helpers over the browser's WebSocket, all bounded by the callers' waits in Node.
const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>wasmsocket interop</title></head><body>
<script>
const socketUrl = 'ws://' + location.host + '/socket';
const closeOf = (event) => ({ code: event.code, reason: event.reason, wasClean: event.wasClean });
window.openSocket = (protocols, url = socketUrl) => new Promise((resolve, reject) => {
  const socket = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => resolve(socket);
  socket.onerror = () => reject(new Error('the WebSocket failed before it opened'));
});
window.tryOpen = (protocols) => new Promise((resolve) => {
  const socket = new WebSocket(socketUrl, protocols);
  let opened = false;
  socket.onopen = () => { opened = true; socket.close(1000); };
  socket.onclose = (event) => resolve({ opened, protocol: socket.protocol, close: closeOf(event) });
});
window.nextMessage = (socket) => new Promise((resolve) => {
  socket.addEventListener('message', (event) => resolve(event.data), { once: true });
});
window.whenClosed = (socket) => new Promise((resolve) => {
  socket.addEventListener('close', (event) => resolve(closeOf(event)), { once: true });
});
window.sha256Hex = async (bytes) => {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
};
</script></body></html>`;

/** What the server saw of one connection. */
interface ServerSide {
  socket: WebSocket;
  request: IncomingMessage;
  received: { bytes: number; isBinary: boolean; text?: string; sha256?: string }[];
  closed: Promise<{ code: number; reason: string }>;
}

const LARGE = patternBytes(LARGE_MESSAGE_BYTES, 'chromium');

let httpServer: Server;
let wss: WebSocketServer;
let browser: Browser;
let page: Page;
let origin: string;
const connections: ServerSide[] = [];
const offeredProtocols: string[][] = [];

/** Without Chromium these tests are skipped (vitest.config.ts says so in one line), or fail under CI. */
const chromium = systemProgram('chromium');

beforeAll(async () => {
  if (!chromium.available) return;
  httpServer = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(PAGE_HTML);
    } else {
      response.writeHead(404).end();
    }
  });
  wss = new WebSocketServer({
    server: httpServer,
    path: '/socket',
    handleProtocols: (protocols) => {
      offeredProtocols.push([...protocols]);
      return protocols.has('chat.v2') ? 'chat.v2' : false;
    },
  });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const side: ServerSide = {
      socket,
      request,
      received: [],
      closed: new Promise((resolve) => {
        socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
      }),
    };
    connections.push(side);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      side.received.push(
        isBinary
          ? { bytes: data.length, isBinary, sha256: sha256Hex(data) }
          : { bytes: data.length, isBinary, text: data.toString() },
      );
      if (!isBinary && data.toString() === SEND_LARGE) socket.send(LARGE);
      else if (!isBinary && data.toString() === CLOSE_ME) socket.close(SERVER_CLOSE.code, SERVER_CLOSE.reason);
      else socket.send(data, { binary: isBinary });
    });
  });
  const port = await listenOnLoopback(httpServer);
  origin = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
  page = await browser.newPage();
  await within(page.goto(`${origin}/`), 'the page to load');
});

afterAll(async () => {
  for (const client of wss?.clients ?? []) client.terminate();
  wss?.close();
  httpServer?.close();
  await browser?.close();
});

/** Runs a function in the page, bounded in time. Arguments here are plain JSON (strings and arrays). */
function inPage<T, A extends string | string[] | number[]>(
  what: string,
  fn: (arg: A) => Promise<T>,
  arg: A,
): Promise<T> {
  return within(page.evaluate(fn as (arg: unknown) => Promise<T>, arg as unknown), what);
}

/** The server side of the connection the page opened last. */
function lastConnection(): ServerSide {
  expect(connections.length).toBeGreaterThan(0);
  return connections[connections.length - 1];
}

describe.skipIf(!chromium.available)('Chromium page talking to our WebSocketServer', () => {
  it('echoes text and binary (ArrayBuffer) messages', async () => {
    const result = await inPage(
      'the echo in the page',
      async (bytes: number[]) => {
        const api = window as unknown as PageApi;
        const socket = await api.openSocket();
        const replies: unknown[] = [];
        for (const message of ['hello from Chromium ✓ 😀', '', new Uint8Array(bytes).buffer, new ArrayBuffer(0)]) {
          const reply = api.nextMessage(socket);
          socket.send(message);
          const data = await reply;
          replies.push(typeof data === 'string' ? data : Array.from(new Uint8Array(data)));
        }
        socket.close(1000);
        return { replies, extensions: socket.extensions };
      },
      [0, 1, 2, 127, 128, 254, 255],
    );
    expect(result.replies).toEqual(['hello from Chromium ✓ 😀', '', [0, 1, 2, 127, 128, 254, 255], []]);
    expect(lastConnection().received).toEqual([
      { bytes: Buffer.byteLength('hello from Chromium ✓ 😀'), isBinary: false, text: 'hello from Chromium ✓ 😀' },
      { bytes: 0, isBinary: false, text: '' },
      { bytes: 7, isBinary: true, sha256: sha256Hex(Buffer.from([0, 1, 2, 127, 128, 254, 255])) },
      { bytes: 0, isBinary: true, sha256: sha256Hex(Buffer.alloc(0)) },
    ]);
    expect(lastConnection().request.headers.origin).toBe(origin);
  });

  it('sends a 16 MiB binary message the page receives intact, and takes it back intact', async () => {
    const result = await inPage(
      'the 16 MiB round trip in the page',
      async (command: string) => {
        const api = window as unknown as PageApi;
        const socket = await api.openSocket();
        const large = api.nextMessage(socket);
        socket.send(command);
        const data = (await large) as ArrayBuffer;
        const echo = api.nextMessage(socket);
        socket.send(data);
        const echoed = (await echo) as ArrayBuffer;
        const result = {
          received: { bytes: data.byteLength, sha256: await api.sha256Hex(data) },
          echoed: { bytes: echoed.byteLength, sha256: await api.sha256Hex(echoed) },
        };
        socket.close(1000);
        return result;
      },
      SEND_LARGE,
    );
    const expected = { bytes: LARGE_MESSAGE_BYTES, sha256: sha256Hex(LARGE) };
    expect(result).toEqual({ received: expected, echoed: expected });
    // What reached the server from the page (masked by the browser) is the same 16 MiB.
    expect(lastConnection().received[1]).toEqual({ ...expected, isBinary: true });
  });

  it('reports the code and reason when the page closes with 4000 (both sides, wasClean)', async () => {
    const pageClose = await inPage(
      'the page to close',
      async (reason: string) => {
        const api = window as unknown as PageApi;
        const socket = await api.openSocket();
        const closed = api.whenClosed(socket);
        socket.close(4000, reason);
        return closed;
      },
      'page is leaving ✓',
    );
    expect(pageClose).toEqual({ code: 4000, reason: 'page is leaving ✓', wasClean: true });
    expect(await within(lastConnection().closed, 'the server-side close')).toEqual({
      code: 4000,
      reason: 'page is leaving ✓',
    });
    expect(lastConnection().socket.readyState).toBe(WebSocket.CLOSED);
  });

  it('reports the code and reason in the page when the server closes with 4001 (wasClean)', async () => {
    const pageClose = await inPage(
      'the server to close',
      async (command: string) => {
        const api = window as unknown as PageApi;
        const socket = await api.openSocket();
        const closed = api.whenClosed(socket);
        socket.send(command);
        return closed;
      },
      CLOSE_ME,
    );
    expect(pageClose).toEqual({ ...SERVER_CLOSE, wasClean: true });
    expect(await within(lastConnection().closed, 'the server-side close')).toEqual(SERVER_CLOSE);
  });

  it('agrees on a subprotocol the server picks with handleProtocols', async () => {
    const protocol = await inPage(
      'the page to open with subprotocols',
      async (protocols: string[]) => {
        const api = window as unknown as PageApi;
        const socket = await api.openSocket(protocols);
        const chosen = socket.protocol;
        socket.close(1000);
        return chosen;
      },
      ['chat.v1', 'chat.v2'],
    );
    expect(protocol).toBe('chat.v2');
    expect(offeredProtocols.at(-1)).toEqual(['chat.v1', 'chat.v2']);
    expect(lastConnection().socket.protocol).toBe('chat.v2');
  });

  it('fails in the page (1006, not clean) when the server accepts none of the offered subprotocols', async () => {
    const before = connections.length;
    const outcome = await inPage(
      'the page to try subprotocols the server refuses',
      (protocols: string[]) => (window as unknown as PageApi).tryOpen(protocols),
      ['chat.v9'],
    );
    expect(offeredProtocols.at(-1)).toEqual(['chat.v9']);
    // The server answers 101 without Sec-WebSocket-Protocol; a browser that offered some fails the
    // connection (WHATWG WebSockets, "establish a WebSocket connection").
    expect(outcome).toEqual({ opened: false, protocol: '', close: { code: 1006, reason: '', wasClean: false } });
    // Our side did accept the upgrade and then lost the connection without a close frame.
    expect(connections.length).toBe(before + 1);
    expect(await within(lastConnection().closed, 'the server-side close')).toEqual({ code: 1006, reason: '' });
  });
});

describe.skipIf(!chromium.available)('Chromium page talking to our WebSocketServer with permessage-deflate on', () => {
  let deflateServer: Server;
  let deflateWss: WebSocketServer;
  let deflateUrl: string;
  const accepted: WebSocket[] = [];

  beforeAll(async () => {
    deflateServer = createServer((_request, response) => response.writeHead(404).end());
    deflateWss = new WebSocketServer({ server: deflateServer, perMessageDeflate: true });
    deflateWss.on('connection', (socket: WebSocket) => {
      accepted.push(socket);
      socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
    });
    deflateUrl = `ws://127.0.0.1:${await listenOnLoopback(deflateServer)}/`;
  });

  afterAll(() => {
    for (const client of deflateWss?.clients ?? []) client.terminate();
    deflateWss?.close();
    deflateServer?.close();
  });

  it('negotiates permessage-deflate (RFC 7692) and echoes compressible and incompressible messages', async () => {
    const result = await inPage(
      'the compressed echo in the page',
      async (url: string) => {
        const api = window as unknown as PageApi;
        const socket = await api.openSocket(undefined, url);
        const text = 'compress me, compress me ✓ '.repeat(40_000);
        const noise = new Uint8Array(300_000);
        for (let offset = 0; offset < noise.length; offset += 65_536) {
          crypto.getRandomValues(noise.subarray(offset, offset + 65_536));
        }
        const textEcho = api.nextMessage(socket);
        socket.send(text);
        const textBack = await textEcho;
        const noiseEcho = api.nextMessage(socket);
        socket.send(noise);
        const noiseBack = (await noiseEcho) as ArrayBuffer;
        const result = {
          extensions: socket.extensions,
          textIntact: textBack === text,
          textLength: text.length,
          noiseIntact: (await api.sha256Hex(noise.buffer)) === (await api.sha256Hex(noiseBack)),
        };
        socket.close(1000);
        return result;
      },
      deflateUrl,
    );
    expect(result.extensions).toMatch(/^permessage-deflate\b/);
    expect(result).toMatchObject({ textIntact: true, textLength: 27 * 40_000, noiseIntact: true });
    expect(accepted.at(-1)?.extensions).toMatch(/^permessage-deflate\b/);
  });
});
