// Flow control between two wasmsocket endpoints, over HTTP/1.1 and HTTP/2 (RFC 8441), on 127.0.0.1:
// what the application sends never stops us reading, so two endpoints that both have megabytes queued
// to write keep reading each other and drain (issue 17: they used to stop reading past 4 MiB queued and
// wait for each other forever). A peer that truly never reads still ends under maxBackpressure.
//
// Each wait is bounded (FLOW_WAIT_MS): a hang fails with how many messages got through.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type SendData, WebSocketServer, type WebSocketServerOptions } from '../../src/index.ts';
import { startH2Endpoint } from '../http2/h2-endpoint.ts';
import { clientFrame, Op, RawClient } from '../security/support/raw-client.ts';
import { patternBytes } from '../support/payloads.ts';
import { WAIT_MS, within } from '../support/waits.ts';

const MIB = 1024 * 1024;
/** Twice the usual wait: 3 × 16 MiB each way on a loaded 2-core machine (well under a second idle). */
const FLOW_WAIT_MS = 2 * WAIT_MS;
const TEST_TIMEOUT_MS = 90_000;

type Transport = 'HTTP/1.1' | 'HTTP/2';

interface Pair {
  client: WebSocket;
  server: WebSocket;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * Our server (echoing every message when `echo`) and our client connected to it over `transport`; both
 * sides get `options` (heartbeat, maxBackpressure).
 */
async function connectPair(
  transport: Transport,
  options: { echo: boolean; server?: Partial<WebSocketServerOptions>; client?: object },
): Promise<Pair> {
  const serverOptions = options.server ?? {};
  let wss: WebSocketServer;
  let url: string;
  let clientOptions: object = options.client ?? {};
  let closeServer: () => Promise<void>;
  if (transport === 'HTTP/1.1') {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...serverOptions });
    await within(once(wss, 'listening'), 'the server to listen');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    closeServer = () => within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down');
  } else {
    const endpoint = await startH2Endpoint({ secure: false, echo: false, wssOptions: serverOptions });
    wss = endpoint.wss;
    url = `${endpoint.origin}/`;
    clientOptions = { ...clientOptions, http2: true };
    closeServer = () => endpoint.close();
  }
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(url, clientOptions);
  client.on('error', () => {});
  await within(once(client, 'open'), "the client's 'open'");
  const server = await within(accepted, "the server's 'connection'");
  server.on('error', () => {});
  if (options.echo) server.on('message', (data: Buffer, isBinary: boolean) => server.send(data, { binary: isBinary }));
  const close = async () => {
    client.terminate();
    await closeServer();
  };
  cleanups.push(close);
  return { client, server, close };
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `count` distinct messages of `size` bytes. */
function messages(count: number, size: number, seed: string): Buffer[] {
  return Array.from({ length: count }, (_, index) => patternBytes(size, `${seed} ${index}`));
}

/**
 * Collects the messages `ws` receives until `count` have come (their digests in order), or fails after
 * FLOW_WAIT_MS saying how many got through.
 */
function receive(ws: WebSocket, count: number, what: string): { done: Promise<string[]>; received: string[] } {
  const received: string[] = [];
  const done = new Promise<string[]>((resolve) => {
    ws.on('message', (data: Buffer) => {
      received.push(digest(data));
      if (received.length === count) resolve(received);
    });
  });
  const bounded = within(done, `${what}`, FLOW_WAIT_MS).catch((error: Error) => {
    throw new Error(`${error.message}: ${received.length}/${count} arrived`);
  });
  return { done: bounded, received };
}

function closeOf(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
}

const TRANSPORTS: Transport[] = ['HTTP/1.1', 'HTTP/2'];

describe.each(TRANSPORTS)('ours to ours over %s', (transport) => {
  for (const size of [4 * MIB, 16 * MIB]) {
    it(
      `echo of 3 × ${size / MIB} MiB sent at once comes back whole (both ends have more than 4 MiB queued)`,
      async () => {
        const { client } = await connectPair(transport, { echo: true });
        const sent = messages(3, size, `echo ${size}`);
        const echoes = receive(client, 3, `3 echoes of ${size / MIB} MiB`);
        const started = performance.now();
        for (const message of sent) client.send(message);
        expect(await echoes.done).toEqual(sent.map(digest));
        console.log(
          `[flow] ${transport} echo 3 × ${size / MIB} MiB: 3/3 in ${(performance.now() - started).toFixed(0)} ms (shared machine)`,
        );
      },
      TEST_TIMEOUT_MS,
    );
  }

  // The echo of `wasmsocket serve`: pause while send() says the socket is past its high-water mark,
  // resume on 'drain'. Replies built together while one chunk is read (the write batch) count toward the
  // mark, and a false from send() must still be followed by 'drain' when they are then written at once.
  for (const size of [4 * 1024, 16 * 1024]) {
    it(
      `an echo that pauses when send() returns false and resumes on 'drain' gets 256 × ${size / 1024} KiB through`,
      async () => {
        const { client, server } = await connectPair(transport, { echo: false });
        let pauses = 0;
        server.on('message', (data: Buffer, isBinary: boolean) => {
          if (!server.send(data, { binary: isBinary }) && !server.isPaused) {
            pauses++;
            server.pause();
            server.once('drain', () => server.resume());
          }
        });
        const sent = messages(256, size, `paused echo ${size}`);
        const echoes = receive(client, sent.length, `256 echoes of ${size / 1024} KiB`);
        for (const message of sent) client.send(message);
        expect(await echoes.done).toEqual(sent.map(digest));
        // The pausing path was taken (else this test would not test it).
        expect(pauses).toBeGreaterThan(0);
      },
      TEST_TIMEOUT_MS,
    );
  }

  it(
    'both directions at once: each side sends 3 × 4 MiB without waiting, each receives all 3',
    async () => {
      const { client, server } = await connectPair(transport, { echo: false });
      const fromClient = messages(3, 4 * MIB, 'client to server');
      const fromServer = messages(3, 4 * MIB, 'server to client');
      const atServer = receive(server, 3, 'the server to receive 3 × 4 MiB');
      const atClient = receive(client, 3, 'the client to receive 3 × 4 MiB');
      const started = performance.now();
      for (let i = 0; i < 3; i++) {
        client.send(fromClient[i]);
        server.send(fromServer[i]);
      }
      const [serverGot, clientGot] = await Promise.all([atServer.done, atClient.done]);
      expect(serverGot).toEqual(fromClient.map(digest));
      expect(clientGot).toEqual(fromServer.map(digest));
      console.log(
        `[flow] ${transport} both ways 3 × 4 MiB: 3/3 each way in ${(performance.now() - started).toFixed(0)} ms (shared machine)`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'with heartbeat on both sides, the pings get through the queued data: 3 × 16 MiB echoed, nobody dropped',
    async () => {
      // A ping every 20 ms, so several wait behind megabytes of data in each direction; 2 s without a
      // pong (nor any progress) would drop the connection.
      const heartbeat = { intervalMs: 20, timeoutMs: 2_000 };
      const { client, server } = await connectPair(transport, {
        echo: true,
        server: { heartbeat },
        client: { heartbeat },
      });
      let pongs = 0;
      client.on('pong', () => pongs++);
      const closes: number[] = [];
      client.once('close', (code: number) => closes.push(code));
      server.once('close', (code: number) => closes.push(code));
      const sent = messages(3, 16 * MIB, 'heartbeat');
      const echoes = receive(client, 3, '3 echoes of 16 MiB with heartbeat on');
      for (const message of sent) client.send(message);
      expect(await echoes.done).toEqual(sent.map(digest));
      // Both still open, and the heartbeat still answered after the data went through.
      const before = pongs;
      await within(
        new Promise<void>((resolve) => client.on('pong', () => pongs > before && resolve())),
        'a pong after the echoes',
        FLOW_WAIT_MS,
      );
      expect(closes).toEqual([]);
      expect(client.readyState).toBe(WebSocket.OPEN);
      expect(server.readyState).toBe(WebSocket.OPEN);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a client that never reads is still ended by the server under maxBackpressure (1008, then closeTimeout)',
    async () => {
      const { client, server } = await connectPair(transport, {
        echo: true,
        server: { maxBackpressure: 1 * MIB, closeTimeout: 500 },
      });
      // The application stops reading (ws.pause() stops the socket); it keeps sending.
      client.pause();
      const serverClosed = closeOf(server);
      const refused: string[] = [];
      const original = server.send.bind(server);
      server.send = ((data: SendData, options: object, cb?: (error?: Error | null) => void) =>
        original(data, options, (error?: Error | null) => {
          if (error) refused.push((error as Error & { code?: string }).code ?? error.message);
          cb?.(error);
        })) as typeof server.send;
      const chunk = patternBytes(256 * 1024, 'never read');
      let sends = 0;
      const deadline = performance.now() + FLOW_WAIT_MS;
      // Bounded: at most 256 MiB, or until the server gives up on the peer.
      while (server.readyState === WebSocket.OPEN && sends < 1024 && performance.now() < deadline) {
        client.send(chunk);
        sends++;
        if (client.bufferedAmount > 8 * MIB) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const code = await within(serverClosed, 'the server to drop the non-reader', FLOW_WAIT_MS);
      expect(refused[0]).toBe('WS_ERR_BACKPRESSURE');
      // Its close frame was never read, so closeTimeout ended it: 1006 on the server's side.
      expect(code).toBe(1006);
      console.log(`[flow] ${transport} non-reader: ${sends} × 256 KiB sent, refused with ${refused[0]}, dropped`);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('heartbeat: a pong that waits behind data', () => {
  it(
    'a peer whose bytes keep arriving is not dropped while its pong is late; once silent, it is',
    async () => {
      // This peer never answers pings (as if its pong sat behind megabytes it is still sending), but
      // keeps sending: 3 s of messages, three times the heartbeat's timeout.
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 50, timeoutMs: 1_000 } });
      cleanups.push(() => within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down'));
      await within(once(wss, 'listening'), 'the server to listen');
      const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
      const peer = await RawClient.upgrade((wss.address() as AddressInfo).port);
      cleanups.push(async () => peer.destroy());
      const server = await within(accepted, "the server's 'connection'");
      const closed = closeOf(server);
      let closedAt = -1;
      void closed.then(() => (closedAt = performance.now()));
      const started = performance.now();
      while (performance.now() - started < 3_000 && closedAt < 0) {
        peer.write(clientFrame({ opcode: Op.TEXT, payload: 'busy' }));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(closedAt, 'dropped while its bytes kept arriving').toBe(-1);
      expect(peer.frames.some((f) => f.opcode === Op.PING)).toBe(true);
      // Silent from now on: no pong, no bytes. Dropped without a closing handshake.
      const silentFrom = performance.now();
      expect(await within(closed, 'the silent peer to be dropped', FLOW_WAIT_MS)).toBe(1006);
      console.log(
        `[flow] heartbeat 50/1000 ms: kept for 3 s of traffic without a pong, dropped ${(closedAt - silentFrom).toFixed(0)} ms after the traffic stopped`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
