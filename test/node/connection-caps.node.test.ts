// maxConnections and maxConnectionsPerAddress with an asynchronous verifyClient, over HTTP/1.1 and
// HTTP/2 (RFC 8441), on 127.0.0.1: a handshake holds its slot from the check until its connection closes,
// so the handshakes that arrive while verifyClient thinks are counted (issue 17: 20 of 20 got through a
// cap of 2). A handshake that ends without a connection (refused, timed out, client gone) frees its slot.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type WebSocketServer, type WebSocketServerOptions } from '../../src/index.ts';
import { type ServerOver, startServerOver, type Transport } from '../support/server-over.ts';
import { until, WAIT_MS, within } from '../support/waits.ts';

const cleanups: Array<() => Promise<unknown>> = [];
const openClients: WebSocket[] = [];

afterEach(async () => {
  for (const client of openClients.splice(0)) client.terminate();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startServer(transport: Transport, options: Partial<WebSocketServerOptions>): Promise<ServerOver> {
  const endpoint = await startServerOver(transport, options);
  cleanups.push(() => endpoint.close());
  return endpoint;
}

/** How a client's handshake ended: opened, or refused with the status in its error. */
type Outcome = { opened: true; ws: WebSocket } | { opened: false; status: number };

function connect(endpoint: ServerOver, path = '/'): { ws: WebSocket; outcome: Promise<Outcome> } {
  const ws = new WebSocket(`${endpoint.url}${path}`, endpoint.clientOptions);
  openClients.push(ws);
  const outcome = within(
    new Promise<Outcome>((resolve) => {
      ws.once('open', () => resolve({ opened: true, ws }));
      ws.once('error', (error: Error) => {
        const status = /Unexpected server response: (\d+)/.exec(error.message);
        resolve({ opened: false, status: status === null ? 0 : Number(status[1]) });
      });
    }),
    'a handshake to end',
  );
  return { ws, outcome };
}

async function connectMany(endpoint: ServerOver, count: number, path = '/'): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: count }, () => connect(endpoint, path).outcome));
}

function summary(outcomes: Outcome[]): { admitted: number; refused: Record<number, number> } {
  const refused: Record<number, number> = {};
  let admitted = 0;
  for (const outcome of outcomes) {
    if (outcome.opened) admitted++;
    else refused[outcome.status] = (refused[outcome.status] ?? 0) + 1;
  }
  return { admitted, refused };
}

/**
 * An asynchronous verifyClient that admits after `delayMs`, refuses paths with ?deny, never answers
 * ?hang, and on ?drop closes the request's transport (the socket, or the HTTP/2 stream) and never answers.
 * `calls` counts the handshakes it has been asked about.
 */
function slowVerifyClient(delayMs: number) {
  type Request = { url?: string; socket: { destroy(): void }; stream?: { destroy(): void } };
  const verify = (info: { req: Request }, callback: (verified: boolean, code?: number) => void) => {
    verify.calls++;
    const url = info.req.url ?? '';
    if (url.includes('hang')) return;
    if (url.includes('drop')) {
      setTimeout(() => (info.req.stream ?? info.req.socket).destroy(), delayMs);
      return;
    }
    setTimeout(() => callback(!url.includes('deny'), 401), delayMs);
  };
  verify.calls = 0;
  return verify;
}

/**
 * A handshake timeout no wait of these tests reaches, so that only what a test does (a closed transport,
 * a reset stream) can free a slot within it.
 */
const HANDSHAKE_TIMEOUT_BEYOND_ANY_WAIT_MS = 4 * WAIT_MS;

/** Connects pairs of clients until both of a pair are admitted (slots come back as sockets close), bounded. */
async function admitTwo(endpoint: ServerOver, what: string): Promise<number> {
  return within(
    (async () => {
      for (;;) {
        const outcomes = await connectMany(endpoint, 2);
        if (summary(outcomes).admitted === 2) return 2;
        await closeAll(outcomes);
        await untilNoConnections(endpoint.wss);
      }
    })(),
    what,
  );
}

async function closeAll(outcomes: Outcome[]): Promise<void> {
  const closes = outcomes.flatMap((outcome) =>
    outcome.opened ? [new Promise((resolve) => outcome.ws.once('close', resolve))] : [],
  );
  for (const outcome of outcomes) if (outcome.opened) outcome.ws.close();
  await within(Promise.all(closes), 'the clients to close');
}

/** Waits until the server has forgotten every connection (its 'close' events ran). */
function untilNoConnections(wss: WebSocketServer): Promise<void> {
  return until(() => (wss.clients?.size ?? 0) === 0, 'the server to see every connection close');
}

const TRANSPORTS: Transport[] = ['HTTP/1.1', 'HTTP/2'];

describe.each(TRANSPORTS)('connection caps with an asynchronous verifyClient over %s', (transport) => {
  const clients = transport === 'HTTP/1.1' ? 20 : 10;

  it(`maxConnections 2 and a 200 ms verifyClient: ${clients} clients at once, 2 admitted, the rest 503`, async () => {
    const endpoint = await startServer(transport, { maxConnections: 2, verifyClient: slowVerifyClient(200) });
    const outcomes = await connectMany(endpoint, clients);
    const { admitted, refused } = summary(outcomes);
    console.log(
      `[caps] ${transport} maxConnections 2: ${admitted} of ${clients} admitted, refused ${JSON.stringify(refused)}`,
    );
    expect(admitted).toBe(2);
    expect(refused).toEqual({ 503: clients - 2 });
    expect(endpoint.wss.clients?.size).toBe(2);
    // Their slots come back as they close.
    await closeAll(outcomes);
    await untilNoConnections(endpoint.wss);
    expect(summary(await connectMany(endpoint, 2)).admitted).toBe(2);
  });

  it(`maxConnectionsPerAddress 2 and a 200 ms verifyClient: ${clients} clients from one address, 2 admitted, the rest 429`, async () => {
    const endpoint = await startServer(transport, {
      maxConnectionsPerAddress: 2,
      verifyClient: slowVerifyClient(200),
    });
    const { admitted, refused } = summary(await connectMany(endpoint, clients));
    console.log(
      `[caps] ${transport} maxConnectionsPerAddress 2: ${admitted} of ${clients} admitted, refused ${JSON.stringify(refused)}`,
    );
    expect(admitted).toBe(2);
    expect(refused).toEqual({ 429: clients - 2 });
  });

  it('handshakes that verifyClient refuses, or that time out, free their slots', async () => {
    const endpoint = await startServer(transport, {
      maxConnections: 2,
      handshakeTimeout: 300,
      verifyClient: slowVerifyClient(100),
    });
    // Refused by verifyClient: 401.
    expect(summary(await connectMany(endpoint, 2, '/?deny')).refused).toEqual({ 401: 2 });
    // verifyClient never answers: 408 after handshakeTimeout.
    expect(summary(await connectMany(endpoint, 2, '/?hang')).refused).toEqual({ 408: 2 });
    // Every one of those slots came back.
    expect(summary(await connectMany(endpoint, 2)).admitted).toBe(2);
    expect(endpoint.wss.clients?.size).toBe(2);
  });

  it('a handshake whose socket or stream is closed while verifyClient thinks frees its slot', async () => {
    // Only the closed transport can free these slots in time.
    const endpoint = await startServer(transport, {
      maxConnections: 2,
      handshakeTimeout: HANDSHAKE_TIMEOUT_BEYOND_ANY_WAIT_MS,
      verifyClient: slowVerifyClient(100),
    });
    const dropped = summary(await connectMany(endpoint, 2, '/?drop'));
    expect(dropped.admitted).toBe(0);
    expect(await admitTwo(endpoint, 'two clients to be admitted after two handshakes were dropped')).toBe(2);
  });
});

describe('connection caps with an asynchronous verifyClient over HTTP/2', () => {
  // Over HTTP/1.1 the socket is not read before the 101, so a client that leaves is noticed when
  // verifyClient answers (or handshakeTimeout passes); over HTTP/2 its RST_STREAM closes the stream at once.
  it('a client that resets its stream while verifyClient thinks frees its slot', async () => {
    const verify = slowVerifyClient(100);
    const endpoint = await startServer('HTTP/2', {
      maxConnections: 2,
      handshakeTimeout: HANDSHAKE_TIMEOUT_BEYOND_ANY_WAIT_MS,
      verifyClient: verify,
    });
    const leaving = [connect(endpoint, '/?hang'), connect(endpoint, '/?hang')];
    // Both handshakes are in verifyClient, holding both slots: a third is refused.
    await until(() => verify.calls === 2, 'both handshakes to reach verifyClient');
    expect(summary(await connectMany(endpoint, 1)).refused).toEqual({ 503: 1 });
    for (const { ws } of leaving) ws.terminate();
    await Promise.all(leaving.map(({ outcome }) => outcome));
    expect(await admitTwo(endpoint, 'two clients to be admitted after two left during verifyClient')).toBe(2);
  });
});
