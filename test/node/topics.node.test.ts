// Topics on the server: subscribe, publish (framed once), unsubscribe on close, and broadcast, seen by
// real clients (the ws package) over loopback.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import { type WebSocket, WebSocketServer } from '../../src/index.ts';

const servers: WebSocketServer[] = [];
const clients: WS[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(servers.splice(0).map((server) => server.shutdown({ timeoutMs: 100 })));
});

async function serverWith(options: ConstructorParameters<typeof WebSocketServer>[0] = { port: 0 }) {
  const server = new WebSocketServer({ host: '127.0.0.1', ...options });
  servers.push(server);
  await once(server, 'listening');
  const accepted: WebSocket[] = [];
  server.on('connection', (ws: WebSocket) => accepted.push(ws));
  return { server, accepted, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Opens a ws client that records what it receives. */
async function client(url: string, options?: WS.ClientOptions) {
  const ws = new WS(url, options);
  clients.push(ws);
  const received: { data: string; isBinary: boolean }[] = [];
  ws.on('message', (data, isBinary) => received.push({ data: String(data), isBinary }));
  await once(ws, 'open');
  return { ws, received };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('topics', () => {
  it('delivers every message of a topic, in order, to each subscriber only', async () => {
    const { server, accepted, url } = await serverWith();
    const a = await client(url);
    const b = await client(url);
    const c = await client(url);
    await until(() => accepted.length === 3);
    accepted[0].subscribe('news');
    accepted[1].subscribe('news');
    accepted[2].subscribe('sport');
    expect(server.subscriberCount('news')).toBe(2);
    expect(accepted[0].isSubscribed('news')).toBe(true);
    expect(accepted[2].isSubscribed('news')).toBe(false);
    for (let i = 0; i < 100; i++) server.publish('news', `n${i}`);
    server.publish('sport', Buffer.from([1, 2, 3]));
    await until(() => a.received.length === 100 && b.received.length === 100 && c.received.length === 1);
    expect(a.received.map((m) => m.data)).toEqual(Array.from({ length: 100 }, (_, i) => `n${i}`));
    expect(b.received.every((m) => !m.isBinary)).toBe(true);
    expect(c.received).toEqual([{ data: '\u0001\u0002\u0003', isBinary: true }]);
  });

  it('publishes from a connection to every subscriber but itself', async () => {
    const { accepted, url } = await serverWith();
    const a = await client(url);
    const b = await client(url);
    await until(() => accepted.length === 2);
    for (const ws of accepted) ws.subscribe('room');
    expect(accepted[0].publish('room', 'from a')).toBe(1);
    await until(() => b.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.received).toHaveLength(0);
    expect(b.received[0].data).toBe('from a');
  });

  it('unsubscribes a connection from everything when it closes', async () => {
    const { server, accepted, url } = await serverWith();
    const a = await client(url);
    await until(() => accepted.length === 1);
    accepted[0].subscribe('x');
    accepted[0].subscribe('y');
    expect(accepted[0].topics.sort()).toEqual(['x', 'y']);
    a.ws.close();
    await once(accepted[0], 'close');
    expect(server.subscriberCount('x')).toBe(0);
    expect(server.subscriberCount('y')).toBe(0);
    expect(server.publish('x', 'nobody')).toBe(0);
    expect(accepted[0].unsubscribe('x')).toBe(false);
  });

  it('compresses once for clients that negotiated permessage-deflate, and sends plain frames to the rest', async () => {
    const { server, accepted, url } = await serverWith({
      port: 0,
      perMessageDeflate: { memory: 'shared', threshold: 0 },
    });
    const compressed = await client(url, { perMessageDeflate: true });
    const plain = await client(url, { perMessageDeflate: false });
    await until(() => accepted.length === 2);
    expect(compressed.ws.extensions).toBe('permessage-deflate');
    for (const ws of accepted) ws.subscribe('t');
    const text = 'compress me '.repeat(500);
    server.publish('t', text, { compress: true });
    server.publish('t', 'small', { compress: true });
    await until(() => compressed.received.length === 2 && plain.received.length === 2);
    expect(compressed.received.map((m) => m.data)).toEqual([text, 'small']);
    expect(plain.received.map((m) => m.data)).toEqual([text, 'small']);
  });

  it('rejects topics that are not strings and topics on client connections', async () => {
    const { accepted, url } = await serverWith();
    await client(url);
    await until(() => accepted.length === 1);
    expect(() => accepted[0].subscribe(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('broadcast and prepared messages', () => {
  it('sends one prepared message to every open connection but the excluded one', async () => {
    const { server, accepted, url } = await serverWith();
    const all = await Promise.all([client(url), client(url), client(url)]);
    await until(() => accepted.length === 3);
    expect(server.broadcast('hello all', { except: accepted[1] })).toBe(2);
    const prepared = server.prepare(Buffer.from('prepared'), { binary: false });
    for (const ws of accepted) ws.send(prepared);
    await until(() => all[0].received.length === 2 && all[2].received.length === 2 && all[1].received.length === 1);
    expect(all[0].received.map((m) => m.data)).toEqual(['hello all', 'prepared']);
    expect(all[1].received.map((m) => m.data)).toEqual(['prepared']);
  });

  it('closes a subscriber that does not read once maxBackpressure is passed, instead of buffering', async () => {
    const { server, accepted, url } = await serverWith({ port: 0, maxBackpressure: 256 * 1024 });
    const slow = await client(url);
    await until(() => accepted.length === 1);
    slow.ws.pause();
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    accepted[0].subscribe('firehose');
    const closed = once(accepted[0], 'close');
    const payload = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 200 && accepted[0].readyState === 1; i++) server.publish('firehose', payload);
    expect(accepted[0].readyState).not.toBe(1);
    accepted[0].terminate();
    await closed;
  });
});
