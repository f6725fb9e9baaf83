// What a refused upgrade looks like, over HTTP/1.1 and HTTP/2, for the server's own limits (header count,
// connection caps, allowed origins) and for a request the handshake checks refuse (RFC 6455 section 4.2.1,
// RFC 8441 section 5): without a wsClientError listener the client gets the status; with one, the
// listener gets an Error with the message and stable code (as it always has: a plain Error, as ws's) and
// nothing is answered for it. Every refusal travels as one HandshakeError (upgrade-acceptance.ts).

import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type WebSocketServerOptions } from '../../src/index.ts';
import { startServerOver, type Transport } from '../support/server-over.ts';
import { within } from '../support/waits.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(transport: Transport, options: Partial<WebSocketServerOptions>) {
  const endpoint = await startServerOver(transport, options);
  cleanups.push(() => endpoint.close());
  return endpoint;
}

/** Opens a client; resolves with 'open', or the status its 'error' names. */
function attempt(url: string, options: object): Promise<{ ws: WebSocket; status: number | 'open' }> {
  const ws = new WebSocket(url, options);
  cleanups.push(() => ws.terminate());
  return within(
    new Promise((resolve) => {
      ws.once('open', () => resolve({ ws, status: 'open' }));
      ws.once('error', (error: Error) => {
        const status = /^Unexpected server response: (\d+)$/.exec(error.message);
        resolve({ ws, status: status === null ? -1 : Number(status[1]) });
      });
    }),
    'the handshake to end',
  );
}

interface Case {
  title: string;
  options: Partial<WebSocketServerOptions>;
  /** Client options beyond the transport's. */
  client?: object;
  /** How many clients open first (and stay open) before the refused one. */
  before?: number;
  status: number;
  message: string;
  code: string;
  /** Where our client can send the request (over HTTP/2 it drops a caller's Sec-WebSocket-* fields). */
  only?: Transport;
}

const CASES: Case[] = [
  {
    title: 'more header fields than maxHeaderCount',
    options: { maxHeaderCount: 12 },
    client: { headers: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`x-extra-${i}`, 'y'])) },
    status: 431,
    message: 'More than 12 header fields',
    // The code the protocol's head reader gives too: one spelling for one condition (issue 16 item 7).
    code: 'WS_ERR_HANDSHAKE_TOO_MANY_HEADERS',
  },
  {
    title: 'maxConnections reached',
    options: { maxConnections: 1 },
    before: 1,
    status: 503,
    message: 'Too many connections',
    code: 'WS_ERR_TOO_MANY_CONNECTIONS',
  },
  {
    title: 'maxConnectionsPerAddress reached',
    options: { maxConnectionsPerAddress: 1 },
    before: 1,
    status: 429,
    message: 'Too many connections from this address',
    code: 'WS_ERR_TOO_MANY_CONNECTIONS',
  },
  {
    title: 'an origin not in allowedOrigins',
    options: { allowedOrigins: ['https://app.example'] },
    client: { origin: 'https://evil.example' },
    status: 403,
    message: 'Origin not allowed',
    code: 'WS_ERR_ORIGIN_NOT_ALLOWED',
  },
  {
    title: 'a subprotocol list that breaks its grammar (a check of the request itself)',
    only: 'HTTP/1.1',
    options: {},
    client: { headers: { 'Sec-WebSocket-Protocol': 'a b' } },
    status: 400,
    message: 'Invalid Sec-WebSocket-Protocol header',
    code: 'WS_ERR_INVALID_PROTOCOL_HEADER',
  },
];

describe.each<Transport>(['HTTP/1.1', 'HTTP/2'])('refusals over %s', (transport) => {
  const cases = CASES.filter((each) => each.only === undefined || each.only === transport);
  it.each(cases)('$title: the status without a listener, message and code with one', async (each) => {
    for (const listening of [false, true]) {
      const server = await startServer(transport, each.options);
      const options = { ...server.clientOptions, ...each.client };
      for (let i = 0; i < (each.before ?? 0); i++) {
        expect((await attempt(server.url, server.clientOptions)).status).toBe('open');
      }
      const heard: Array<{ error: Error; transport: Duplex }> = [];
      if (listening) {
        server.wss.on('wsClientError', (error: Error, duplex: Duplex) => {
          heard.push({ error, transport: duplex });
          // The listener answers for itself; here it just drops the connection.
          duplex.destroy();
        });
      }
      const { status } = await attempt(server.url, options);
      if (!listening) {
        expect(status).toBe(each.status);
        continue;
      }
      // Dropped by the listener: no HTTP answer reached the client.
      expect(status).not.toBe('open');
      expect(status).not.toBe(each.status);
      expect(heard).toHaveLength(1);
      const { error } = heard[0];
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('Error');
      expect({ message: error.message, code: (error as Error & { code?: string }).code }).toEqual({
        message: each.message,
        code: each.code,
      });
    }
  });
});
