// subscribe() on a connection that is no longer open, or on a server that is closing (issue 17, fault 4):
// the common `await authorise(); ws.subscribe(room)` runs after the client left when it leaves during
// the await. Such a subscription would never be removed (the registry forgets a connection once, as it
// closes), so subscribe() returns false and registers nothing, and no Redis channel is subscribed for it.
// Real clients (the ws package) over 127.0.0.1; Redis is Debian's redis-server on a free loopback port.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import {
  type PubSubAdapter,
  RedisAdapter,
  type WebSocket,
  WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/index.ts';
import { systemProgram } from '../support/system-programs.ts';
import { until, within } from '../support/waits.ts';

const LEAVERS = 50;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startServer(options: Partial<WebSocketServerOptions> = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await within(once(wss, 'listening'), 'the server to listen');
  cleanups.push(() => within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down'));
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

/**
 * Every connection subscribes to the room its URL names after an authorisation that answers once the
 * client has left (100 ms, and its 'close'); resolves with what each subscribe() returned.
 */
function subscribeAfterAuthorisation(wss: WebSocketServer, count: number): Promise<boolean[]> {
  const results: boolean[] = [];
  return within(
    new Promise<boolean[]>((resolve) => {
      wss.on('connection', async (ws: WebSocket, request: IncomingMessage) => {
        const room = new URL(request.url ?? '/', 'http://localhost').searchParams.get('room') as string;
        const authorise = Promise.all([
          new Promise((done) => setTimeout(done, 100)),
          new Promise((done) => ws.once('close', done)),
        ]);
        await authorise;
        results.push(ws.subscribe(room));
        if (results.length === count) resolve(results);
      });
    }),
    'every authorisation to finish',
  );
}

/** `count` ws clients that leave as soon as they are open, each for its own room. */
async function leavers(url: string, count: number): Promise<void> {
  await within(
    Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const ws = new WS(`${url}/?room=room-${index}`);
        await once(ws, 'open');
        ws.terminate();
      }),
    ),
    'the clients to connect and leave',
  );
}

/** A pubsub adapter that records what the server asks of it. */
function recordingAdapter(): PubSubAdapter & { active: Set<string>; subscribed: string[] } {
  const active = new Set<string>();
  const subscribed: string[] = [];
  return {
    active,
    subscribed,
    attach() {},
    publish() {},
    subscribe(topic) {
      subscribed.push(topic);
      active.add(topic);
    },
    unsubscribe(topic) {
      active.delete(topic);
    },
    async close() {},
  };
}

describe('subscribe() after the connection closed', () => {
  it(`${LEAVERS} clients leave during an awaited authorisation: subscribe() returns false, nothing is kept`, async () => {
    const adapter = recordingAdapter();
    const { wss, url } = await startServer({ pubsub: adapter });
    const results = subscribeAfterAuthorisation(wss, LEAVERS);
    await leavers(url, LEAVERS);
    const returned = await results;
    const kept = Array.from({ length: LEAVERS }, (_, i) => wss.subscriberCount(`room-${i}`)).reduce((a, b) => a + b);
    console.log(
      `[topics] ${LEAVERS} clients left during the await: subscribe() returned true ${returned.filter(Boolean).length} times; ${kept} subscriptions kept, adapter asked for ${adapter.subscribed.length} topics`,
    );
    expect(returned).toEqual(Array(LEAVERS).fill(false));
    expect(kept).toBe(0);
    expect(adapter.subscribed).toEqual([]);
    expect(adapter.active.size).toBe(0);
  });

  it('a connection that is closing (close() called) cannot subscribe either, and keeps what it had', async () => {
    const { wss, url } = await startServer();
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WS(url);
    cleanups.push(async () => client.terminate());
    await within(once(client, 'open'), 'the client to open');
    const ws = await within(accepted, "the server's 'connection'");
    expect(ws.subscribe('before')).toBe(true);
    ws.close(1000);
    expect(ws.readyState).toBe(ws.CLOSING);
    expect(ws.subscribe('after')).toBe(false);
    expect(wss.subscriberCount('after')).toBe(0);
    expect(ws.topics).toEqual(['before']);
    // A topic that is not a string is still the caller's mistake, whatever the state.
    expect(() => ws.subscribe(42 as unknown as string)).toThrow(TypeError);
    await within(once(client, 'close'), 'the client to close');
    await until(() => wss.subscriberCount('before') === 0, 'the closed connection to leave its topics');
  });

  it('on a server that is closing, open connections cannot subscribe to new topics', async () => {
    const adapter = recordingAdapter();
    const { wss, url } = await startServer({ pubsub: adapter });
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WS(url);
    cleanups.push(async () => client.terminate());
    await within(once(client, 'open'), 'the client to open');
    const ws = await within(accepted, "the server's 'connection'");
    expect(ws.subscribe('kept')).toBe(true);
    wss.close();
    // ws's close(): open connections stay open, and keep their topics; new subscriptions are refused.
    expect(ws.readyState).toBe(ws.OPEN);
    expect(ws.subscribe('late')).toBe(false);
    expect(wss.subscriberCount('late')).toBe(0);
    expect(wss.subscriberCount('kept')).toBe(1);
    expect(adapter.subscribed).toEqual(['kept']);
  });
});

/** redis-server from PATH, as test/support/system-programs.ts tries it. */
const REDIS_SERVER = 'redis-server';

/** Without redis-server these tests are skipped (vitest.config.ts says so in one line), or fail under CI. */
const redisAvailable = systemProgram('redis-server').available;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis(): Promise<number> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  await within(
    new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready to accept')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    }),
    'redis-server to start',
  );
  return port;
}

/** Our server with a RedisAdapter on a fresh redis-server, and a client to query Redis with. */
async function serverWithRedis() {
  const redisPort = await startRedis();
  const publisher = createClient({ url: `redis://127.0.0.1:${redisPort}` });
  const subscriber = publisher.duplicate();
  publisher.on('error', () => {});
  subscriber.on('error', () => {});
  await within(Promise.all([publisher.connect(), subscriber.connect()]), 'the Redis clients to connect');
  cleanups.unshift(async () => {
    await Promise.allSettled([publisher.close(), subscriber.close()]);
  });
  const adapter = new RedisAdapter({ publisher, subscriber, channelPrefix: 'issue17:' });
  const { wss, url } = await startServer({ pubsub: adapter });
  /** The channels Redis has subscribers for, once `done` holds for them (bounded). */
  const channelsWhen = async (done: (channels: string[]) => boolean, what: string): Promise<string[]> => {
    let channels: string[] = [];
    await until(
      async () => {
        channels = (await publisher.pubSubChannels('issue17:*')).sort();
        return done(channels);
      },
      what,
      { everyMs: 20, describe: () => `Redis channels: ${channels.join(', ')}` },
    );
    return channels;
  };
  return { wss, url, channelsWhen };
}

/** A ws client whose connection subscribes to `topic` on the server (every later connection does). */
async function stayingSubscriber(wss: WebSocketServer, url: string, topic: string): Promise<void> {
  wss.removeAllListeners('connection');
  wss.on('connection', (ws: WebSocket) => ws.subscribe(topic));
  const staying = new WS(`${url}/?room=${topic}`);
  cleanups.unshift(async () => staying.terminate());
  await within(once(staying, 'open'), 'the staying client to open');
}

describe.skipIf(!redisAvailable)('with the Redis adapter', () => {
  it(`${LEAVERS} clients leave during an awaited authorisation: Redis holds no channel for their rooms`, async () => {
    const { wss, url, channelsWhen } = await serverWithRedis();
    const results = subscribeAfterAuthorisation(wss, LEAVERS);
    await leavers(url, LEAVERS);
    const returned = await results;
    // A client that stays subscribes: its channel shows up in Redis (so the query sees channels at all).
    await stayingSubscriber(wss, url, 'stay');
    const channels = await channelsWhen((list) => list.includes('issue17:stay'), "the staying client's channel");
    console.log(
      `[topics] Redis channels after ${LEAVERS} clients left during the await: ${channels.length} (${channels.slice(0, 3).join(', ')}...)`,
    );
    expect(returned).toEqual(Array(LEAVERS).fill(false));
    expect(channels).toEqual(['issue17:stay']);
  });

  it("closing the server leaves its topics' channels", async () => {
    const { wss, url, channelsWhen } = await serverWithRedis();
    await stayingSubscriber(wss, url, 'stay');
    await channelsWhen((list) => list.includes('issue17:stay'), "the staying client's channel");
    wss.close();
    expect(await channelsWhen((list) => list.length === 0, 'no channel left after close()')).toEqual([]);
  });
});
