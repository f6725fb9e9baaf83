// Topics on the server: subscribe, publish (framed once, compressed once), unsubscribe on close, and
// broadcast, seen by real clients (the ws package) over loopback, and on the wire through a tap.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { constants, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WS from 'ws';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { OPCODE, RSV1, type Tap, tapProxy } from '../deflate/wire.ts';
import { until } from '../support/waits.ts';

/**
 * Every DEFLATE compression our code starts in this file: one-shot (deflateRawSync, what prepare() uses)
 * and through a stream (a write to a createDeflateRaw engine, what a connection's own compressor uses).
 * The ws package's compressions are not counted: vitest does not transform node_modules, so ws gets the
 * real node:zlib.
 */
const zlibCalls = vi.hoisted(() => ({ compressions: 0 }));
vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  return {
    ...zlib,
    deflateRawSync: (...args: Parameters<typeof zlib.deflateRawSync>) => {
      zlibCalls.compressions++;
      return zlib.deflateRawSync(...args);
    },
    createDeflateRaw: (...args: Parameters<typeof zlib.createDeflateRaw>) => {
      const engine = zlib.createDeflateRaw(...args);
      const write = engine.write.bind(engine) as (...a: unknown[]) => boolean;
      engine.write = ((...a: unknown[]) => {
        zlibCalls.compressions++;
        return write(...a);
      }) as typeof engine.write;
      return engine;
    },
  };
});

const servers: WebSocketServer[] = [];
const clients: Array<WS | WebSocket> = [];
const taps: Tap[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const tap of taps.splice(0)) tap.close();
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

/** A ws client connected through a tap that records every frame the server sends it. */
async function tappedClient(url: string, options?: WS.ClientOptions) {
  const tap = await tapProxy(Number(new URL(url).port));
  taps.push(tap);
  return { ...(await client(`ws://127.0.0.1:${tap.port}`, options)), tap };
}

/** The data frames the server sent through a tap. */
const dataFrames = (tap: Tap) => tap.fromServer.filter((frame) => frame.opcode === OPCODE.TEXT);

/** RFC 7692 section 7.2.2: a message's compressed payload is inflated with the sync-flush trailer put back. */
const inflated = (payload: Buffer) =>
  inflateRawSync(Buffer.concat([payload, Buffer.from([0x00, 0x00, 0xff, 0xff])]), {
    finishFlush: constants.Z_SYNC_FLUSH,
  }).toString();

describe('topics', () => {
  it('delivers every message of a topic, in order, to each subscriber only', async () => {
    const { server, accepted, url } = await serverWith();
    const a = await client(url);
    const b = await client(url);
    const c = await client(url);
    await until(() => accepted.length === 3, 'three connections');
    accepted[0].subscribe('news');
    accepted[1].subscribe('news');
    accepted[2].subscribe('sport');
    expect(server.subscriberCount('news')).toBe(2);
    expect(accepted[0].isSubscribed('news')).toBe(true);
    expect(accepted[2].isSubscribed('news')).toBe(false);
    for (let i = 0; i < 100; i++) server.publish('news', `n${i}`);
    server.publish('sport', Buffer.from([1, 2, 3]));
    await until(
      () => a.received.length === 100 && b.received.length === 100 && c.received.length === 1,
      'every published message',
    );
    expect(a.received.map((m) => m.data)).toEqual(Array.from({ length: 100 }, (_, i) => `n${i}`));
    expect(b.received.every((m) => !m.isBinary)).toBe(true);
    expect(c.received).toEqual([{ data: '\u0001\u0002\u0003', isBinary: true }]);
  });

  it('publishes from a connection to every subscriber but itself', async () => {
    const { accepted, url } = await serverWith();
    const a = await client(url);
    const b = await client(url);
    await until(() => accepted.length === 2, 'two connections');
    for (const ws of accepted) ws.subscribe('room');
    expect(accepted[0].publish('room', 'from a')).toBe(1);
    // Then b publishes: a gets that one, after its own had it been sent (one connection's frames keep
    // their order), so once it is in, a's own message is known not to have come.
    expect(accepted[1].publish('room', 'from b')).toBe(1);
    await until(() => b.received.length === 1 && a.received.length === 1, 'each publish at the other end');
    expect(a.received.map((m) => m.data)).toEqual(['from b']);
    expect(b.received.map((m) => m.data)).toEqual(['from a']);
  });

  it('unsubscribes a connection from everything when it closes', async () => {
    const { server, accepted, url } = await serverWith();
    const a = await client(url);
    await until(() => accepted.length === 1, 'the connection');
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
    const compressed = [
      await tappedClient(url, { perMessageDeflate: true }),
      await tappedClient(url, { perMessageDeflate: true }),
      await tappedClient(url, { perMessageDeflate: true }),
    ];
    const plain = await tappedClient(url, { perMessageDeflate: false });
    await until(() => accepted.length === 4, 'four connections');
    for (const { ws } of compressed) expect(ws.extensions).toBe('permessage-deflate');
    expect(plain.ws.extensions).toBe('');
    for (const ws of accepted) ws.subscribe('t');
    const text = 'compress me '.repeat(500);
    const before = zlibCalls.compressions;
    expect(server.publish('t', text, { compress: true })).toBe(4);
    expect(server.publish('t', 'small', { compress: true })).toBe(4);
    const everyone = [...compressed, plain];
    await until(() => everyone.every(({ received }) => received.length === 2), 'both messages at every client');
    for (const { received } of everyone) expect(received.map((m) => m.data)).toEqual([text, 'small']);
    // One compression per message, however many subscribers took it compressed.
    expect(zlibCalls.compressions - before).toBe(2);
    // On the wire: the compressed subscribers got RSV1 frames with the same bytes (one compression's
    // output), which inflate to the message; the other got plain frames carrying the text as it is.
    const [first, ...others] = compressed.map(({ tap }) => dataFrames(tap));
    expect(first.map((frame) => frame.rsv)).toEqual([RSV1, RSV1]);
    expect(first.map((frame) => inflated(frame.payload))).toEqual([text, 'small']);
    expect(first[0].payload.length).toBeLessThan(text.length / 10);
    for (const frames of others) expect(frames).toEqual(first);
    const plainFrames = dataFrames(plain.tap);
    expect(plainFrames.map((frame) => frame.rsv)).toEqual([0, 0]);
    expect(plainFrames.map((frame) => frame.payload.toString())).toEqual([text, 'small']);
  });

  it('rejects topics that are not strings, and topics on client connections', async () => {
    const handedOn: string[] = [];
    const adapter = {
      attach() {},
      subscribe() {},
      unsubscribe() {},
      publish(topic: string) {
        handedOn.push(topic);
      },
      close: async () => {},
    };
    const { server, accepted, url } = await serverWith({ port: 0, pubsub: adapter });
    // A topic that is not a string is the caller's mistake: thrown, and never handed to the adapter.
    expect(() => server.publish(42 as unknown as string, 'x')).toThrow(TypeError);
    expect(handedOn).toEqual([]);
    await client(url);
    await until(() => accepted.length === 1, 'the connection');
    expect(() => accepted[0].subscribe(42 as unknown as string)).toThrow(TypeError);
    expect(() => accepted[0].unsubscribe(null as unknown as string)).toThrow(TypeError);
    expect(() => accepted[0].publish(42 as unknown as string, 'x')).toThrow(TypeError);
    expect(accepted[0].topics).toEqual([]);
    // A client of ours has no server to keep topics: every topic method says so.
    const ours = new WebSocket(url);
    clients.push(ours);
    await once(ours, 'open');
    const notForClients = 'Topics are for connections accepted by a WebSocketServer';
    expect(() => ours.subscribe('t')).toThrow(notForClients);
    expect(() => ours.unsubscribe('t')).toThrow(notForClients);
    expect(() => ours.isSubscribed('t')).toThrow(notForClients);
    expect(() => ours.publish('t', 'data')).toThrow(notForClients);
    expect(ours.topics).toEqual([]);
  });
});

describe('broadcast and prepared messages', () => {
  it('sends one prepared message to every open connection but the excluded one', async () => {
    const { server, accepted, url } = await serverWith();
    const all = await Promise.all([client(url), client(url), client(url)]);
    await until(() => accepted.length === 3, 'three connections');
    expect(server.broadcast('hello all', { except: accepted[1] })).toBe(2);
    const prepared = server.prepare(Buffer.from('prepared'), { binary: false });
    for (const ws of accepted) ws.send(prepared);
    await until(
      () => all[0].received.length === 2 && all[2].received.length === 2 && all[1].received.length === 1,
      'the broadcast and the prepared message',
    );
    expect(all[0].received.map((m) => m.data)).toEqual(['hello all', 'prepared']);
    expect(all[1].received.map((m) => m.data)).toEqual(['prepared']);
  });

  it('closes a subscriber that does not read once maxBackpressure is passed, instead of buffering', async () => {
    const { server, accepted, url } = await serverWith({ port: 0, maxBackpressure: 256 * 1024 });
    const slow = await client(url);
    await until(() => accepted.length === 1, 'the connection');
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
