// The load generator of the deflate benchmark: one process (this one) drives every server under test with
// the same clients, the ws package's, which offer permessage-deflate as browsers do. Servers run in child
// processes (echo-server.js) so that their CPU time and resident memory can be read apart from ours.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const SERVER = new URL('./echo-server.js', import.meta.url);
/** Only catches a server that never starts or answers. */
const WAIT_MS = 30_000;

function within(promise, what, timeoutMs = WAIT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: timed out waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts an echo server child: `impl` is 'wasmsocket' or 'ws', `perMessageDeflate` its option. Returns
 * { port, usage(), cpuUs(), stop() }; usage() resolves with the child's memory and CPU after two full
 * GCs, cpuUs() with its CPU time so far.
 */
export async function startServer(impl, perMessageDeflate) {
  const child = spawn(process.execPath, ['--expose-gc', SERVER.pathname, impl, JSON.stringify(perMessageDeflate)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const replies = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const reply = JSON.parse(line);
    const waiter = waiting.shift();
    if (waiter) waiter(reply);
    else replies.push(reply);
  });
  const next = (what) =>
    within(
      new Promise((resolve) => {
        const reply = replies.shift();
        if (reply) resolve(reply);
        else waiting.push(resolve);
      }),
      what,
    );
  const { port } = await next(`the ${impl} server to listen`);
  return {
    port,
    usage() {
      child.stdin.write('usage\n');
      return next('the server to report its usage');
    },
    cpuUs() {
      child.stdin.write('cpu\n');
      return next('the server to report its CPU time').then((reply) => reply.cpuUs);
    },
    async stop() {
      child.stdin.end('quit\n');
      await within(new Promise((resolve) => child.once('exit', resolve)), 'the server to exit');
    },
  };
}

/** Opens `count` ws clients offering permessage-deflate (the default offer), a few at a time. */
export async function openClients(port, count, options = {}) {
  const clients = [];
  const batch = 50;
  for (let opened = 0; opened < count; opened += batch) {
    const group = [];
    for (let i = opened; i < Math.min(count, opened + batch); i++) {
      const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: true, ...options });
      group.push(
        within(
          new Promise((resolve, reject) => {
            client.once('open', resolve);
            client.once('error', reject);
          }),
          'a client to open',
        ),
      );
      clients.push(client);
    }
    await Promise.all(group);
  }
  return clients;
}

export async function closeClients(clients) {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise((resolve) => {
          if (client.readyState === WebSocket.CLOSED) return resolve();
          client.once('close', resolve);
          client.terminate();
        }),
    ),
  );
}

/** Sends one message on each client and waits for every echo; checks the echoes. */
export async function exchangeOnce(clients, messageFor) {
  await within(
    Promise.all(
      clients.map(
        (client, index) =>
          new Promise((resolve, reject) => {
            const message = messageFor(index);
            client.once('message', (data) => {
              if (data.toString() === message) resolve();
              else reject(new Error('bench: an echo differed from its message'));
            });
            client.send(message);
          }),
      ),
    ),
    'every client to get its echo',
  );
}

/**
 * Echo throughput: each client sends a message, waits for its echo, sends the next, cycling through
 * `messages`. Counts the echoes that arrive in `durationMs` after `warmupMs`, and the server's CPU time
 * in that window, and the bytes it sent. Returns { perSecond, serverCpuUsPerMessage, wireBytesPerMessage }.
 */
export async function echoThroughput(server, clients, messages, { warmupMs, durationMs }) {
  let counting = false;
  let counted = 0;
  let stopped = false;
  const loops = clients.map(
    (client, index) =>
      new Promise((resolve, reject) => {
        let n = index;
        const sendNext = () => {
          if (stopped) return resolve();
          client.send(messages[n++ % messages.length]);
        };
        client.on('message', (data) => {
          if (data.length !== Buffer.byteLength(messages[(n - 1) % messages.length])) {
            reject(new Error('bench: an echo had the wrong length'));
            return;
          }
          if (counting) counted++;
          sendNext();
        });
        client.once('close', () => reject(new Error('bench: a client closed during the run')));
        sendNext();
      }),
  );
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const cpuBefore = await server.cpuUs();
  // What the server sent, as the clients' sockets read it (ws keeps the socket as _socket).
  const bytesRead = () => clients.reduce((n, client) => n + client._socket.bytesRead, 0);
  const bytesBefore = bytesRead();
  counting = true;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  counting = false;
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const messagesCounted = counted;
  const bytesCounted = bytesRead() - bytesBefore;
  const cpuAfter = await server.cpuUs();
  stopped = true;
  await within(Promise.all(loops), 'the clients to finish');
  for (const client of clients) client.removeAllListeners('message');
  return {
    perSecond: messagesCounted / elapsedS,
    serverCpuUsPerMessage: (cpuAfter - cpuBefore) / Math.max(1, messagesCounted),
    wireBytesPerMessage: bytesCounted / Math.max(1, messagesCounted),
  };
}
