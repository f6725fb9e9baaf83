// undici's WebSocket over HTTP/2 against our server. undici 7.30.2 is the newest release whose engines
// field allows Node 20 (8.x needs Node 22.19); its WebSocket sends an extended CONNECT when its dispatcher
// negotiated h2 (an Agent with allowH2) and the server allows it, and marks that path experimental.
// Two ways it differs from RFC 8441, both seen here and described in docs/http2.md:
// - it sends Sec-WebSocket-Key over HTTP/2 too and fails unless the 200 carries the matching
//   Sec-WebSocket-Accept, which our server therefore sends to clients that sent a key;
// - after the closing handshake it never ends its side of the stream; our server closes the stream first,
//   RST_STREAM(NO_ERROR) after its END_STREAM, so both sides close at once with the default closeTimeout
//   (before, they waited for closeTimeout's reset: the first close here timed out).
// It also opens a new connection (and so an HTTP/2 session) for each WebSocket.

import type { ServerHttp2Stream } from 'node:http2';
import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from '../support/waits.ts';
import { type H2Endpoint, startH2Endpoint } from './h2-endpoint.ts';
import { TLS_CERT } from './tls-fixture.ts';

const BINARY_BYTES = 100_000;

let endpoint: H2Endpoint;
let dispatcher: Agent;

beforeAll(async () => {
  endpoint = await startH2Endpoint({
    secure: true,
    wssOptions: { perMessageDeflate: true },
  });
  dispatcher = new Agent({ allowH2: true, connect: { ca: TLS_CERT } });
});

afterAll(async () => {
  await dispatcher?.close();
  await endpoint?.close();
});

interface Opened {
  ws: UndiciWebSocket;
  messages: (string | ArrayBuffer)[];
  next(): Promise<string | ArrayBuffer>;
  closed: Promise<{ code: number; reason: string; wasClean: boolean }>;
}

function open(path: string, protocols: string[]): Promise<Opened> {
  const ws = new UndiciWebSocket(`${endpoint.origin}${path}`, { dispatcher, protocols });
  ws.binaryType = 'arraybuffer';
  const messages: (string | ArrayBuffer)[] = [];
  let wake: (() => void) | null = null;
  ws.addEventListener('message', (event) => {
    messages.push(event.data as string | ArrayBuffer);
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) =>
    ws.addEventListener('close', (event) =>
      resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }),
    ),
  );
  return within(
    new Promise<Opened>((resolve, reject) => {
      ws.addEventListener('open', () =>
        resolve({
          ws,
          messages,
          closed,
          next: () =>
            within(
              (async () => {
                while (messages.length === 0) await new Promise<void>((done) => (wake = done));
                return messages.shift() as string | ArrayBuffer;
              })(),
              'a message on the undici client',
            ),
        }),
      );
      ws.addEventListener('error', () => reject(new Error('undici failed to open the WebSocket')));
    }),
    'undici to open',
  );
}

describe('undici 7.30.2 WebSocket over HTTP/2 against our server', () => {
  it('opens as an extended CONNECT stream, echoes text and binary with deflate, closes with codes both ways', async () => {
    const first = await open('/u/1', ['chat.v1']);
    const second = await open('/u/2', ['chat.v1']);
    const accepted = [await endpoint.nextConnection(), await endpoint.nextConnection()];
    // Both arrived as CONNECT streams on HTTP/2 sessions. (undici 7.30.2 dials a new connection for each
    // WebSocket, even one after the other, so there is a session per WebSocket.)
    for (const side of accepted) {
      expect(side.request.httpVersion).toBe('2.0');
      expect(side.request.method).toBe('CONNECT');
      expect(side.request.headers[':protocol']).toBe('websocket');
      expect(endpoint.sessions).toContain((side.ws._socket as unknown as ServerHttp2Stream).session);
      expect(side.ws.protocol).toBe('chat.v1');
      expect(side.ws.extensions).toContain('permessage-deflate');
    }
    expect(endpoint.sessions).toHaveLength(2);
    for (const client of [first, second]) {
      expect(client.ws.protocol).toBe('chat.v1');
      expect(client.ws.extensions).toContain('permessage-deflate');
      client.ws.send('hello from undici ✓');
      expect(await client.next()).toBe('hello from undici ✓');
      const bytes = new Uint8Array(BINARY_BYTES).map((_, index) => (index * 31 + 7) & 0xff);
      client.ws.send(bytes);
      const echo = await client.next();
      expect(echo).toBeInstanceOf(ArrayBuffer);
      expect(Buffer.from(echo as ArrayBuffer).equals(Buffer.from(bytes))).toBe(true);
    }

    const byPath = new Map(accepted.map((side) => [side.request.url, side]));
    // undici closes the first; our server closes the second.
    first.ws.close(4000, 'undici says bye');
    (byPath.get('/u/2') as (typeof accepted)[number]).ws.close(4001, 'server says bye ✓');
    expect(await within(first.closed, 'the first to close')).toEqual({
      code: 4000,
      reason: 'undici says bye',
      wasClean: true,
    });
    expect(await within(second.closed, 'the second to close')).toEqual({
      code: 4001,
      reason: 'server says bye ✓',
      wasClean: true,
    });
    expect(await within((byPath.get('/u/1') as (typeof accepted)[number]).closed, 'server side 1')).toEqual({
      code: 4000,
      reason: 'undici says bye',
    });
    // undici's answering close frame echoes the code only (RFC 6455 section 5.5.1 allows it).
    expect(await within((byPath.get('/u/2') as (typeof accepted)[number]).closed, 'server side 2')).toEqual({
      code: 4001,
      reason: '',
    });
  });
});
