// Runs the pub/sub experiment: bursts of 125 B messages published on one server process, received by
// subscribers on the same process (the in-process registry) or on another process (through Redis), and
// times until every subscriber has every message.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import WebSocket from 'ws';

export const PUBSUB_BUDGET = {
  subscribers: Number(process.env.BENCH_PUBSUB_SUBSCRIBERS ?? 100),
  messages: Number(process.env.BENCH_PUBSUB_MESSAGES ?? 2000),
  bytes: 125,
  rounds: Number(process.env.BENCH_PUBSUB_ROUNDS ?? 3),
};

const SERVER = new URL('./pubsub-server.js', import.meta.url).pathname;
const DEADLINE_MS = 20_000;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

function start(command, args, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 10_000);
    child.on('error', (error) => reject(error));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
  });
}

async function open(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  await once(ws, 'open');
  return ws;
}

async function subscribe(port, count) {
  const clients = [];
  for (let i = 0; i < count; i++) {
    const ws = await open(port);
    ws.send('sub bench');
    await once(ws, 'message');
    ws.received = 0;
    ws.on('message', () => ws.received++);
    clients.push(ws);
  }
  return clients;
}

/** One burst: the time until every subscriber has every message. */
async function burst(publisher, subscribers) {
  for (const ws of subscribers) ws.received = 0;
  const { messages, bytes } = PUBSUB_BUDGET;
  const started = process.hrtime.bigint();
  publisher.send(`burst bench ${messages} ${bytes}`);
  const deadline = Date.now() + DEADLINE_MS;
  while (subscribers.some((ws) => ws.received < messages)) {
    if (Date.now() > deadline) throw new Error('pub/sub burst did not complete');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { messagesPerSecond: messages / seconds, deliveriesPerSecond: (messages * subscribers.length) / seconds };
}

/** Runs both setups; returns per-round figures, or a reason why Redis was not available. */
export async function runPubsub(progress) {
  const children = [];
  const clients = [];
  const runs = [];
  try {
    progress.note('pubsub: starting redis-server and three server processes');
    const redisPort = await freePort();
    let redis;
    try {
      redis = await start(
        'redis-server',
        ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        /Ready to accept/,
      );
    } catch (error) {
      return { runs, unavailable: `redis-server could not start (${error.message})` };
    }
    children.push(redis.child);
    const local = await start(process.execPath, [SERVER], /listening (\d+)/);
    const a = await start(process.execPath, [SERVER, String(redisPort)], /listening (\d+)/);
    const b = await start(process.execPath, [SERVER, String(redisPort)], /listening (\d+)/);
    children.push(local.child, a.child, b.child);
    const ports = { local: Number(local.match[1]), a: Number(a.match[1]), b: Number(b.match[1]) };
    const setups = [
      { id: 'in-process', publisherPort: ports.local, subscriberPort: ports.local },
      { id: 'redis', publisherPort: ports.a, subscriberPort: ports.b },
    ];
    const opened = {};
    for (const setup of setups) {
      const publisher = await open(setup.publisherPort);
      const subscribers = await subscribe(setup.subscriberPort, PUBSUB_BUDGET.subscribers);
      clients.push(publisher, ...subscribers);
      opened[setup.id] = { publisher, subscribers };
      await burst(publisher, subscribers); // warm-up
    }
    for (let round = 0; round < PUBSUB_BUDGET.rounds; round++) {
      for (const setup of round % 2 === 0 ? setups : [...setups].reverse()) {
        progress.note(`pubsub: round ${round + 1}, ${setup.id}`);
        runs.push({ seriesId: setup.id, ...(await burst(opened[setup.id].publisher, opened[setup.id].subscribers)) });
      }
    }
    return { runs, unavailable: null };
  } finally {
    for (const ws of clients) ws.terminate();
    for (const child of children) child.kill('SIGKILL');
  }
}
