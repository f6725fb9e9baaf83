// The soak's client process: SOAK_CONNECTIONS connections to the server, half of them the ws package and
// half wasmsocket's own client, each sending a message (text or binary, 16 B to SOAK_MESSAGE_BYTES)
// every SOAK_INTERVAL_MS and checking that every echo comes back exactly and in order. On 'stop' it
// stops sending, lets the last echoes arrive, closes every connection with 1000, and reports its counts
// and the handles left in this process.

import WebSocketPeer from 'ws';

const { WebSocket: WasmWebSocket } = await import(process.env.WASMSOCKET_BUNDLE);

const port = Number(process.env.SOAK_PORT);
const count = Number(process.env.SOAK_CONNECTIONS);
const intervalMs = Number(process.env.SOAK_INTERVAL_MS);
const maxBytes = Number(process.env.SOAK_MESSAGE_BYTES);
/** Connections opened at once while ramping up. */
const OPEN_BATCH = 100;
/** Bounds on the end: echoes still in flight, and closing handshakes. */
const DRAIN_WAIT_MS = 10_000;
const CLOSE_WAIT_MS = 15_000;

const stats = {
  opened: 0,
  failedToOpen: 0,
  sent: 0,
  received: 0,
  mismatched: 0,
  errors: 0,
  unexpectedCloses: 0,
  closeCodes: {},
  firstMismatch: null,
};

let stopping = false;
const connections = [];

/** The n-th payload of connection id: its text names both, so a swapped or stale echo cannot match. */
function payload(id, n) {
  const size = 16 + ((id * 7919 + n * 104729) % (maxBytes - 15));
  const head = `${id}:${n}:`;
  return head + 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(size / 36)).slice(0, size - head.length);
}

function open(id) {
  const WebSocket = id % 2 === 0 ? WebSocketPeer : WasmWebSocket;
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const connection = { id, ws, n: 0, expected: [], timer: null, closed: false };
    ws.on('open', () => {
      stats.opened++;
      connections.push(connection);
      resolve();
      // Spread the sends over the interval so that they do not all leave in one tick.
      setTimeout(
        () => {
          connection.timer = setInterval(() => send(connection), intervalMs);
        },
        Math.floor(Math.random() * intervalMs),
      );
    });
    ws.on('message', (data, isBinary) => {
      stats.received++;
      const want = connection.expected.shift();
      const got = Buffer.isBuffer(data) ? data.toString() : String(data);
      if (want === undefined || got !== want.text || isBinary !== want.binary) {
        stats.mismatched++;
        stats.firstMismatch ??= { id, want: want?.text.slice(0, 40), got: got.slice(0, 40) };
      }
    });
    ws.on('error', () => {
      stats.errors++;
      if (ws.readyState === 0) {
        stats.failedToOpen++;
        resolve();
      }
    });
    ws.on('close', (code) => {
      connection.closed = true;
      clearInterval(connection.timer);
      stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1;
      if (!stopping) stats.unexpectedCloses++;
    });
  });
}

function send(connection) {
  if (stopping || connection.ws.readyState !== 1) return;
  const n = connection.n++;
  const text = payload(connection.id, n);
  const binary = n % 2 === 1;
  connection.expected.push({ text, binary });
  connection.ws.send(binary ? Buffer.from(text) : text, { binary });
  stats.sent++;
}

async function waitUntil(condition, limitMs) {
  const deadline = Date.now() + limitMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

function ourHandles() {
  const ignored = new Set(['PipeWrap', 'TTYWrap', 'FSReqCallback', 'FileHandle']);
  return process.getActiveResourcesInfo().filter((name) => !ignored.has(name));
}

process.on('message', async (request) => {
  if (request.type === 'open') {
    const started = Date.now();
    for (let id = 0; id < count; id += OPEN_BATCH) {
      const batch = [];
      for (let j = id; j < Math.min(count, id + OPEN_BATCH); j++) batch.push(open(j));
      await Promise.all(batch);
    }
    process.send({ type: 'opened', opened: stats.opened, failed: stats.failedToOpen, ms: Date.now() - started });
  } else if (request.type === 'progress') {
    process.send({ type: 'progress', ...stats });
  } else if (request.type === 'stop') {
    stopping = true;
    for (const connection of connections) clearInterval(connection.timer);
    const drained = await waitUntil(() => connections.every((c) => c.expected.length === 0 || c.closed), DRAIN_WAIT_MS);
    const inFlight = connections.reduce((sum, c) => sum + c.expected.length, 0);
    for (const connection of connections) connection.ws.close(1000);
    const allClosed = await waitUntil(() => connections.every((c) => c.closed), CLOSE_WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.send({ type: 'stopped', ...stats, drained, inFlight, allClosed, handles: ourHandles() });
  } else if (request.type === 'exit') {
    process.exit(0);
  }
});

process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
