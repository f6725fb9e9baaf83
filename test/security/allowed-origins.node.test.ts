// allowedOrigins compares origins exactly, as RFC 6454 serializes them (scheme, host and port; scheme and
// host case-insensitively; a default port written or not), never as substrings, over HTTP/1.1 and
// HTTP/2 alike; and the option is checked when the server is built. Regression: a string was accepted
// and matched with String#includes, so 'https://app.example.co', 'https://app' and 'p' were let in.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index.ts';
import { type H2Endpoint, startH2Endpoint } from '../http2/h2-endpoint.ts';
import { closeRawSession, openRawSession, request, websocketConnect } from '../http2/raw-h2-client.ts';
import { within } from '../support/waits.ts';

const ALLOWED = 'https://app.example.com';

/** Origins a browser on another site could send: each must be refused. */
const REFUSED = [
  'https://app.example.co', // a prefix of the allowed origin
  'https://app', // a shorter prefix
  'p', // a single character of it
  'https://app.example.com:8443', // another port
  'http://app.example.com', // another scheme
  'https://app.example.com.evil.example', // the allowed one as a prefix of another host
  'https://evil.example/https://app.example.com', // the allowed one inside a path
  'https://app.example.com/', // not an origin (a path), as no browser sends it
  'https://user@app.example.com', // not an origin (user info)
  'null', // an opaque origin, not listed
  '',
];

/** The allowed origin as other spellings of the same RFC 6454 origin: each must be admitted. */
const ADMITTED = [
  'https://app.example.com',
  'HTTPS://APP.EXAMPLE.COM',
  'https://App.Example.Com',
  'hTtPs://app.EXAMPLE.com:443', // the default port, written out
];

/** The status a WebSocket upgrade with these extra headers gets: 101, or the refusal's status. */
function upgradeStatus(port: number, headers: Record<string, string | string[]>, version = '13'): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version': version,
          ...headers,
        },
      });
      req.on('upgrade', (response: IncomingMessage, socket) => {
        socket.destroy();
        resolve(response.statusCode ?? 0);
      });
      req.on('response', (response: IncomingMessage) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    }),
    'the answer to an upgrade request',
  );
}

const servers: WebSocketServer[] = [];
let endpoint: H2Endpoint | null = null;

afterEach(async () => {
  for (const wss of servers.splice(0)) {
    for (const ws of wss.clients ?? []) ws.terminate();
    await within(new Promise((resolve) => wss.close(resolve)), 'the server to close');
  }
  await endpoint?.close();
  endpoint = null;
});

async function listening(options: ConstructorParameters<typeof WebSocketServer>[0]): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(wss);
  await within(new Promise((resolve) => wss.once('listening', resolve)), 'the server to listen');
  return (wss.address() as AddressInfo).port;
}

describe('allowedOrigins, the option', () => {
  it('is a TypeError as a string (it used to be matched as a substring), and names the fix', () => {
    expect(() => new WebSocketServer({ noServer: true, allowedOrigins: ALLOWED as never })).toThrow(TypeError);
    expect(() => new WebSocketServer({ noServer: true, allowedOrigins: ALLOWED as never })).toThrow(
      /^allowedOrigins must be an array .*write \["https:\/\/app\.example\.com"\].*got the string "https:\/\/app\.example\.com"$/,
    );
  });

  it('refuses entries of the wrong type (TypeError) and strings that are not origins (RangeError)', () => {
    const build = (allowedOrigins: unknown) => () =>
      new WebSocketServer({ noServer: true, allowedOrigins: allowedOrigins as string[] });
    expect(build([ALLOWED, 42])).toThrow(TypeError);
    expect(build([ALLOWED, 42])).toThrow(/allowedOrigins\[1\] must be an origin string.*got 42/);
    expect(build([null])).toThrow(TypeError);
    expect(build(new Set([ALLOWED]))).toThrow(TypeError);
    expect(build({ 0: ALLOWED, length: 1 })).toThrow(TypeError);
    for (const notAnOrigin of ['https://app.example.com/', '*', 'app.example.com', 'https://*.example.com', '']) {
      expect(build([notAnOrigin]), notAnOrigin).toThrow(RangeError);
      expect(build([notAnOrigin]), notAnOrigin).toThrow(/allowedOrigins\[0\] must be an origin/);
    }
    // An empty list is a choice: no browser page may connect.
    expect(build([])).not.toThrow();
  });
});

describe('allowedOrigins over HTTP/1.1 (real sockets)', () => {
  it('answers 403 to every near miss and admits the exact origin in any case, with or without its default port', async () => {
    const port = await listening({ allowedOrigins: [ALLOWED] });
    for (const origin of REFUSED) {
      expect(await upgradeStatus(port, { Origin: origin }), `Origin: ${JSON.stringify(origin)}`).toBe(403);
    }
    for (const origin of ADMITTED) {
      expect(await upgradeStatus(port, { Origin: origin }), `Origin: ${origin}`).toBe(101);
    }
    // No Origin: not a browser (which could send any Origin it liked), let through as before.
    expect(await upgradeStatus(port, {})).toBe(101);
  });

  it('matches a listed entry written with a default port and capitals the same way', async () => {
    const port = await listening({ allowedOrigins: ['HTTPS://App.Example.com:443', 'http://localhost:3000'] });
    expect(await upgradeStatus(port, { Origin: 'https://app.example.com' })).toBe(101);
    expect(await upgradeStatus(port, { Origin: 'http://localhost:3000' })).toBe(101);
    expect(await upgradeStatus(port, { Origin: 'http://localhost' })).toBe(403);
    expect(await upgradeStatus(port, { Origin: 'http://localhost:30000' })).toBe(403);
  });

  it("admits the opaque origin 'null' only when listed", async () => {
    const port = await listening({ allowedOrigins: [ALLOWED, 'null'] });
    expect(await upgradeStatus(port, { Origin: 'null' })).toBe(101);
    expect(await upgradeStatus(port, { Origin: 'NULL' })).toBe(403);
  });

  it('checks Sec-WebSocket-Origin (the header of version 8) by itself, and refuses two Origin lines', async () => {
    const port = await listening({ allowedOrigins: [ALLOWED] });
    // A version-8 client names its origin in Sec-WebSocket-Origin: a foreign one is refused (403), an
    // allowed one accepted (the server takes version 8 as ws does).
    expect(await upgradeStatus(port, { 'Sec-WebSocket-Origin': 'https://app.example.co' }, '8')).toBe(403);
    expect(await upgradeStatus(port, { 'Sec-WebSocket-Origin': ALLOWED }, '8')).toBe(101);
    // Neither header vouches for the other.
    expect(await upgradeStatus(port, { Origin: ALLOWED, 'Sec-WebSocket-Origin': 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(port, { Origin: 'https://evil.example', 'Sec-WebSocket-Origin': ALLOWED })).toBe(403);
    // Two Origin lines (Node would join them with ", ") are never one allowed origin.
    expect(await upgradeStatus(port, { Origin: [ALLOWED, ALLOWED] })).toBe(403);
  });
});

describe('allowedOrigins over HTTP/2 (RFC 8441, real sockets)', () => {
  it('answers 403 to every near miss and 200 to the exact origin in any case', async () => {
    endpoint = await startH2Endpoint({ secure: false, wssOptions: { allowedOrigins: [ALLOWED] } });
    const session = await openRawSession(endpoint.origin);
    try {
      for (const origin of REFUSED) {
        const response = await request(session, websocketConnect('/', { origin }));
        expect(response.status, `origin: ${JSON.stringify(origin)}`).toBe(403);
      }
      for (const origin of ADMITTED) {
        const response = await request(session, websocketConnect('/', { origin }));
        expect(response.status, `origin: ${origin}`).toBe(200);
      }
    } finally {
      closeRawSession(session);
    }
  });
});
