// wasmsocket's client and server talking over HTTP/2 (RFC 8441) on real sockets on 127.0.0.1, in clear
// text (h2c, prior knowledge) and over TLS (h2 chosen by ALPN): several WebSockets multiplexed on one
// session, permessage-deflate, text/binary/large messages, close codes and reasons both ways, abrupt
// closes as RST_STREAM(CANCEL), subprotocols, and the session's lifetime in the pool.

import { type ClientHttp2Stream, createSecureServer, createServer, constants as http2Constants } from 'node:http2';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from '../../src/index.ts';
import { Http2SessionPool } from '../../src/node/http2-session-pool.ts';
import { patternBytes } from '../support/payloads.ts';
import { nextEvent, until, within } from '../support/waits.ts';
import {
  type Accepted,
  allWithin,
  type H2Endpoint,
  serverStreamOf,
  startH2Endpoint,
  TRUST_FIXTURE,
} from './h2-endpoint.ts';
import { TLS_CERT, TLS_KEY } from './tls-fixture.ts';

/** How many WebSockets share one session in the multiplexing test. */
const CONCURRENT_SOCKETS = 16;
/** A message beyond the 16-bit length form and beyond HTTP/2's default 64 KiB flow-control window. */
const LARGE_BYTES = 1024 * 1024;
/** Repetitive text that permessage-deflate shrinks by orders of magnitude. */
const COMPRESSIBLE_TEXT = 'wasmsocket over HTTP/2 ✓ '.repeat(40_000);

interface Client {
  ws: WebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  errors: Error[];
  next(): Promise<{ data: Buffer; isBinary: boolean }>;
}

function openClient(url: string, options: object, protocols?: string[]): Client {
  const ws = protocols === undefined ? new WebSocket(url, options) : new WebSocket(url, protocols, options);
  const errors: Error[] = [];
  ws.on('error', (error: Error) => errors.push(error));
  const queue: { data: Buffer; isBinary: boolean }[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    queue.push({ data, isBinary });
    wake?.();
  });
  const opened = within(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error(`closed before opening: ${errors.map((e) => e.message)}`)));
    }),
    "the client's 'open'",
  );
  // A client expected to fail never has `opened` awaited; its rejection is not an unhandled one.
  opened.catch(() => {});
  return {
    ws,
    errors,
    opened,
    closed: within(
      new Promise((resolve) =>
        ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
      ),
      "the client's 'close'",
    ),
    next: () =>
      within(
        (async () => {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          return queue.shift() as { data: Buffer; isBinary: boolean };
        })(),
        'a message on the client',
      ),
  };
}

async function expectEcho(client: Client, data: string | Buffer): Promise<void> {
  client.ws.send(data);
  const echo = await client.next();
  expect(echo.isBinary).toBe(typeof data !== 'string');
  const expected = typeof data === 'string' ? Buffer.from(data) : data;
  expect(echo.data.length).toBe(expected.length);
  expect(echo.data.equals(expected), 'echo differs').toBe(true);
}

let endpoint: H2Endpoint | null = null;
const pools: Http2SessionPool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await endpoint?.close();
  endpoint = null;
});

function newPool(options?: ConstructorParameters<typeof Http2SessionPool>[0]): Http2SessionPool {
  const pool = new Http2SessionPool(options);
  pools.push(pool);
  return pool;
}

describe.each([
  { transport: 'h2c', secure: false },
  { transport: 'h2 over TLS', secure: true },
])('$transport', ({ secure }) => {
  const clientOptions = (pool: Http2SessionPool, extra: object = {}) => ({
    http2: pool,
    ...(secure ? TRUST_FIXTURE : {}),
    ...extra,
  });

  it(`multiplexes ${CONCURRENT_SOCKETS} WebSockets on one session: compressed echoes, close codes both ways`, async () => {
    endpoint = await startH2Endpoint({ secure, wssOptions: { perMessageDeflate: true } });
    const server = endpoint;
    const pool = newPool();
    const clients = Array.from({ length: CONCURRENT_SOCKETS }, (_, index) =>
      openClient(`${server.origin}/chat/${index}`, clientOptions(pool, { perMessageDeflate: true })),
    );
    await allWithin(
      clients.map((client) => client.opened),
      'every client to open',
    );
    const accepted: Accepted[] = [];
    for (let i = 0; i < CONCURRENT_SOCKETS; i++) accepted.push(await server.nextConnection());

    // One TCP connection, one HTTP/2 session, every WebSocket an extended CONNECT stream on it.
    expect(pool.sessionCount).toBe(1);
    expect(server.sessions).toHaveLength(1);
    const paths = new Set<string>();
    for (const each of accepted) {
      expect(each.request.httpVersion).toBe('2.0');
      expect(each.request.method).toBe('CONNECT');
      expect(each.request.headers[':protocol']).toBe('websocket');
      expect(serverStreamOf(each).session).toBe(server.sessions[0]);
      paths.add(each.request.url as string);
    }
    expect(paths.size).toBe(CONCURRENT_SOCKETS);
    for (const client of clients) expect(client.ws.extensions).toContain('permessage-deflate');

    // Every socket echoes text and binary; a few send a message larger than the flow-control window.
    await allWithin(
      clients.map(async (client, index) => {
        await expectEcho(client, `hello ${index} ✓ ${'é'.repeat(index)}`);
        await expectEcho(client, patternBytes(1000 + index, `binary ${index}`));
        if (index % 4 === 0) await expectEcho(client, patternBytes(LARGE_BYTES, `large ${index}`));
      }),
      'the echoes',
    );

    // Compression happens on the wire: 1 MB of repetitive text crosses as a few kilobytes.
    const socket = server.sessions[0].socket as Socket;
    const before = socket.bytesRead;
    await expectEcho(clients[1], COMPRESSIBLE_TEXT);
    const crossed = socket.bytesRead - before;
    expect(Buffer.byteLength(COMPRESSIBLE_TEXT)).toBeGreaterThan(1_000_000);
    expect(crossed).toBeLessThan(64 * 1024);

    // The first half close from the client side, the second half from the server side.
    const half = CONCURRENT_SOCKETS / 2;
    for (let i = 0; i < CONCURRENT_SOCKETS; i++) {
      const serverSide = accepted.find((each) => each.request.url === `/chat/${i}`) as Accepted;
      if (i < half) clients[i].ws.close(4000 + i, `client ${i} says bye ✓`);
      else serverSide.ws.close(4100 + i, `server ${i} says bye ✓`);
    }
    const serverCloses = await allWithin(
      Array.from(
        { length: CONCURRENT_SOCKETS },
        (_, i) => (accepted.find((each) => each.request.url === `/chat/${i}`) as Accepted).closed,
      ),
      'the server-side closes',
    );
    const clientCloses = await allWithin(
      clients.map((client) => client.closed),
      'the client-side closes',
    );
    for (let i = 0; i < CONCURRENT_SOCKETS; i++) {
      const expected =
        i < half
          ? { code: 4000 + i, reason: `client ${i} says bye ✓` }
          : { code: 4100 + i, reason: `server ${i} says bye ✓` };
      expect(serverCloses[i]).toEqual(expected);
      expect(clientCloses[i]).toEqual(expected);
      expect(clients[i].errors).toEqual([]);
    }

    // The last WebSocket gone, the pool closes the session (idleTimeoutMs 0).
    expect(pool.sessionCount).toBe(0);
    if (!server.sessions[0].closed) await nextEvent(server.sessions[0], 'close');
  });

  it('negotiates the subprotocol with handleProtocols; refuses none offered', async () => {
    endpoint = await startH2Endpoint({
      secure,
      wssOptions: { handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false) },
    });
    const pool = newPool();
    const client = openClient(`${endpoint.origin}/`, clientOptions(pool), ['chat.v1', 'chat.v2']);
    await client.opened;
    const accepted = await endpoint.nextConnection();
    expect(client.ws.protocol).toBe('chat.v2');
    expect(accepted.ws.protocol).toBe('chat.v2');
    expect(accepted.request.headers['sec-websocket-protocol']).toBe('chat.v1, chat.v2');
    await expectEcho(client, 'with a subprotocol');

    // handleProtocols returns false: the server answers without one, which fails a client that offered some.
    const refused = openClient(`${endpoint.origin}/`, clientOptions(pool), ['chat.v1']);
    const closed = await refused.closed;
    expect(closed.code).toBe(1006);
    expect(refused.errors.map((error) => error.message)).toEqual(['Server sent no subprotocol']);
    client.ws.close(1000);
    await client.closed;
  });

  it('terminate() resets the stream with CANCEL; the peer reports 1006 and the session goes on', async () => {
    endpoint = await startH2Endpoint({ secure });
    const pool = newPool();
    const options = clientOptions(pool);
    const keeper = openClient(`${endpoint.origin}/keeper`, options);
    await keeper.opened;
    await endpoint.nextConnection();

    // The client terminates: the server's stream sees RST_STREAM(CANCEL) and its WebSocket 1006.
    const first = openClient(`${endpoint.origin}/first`, options);
    await first.opened;
    const firstServer = await endpoint.nextConnection();
    const firstStream = serverStreamOf(firstServer);
    first.ws.terminate();
    expect(await firstServer.closed).toEqual({ code: 1006, reason: '' });
    expect(firstStream.rstCode).toBe(http2Constants.NGHTTP2_CANCEL);
    expect(await first.closed).toEqual({ code: 1006, reason: '' });

    // The server terminates: the client's stream sees RST_STREAM(CANCEL) and its WebSocket 1006.
    const second = openClient(`${endpoint.origin}/second`, options);
    await second.opened;
    const secondServer = await endpoint.nextConnection();
    const secondClientStream = second.ws._socket as unknown as ClientHttp2Stream;
    secondServer.ws.terminate();
    expect(await second.closed).toEqual({ code: 1006, reason: '' });
    expect(secondClientStream.rstCode).toBe(http2Constants.NGHTTP2_CANCEL);
    expect(second.errors).toEqual([]);

    // Neither reset touched the session or the WebSocket beside them.
    await expectEcho(keeper, 'still here');
    expect(endpoint.sessions).toHaveLength(1);
    expect(pool.sessionCount).toBe(1);
    keeper.ws.close(1000, 'done');
    expect(await keeper.closed).toEqual({ code: 1000, reason: 'done' });
  });

  it("terminate() on the client sends RST_STREAM(CANCEL) and no END_STREAM, as a raw server's stream records it", async () => {
    const raw = secure
      ? createSecureServer({ key: TLS_KEY, cert: TLS_CERT, settings: { enableConnectProtocol: true } })
      : createServer({ settings: { enableConnectProtocol: true } });
    // What the raw server's stream saw, in order: a reset alone is 'aborted' then 'close', with no 'end'
    // (which END_STREAM would have caused first).
    const seen: string[] = [];
    const resetCode = new Promise<number>((resolve) => {
      raw.on('stream', (stream) => {
        stream.on('error', () => {});
        stream.respond({ ':status': 200 });
        stream.on('end', () => seen.push('end'));
        stream.on('aborted', () => seen.push('aborted'));
        stream.once('close', () => resolve(stream.rstCode as number));
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const port = (raw.address() as { port: number }).port;
      const client = openClient(`${secure ? 'wss' : 'ws'}://127.0.0.1:${port}/`, clientOptions(newPool()));
      await client.opened;
      client.ws.terminate();
      expect(await within(resetCode, 'the raw stream to close')).toBe(http2Constants.NGHTTP2_CANCEL);
      expect(seen).toEqual(['aborted']);
      expect(await client.closed).toEqual({ code: 1006, reason: '' });
    } finally {
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('keeps an idle session for idleTimeoutMs and reuses it; pool.close() ends it', async () => {
    endpoint = await startH2Endpoint({ secure });
    const pool = newPool({ idleTimeoutMs: 60_000 });
    const first = openClient(`${endpoint.origin}/`, clientOptions(pool));
    await first.opened;
    first.ws.close(1000);
    await first.closed;
    expect(pool.sessionCount).toBe(1);
    const second = openClient(`${endpoint.origin}/`, clientOptions(pool));
    await second.opened;
    await expectEcho(second, 'reused');
    expect(endpoint.sessions).toHaveLength(1);
    second.ws.close(1000);
    await second.closed;
    pool.close();
    expect(pool.sessionCount).toBe(0);
    if (!endpoint.sessions[0].closed) await nextEvent(endpoint.sessions[0], 'close');
  });

  it('fails the handshake with the status when the server refuses (verifyClient)', async () => {
    endpoint = await startH2Endpoint({
      secure,
      wssOptions: { verifyClient: (info, done) => done(info.req.headers['x-token'] === 'let me in', 403, 'No entry') },
    });
    const pool = newPool();
    const refused = openClient(`${endpoint.origin}/`, clientOptions(pool));
    expect(await refused.closed).toEqual({ code: 1006, reason: '' });
    expect(refused.errors.map((error) => error.message)).toEqual(['Unexpected server response: 403']);
    const allowed = openClient(`${endpoint.origin}/`, clientOptions(pool, { headers: { 'X-Token': 'let me in' } }));
    await allowed.opened;
    await expectEcho(allowed, 'verified');
    allowed.ws.close(1000);
    await allowed.closed;
  });

  it('close() before the stream is answered aborts the handshake', async () => {
    endpoint = await startH2Endpoint({
      secure,
      // Never answers: the client is left waiting for its 200.
      wssOptions: { verifyClient: (_info, _done) => {} },
    });
    const pool = newPool();
    const client = openClient(`${endpoint.origin}/`, clientOptions(pool, { handshakeTimeout: 60_000 }));
    // Wait until the server holds the stream, then give up from the client side.
    await until(() => (endpoint?.sessions.length ?? 0) > 0, 'the session');
    client.ws.close();
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.errors.map((error) => error.message)).toEqual([
      'WebSocket was closed before the connection was established',
    ]);
  });
});
