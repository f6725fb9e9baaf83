// Publishing in bursts: what a socket is published in one tick leaves in one write at the tick's end
// (src/node/publish-batch.ts), and nothing a user can see changes: the order of a subscriber's messages
// with its own sends and its close, bufferedAmount, maxBackpressure against a peer that reads, and the
// bytes of every message however the tick's frames are laid out. Real ws clients over loopback.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import { type WebSocket, WebSocketServer } from '../../src/index.ts';
import { until } from '../support/waits.ts';

const servers: WebSocketServer[] = [];
const clients: WS[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(servers.splice(0).map((server) => server.shutdown({ timeoutMs: 100 })));
});

/** A server and `count` ws clients that record every message, with the server's side of each. */
async function connected(count: number, options: ConstructorParameters<typeof WebSocketServer>[0] = { port: 0 }) {
  const server = new WebSocketServer({ host: '127.0.0.1', ...options });
  servers.push(server);
  await once(server, 'listening');
  const accepted: WebSocket[] = [];
  server.on('connection', (ws: WebSocket) => accepted.push(ws));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const peers = [];
  for (let i = 0; i < count; i++) {
    const ws = new WS(url);
    clients.push(ws);
    const received: string[] = [];
    ws.on('message', (data) => received.push(String(data)));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await once(ws, 'open');
    peers.push({ ws, received, closed });
  }
  await until(() => accepted.length === count, `${count} connections`);
  return { server, accepted, peers };
}

/** Counts the writes made to a server-side connection's socket from now on. */
function countWrites(ws: WebSocket): { writes: number } {
  const socket = ws._socket as NonNullable<WebSocket['_socket']>;
  const counter = { writes: 0 };
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]) => {
    counter.writes++;
    return write(...args);
  }) as typeof socket.write;
  return counter;
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
const range = (n: number, name: (i: number) => string) => Array.from({ length: n }, (_, i) => name(i));

describe('publish batching', () => {
  it('writes a burst of publishes to a subscriber once, by the end of the tick', async () => {
    const { server, accepted, peers } = await connected(2);
    for (const ws of accepted) ws.subscribe('t');
    const counters = accepted.map(countWrites);
    for (let i = 0; i < 100; i++) server.publish('t', `m${i}`);
    // Nothing is written during the burst, all of it once the tick's work is done.
    expect(counters.map((c) => c.writes)).toEqual([0, 0]);
    await nextMacrotask();
    expect(counters.map((c) => c.writes)).toEqual([1, 1]);
    server.publish('t', 'alone');
    await nextMacrotask();
    expect(counters.map((c) => c.writes)).toEqual([2, 2]);
    const expected = [...range(100, (i) => `m${i}`), 'alone'];
    await until(() => peers.every((p) => p.received.length === expected.length), 'every message');
    for (const peer of peers) expect(peer.received).toEqual(expected);
  });

  it("keeps a subscriber's messages in order with its own sends, pings and close in the same tick", async () => {
    const { server, accepted, peers } = await connected(1);
    const [ws] = accepted;
    const [peer] = peers;
    ws.subscribe('t');
    const pinged = once(peer.ws, 'ping');
    for (let i = 0; i < 10; i++) server.publish('t', `a${i}`);
    ws.send('own 1');
    server.broadcast('broadcast');
    ws.ping('p');
    for (let i = 0; i < 10; i++) server.publish('t', `b${i}`);
    ws.send('own 2', () => {});
    server.publish('t', 'last');
    ws.close(4000, 'done');
    // Published after close(): not sent, as before.
    expect(server.publish('t', 'after close')).toBe(0);
    expect(await peer.closed).toBe(4000);
    await pinged;
    expect(peer.received).toEqual([
      ...range(10, (i) => `a${i}`),
      'own 1',
      'broadcast',
      ...range(10, (i) => `b${i}`),
      'own 2',
      'last',
    ]);
  });

  it("keeps order when a subscriber's own message handler replies and publishes to itself while its data is read", async () => {
    const { server, accepted, peers } = await connected(2);
    const [a, b] = accepted;
    for (const ws of accepted) ws.subscribe('room');
    a.on('message', (data) => {
      a.send(`reply 1 to ${data}`);
      server.publish('room', `published on ${data}`);
      a.send(`reply 2 to ${data}`);
    });
    // Several messages in one read: replies and publishes of each handler interleave in one tick.
    for (let i = 0; i < 5; i++) peers[0].ws.send(`m${i}`);
    const expectedA = Array.from({ length: 5 }, (_, i) => [
      `reply 1 to m${i}`,
      `published on m${i}`,
      `reply 2 to m${i}`,
    ]).flat();
    await until(() => peers[0].received.length === expectedA.length && peers[1].received.length === 5, 'all', {
      describe: () => `${peers[0].received.length}, ${peers[1].received.length}`,
    });
    expect(peers[0].received).toEqual(expectedA);
    expect(peers[1].received).toEqual(range(5, (i) => `published on m${i}`));
    expect(b.readyState).toBe(1);
  });

  it('writes what was published to a paused subscriber before the replies its resume() brings', async () => {
    const { server, accepted, peers } = await connected(1);
    const [ws] = accepted;
    ws.subscribe('t');
    let paused = false;
    ws.on('message', (data) => {
      if (String(data) !== 'first') ws.send(`echo ${data}`);
      else {
        // 'held' came in the same read: it waits in the connection until resume().
        ws.pause();
        paused = true;
      }
    });
    const clientSocket = (peers[0].ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    clientSocket.cork();
    peers[0].ws.send('first');
    peers[0].ws.send('held');
    clientSocket.uncork();
    await until(() => paused, "the first message's handler");
    // In one tick: a publish (gathered for the end of the tick), then the resume that delivers 'held'.
    server.publish('t', 'published first');
    ws.resume();
    await until(() => peers[0].received.length === 2, 'both messages');
    expect(peers[0].received).toEqual(['published first', 'echo held']);
  });

  it('gives every subscriber its own sequence when topics, exclusions and repeated prepared messages interleave', async () => {
    const { server, accepted, peers } = await connected(3);
    const [a, b, c] = accepted;
    a.subscribe('odd');
    a.subscribe('even');
    b.subscribe('odd');
    c.subscribe('even');
    const prepared = server.prepare('again', { binary: false });
    const expected: string[][] = [[], [], []];
    for (let i = 0; i < 60; i++) {
      const topic = i % 2 === 0 ? 'even' : 'odd';
      const subscribers = topic === 'even' ? [0, 2] : [0, 1];
      if (i % 7 === 0) {
        // From a subscriber: every other subscriber gets it, the sender does not.
        const from = subscribers[1];
        accepted[from].publish(topic, `from ${from} #${i}`);
        expected[subscribers[0]].push(`from ${from} #${i}`);
      } else if (i % 5 === 0) {
        server.publish(topic, prepared);
        server.publish(topic, prepared);
        for (const s of subscribers) expected[s].push('again', 'again');
      } else {
        server.publish(topic, `${topic} ${i}`);
        for (const s of subscribers) expected[s].push(`${topic} ${i}`);
      }
    }
    await until(
      () => peers.every((p, i) => p.received.length === expected[i].length),
      'every subscriber its messages',
      { describe: () => peers.map((p) => p.received.length).join(', ') },
    );
    expect(peers.map((peer) => peer.received)).toEqual(expected);
    expect([a, b, c].every((ws) => ws.readyState === 1)).toBe(true);
  });

  it('delivers every byte of a burst larger than a socket gathers at once, and than the shared copy holds', async () => {
    const { server, accepted, peers } = await connected(2);
    for (const ws of accepted) ws.subscribe('t');
    // 2,000 messages of 100 to 109 bytes: past the high-water mark (16 KiB) many times, and past a 64 KiB slab.
    const expected = range(2000, (i) => `${i}:`.padEnd(100 + (i % 10), String.fromCharCode(97 + (i % 26))));
    for (const message of expected) server.publish('t', message);
    await until(() => peers.every((p) => p.received.length === expected.length), 'every message', {
      describe: () => peers.map((p) => p.received.length).join(', '),
    });
    for (const peer of peers) expect(peer.received).toEqual(expected);
  });

  it('delivers every message, in order, to a subscriber that stopped reading for a while, once it reads again', async () => {
    const { server, accepted, peers } = await connected(1);
    const [ws] = accepted;
    const [peer] = peers;
    ws.subscribe('t');
    const clientSocket = (peer.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    clientSocket.pause();
    const serverSocket = ws._socket as NonNullable<WebSocket['_socket']>;
    // Bursts of 100 messages, one tick each, until what the server writes waits in its socket (the kernel's
    // buffers are full), then a few more bursts written behind it: bounded in count.
    const expected: string[] = [];
    let burstsAfterBackedUp = 0;
    for (let burst = 0; burst < 20_000 && burstsAfterBackedUp < 5; burst++) {
      for (let i = 0; i < 100; i++) {
        const message = `${burst}/${i} `.padEnd(200, '.');
        server.publish('t', message);
        expected.push(message);
      }
      await nextMacrotask();
      if (serverSocket.writableLength > 0) burstsAfterBackedUp++;
    }
    expect(burstsAfterBackedUp).toBe(5);
    clientSocket.resume();
    await until(() => peer.received.length === expected.length, 'every message after the pause', {
      describe: () => `${peer.received.length} of ${expected.length}`,
    });
    expect(peer.received).toEqual(expected);
  });

  it('counts in bufferedAmount only what the operating system did not take, as when each publish was written', async () => {
    const { server, accepted } = await connected(1);
    accepted[0].subscribe('t');
    for (let i = 0; i < 20; i++) server.publish('t', `m${i}`);
    expect(accepted[0].bufferedAmount).toBe(0);
  });

  it('does not refuse a burst under maxBackpressure that a reading subscriber takes as it comes', async () => {
    const { server, accepted, peers } = await connected(1, {
      port: 0,
      maxBackpressure: 1024,
      backpressurePolicy: 'close',
    });
    accepted[0].subscribe('t');
    const message = 'x'.repeat(100);
    // 100 messages of 100 bytes in one tick: 10 KiB, ten times the limit, none of it waiting.
    for (let i = 0; i < 100; i++) expect(server.publish('t', message)).toBe(1);
    await until(() => peers[0].received.length === 100, 'all 100 messages');
    expect(accepted[0].readyState).toBe(1);
  });
});
