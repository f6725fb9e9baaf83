// The broadcast server: one WebSocketServer (ours or ws's, chosen at start) that, on request over IPC,
// sends 125 B binary messages to every connected client and times it. The receivers process (receivers.js)
// acknowledges each broadcast over its first connection once all of its connections have it, with the
// moment it saw the last one (process.hrtime is CLOCK_MONOTONIC, the same clock in both processes).
//
//   node bench/broadcast/broadcast-server.js --library ws|wasmsocket     (started by the suite, needs IPC)
//
// Ways to broadcast (`method`), each where the library has it:
// - loop: for (const client of wss.clients) client.send(data): what a ws application writes;
// - prepared: wss.prepare(data) once, then the same loop sending the prepared message (ours, if present);
// - broadcast: wss.broadcast(data) (ours, if present);
// - publish: wss.publish(topic, data) to a topic every connection subscribes to (ours, if present);
// - raw (ws only): the floor: the frame (2-byte header + payload) built once and written with socket.write
//   to each client's underlying socket, no WebSocket library on the send path: what Node's socket writes
//   alone cost, which no library can go below.
// Requests: ready -> { methods }; run { method, count?, durationMs?, window } -> figures.

import { parseArgs } from 'node:util';
import { serveRequests } from '../echo/ipc-worker.js';

/** RFC 6455 section 5.2: the largest payload whose length fits the 7-bit field, so a 2-byte header. */
const BROADCAST_PAYLOAD_BYTES = 125;
const OPEN = 1;
/** How long to wait for the last acknowledgements once a run stops sending. */
const ACK_TIMEOUT_MS = 10_000;

const { values } = parseArgs({ options: { library: { type: 'string', default: 'ws' } } });
const library = values.library;
const { WebSocketServer } = library === 'ws' ? await import('ws') : await import('wasmsocket');

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const template = Buffer.alloc(BROADCAST_PAYLOAD_BYTES, 0x62);

const methods = {
  loop(data) {
    for (const client of server.clients) if (client.readyState === OPEN) client.send(data);
  },
};
if (typeof server.prepare === 'function') {
  methods.prepared = (data) => {
    const message = server.prepare(data, { binary: true });
    for (const client of server.clients) if (client.readyState === OPEN) client.send(message);
  };
}
if (typeof server.broadcast === 'function') methods.broadcast = (data) => server.broadcast(data);
if (typeof server.publish === 'function')
  methods.publish = (data) => server.publish('everyone', data, { binary: true });
if (library === 'ws') {
  // RFC 6455 section 5.2: FIN + binary opcode, then the 7-bit length (a server's frames are not masked).
  const FIN_BINARY = 0x82;
  methods.raw = (data) => {
    const frame = Buffer.concat([Buffer.from([FIN_BINARY, data.length]), data]);
    for (const client of server.clients) if (client.readyState === OPEN) client._socket.write(frame);
  };
}

/** The run in progress: receives the acknowledgements. */
let active = null;

server.on('connection', (ws) => {
  // Every connection subscribes to one topic, for the publish method.
  if (typeof ws.subscribe === 'function') ws.subscribe('everyone');
  ws.on('message', (data) => active?.acknowledged(String(data)));
  ws.on('error', (error) => process.stderr.write(`connection error: ${error.message}\n`));
});
server.on('error', (error) => {
  process.stderr.write(`server error: ${error.message}\n`);
  process.exit(1);
});
server.on('listening', () => {
  process.stdout.write(`listening on ws://127.0.0.1:${server.address().port}\n`);
});

function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Broadcasts keeping `window` outstanding (a new one for each acknowledgement) until `count` were sent or
 * `durationMs` passed. Per broadcast: the synchronous send time, its CPU time (getrusage through
 * process.cpuUsage, which time on a busy machine does not inflate), the time until the next setImmediate
 * (writes a library defers to a later tick have happened by then; measured only with window 1), and the
 * time until the receivers had it on every connection.
 */
function run({ method, count = Number.POSITIVE_INFINITY, durationMs = Number.POSITIVE_INFINITY, window = 1 }) {
  const send = methods[method];
  if (send === undefined) throw new Error(`${library} has no broadcast method ${method}`);
  return new Promise((resolve, reject) => {
    const sentAt = new Map();
    const loopNs = [];
    const loopCpuUs = [];
    const flushedNs = [];
    const deliveredNs = [];
    let sent = 0;
    let acked = 0;
    let stopped = false;
    const startCpu = process.cpuUsage();
    const startNs = process.hrtime.bigint();
    const deadline = startNs + BigInt(Math.min(durationMs, 1e9)) * 1_000_000n;
    let ackTimer = null;

    const finish = () => {
      clearTimeout(ackTimer);
      active = null;
      const cpu = process.cpuUsage(startCpu);
      resolve({
        library,
        method,
        clients: server.clients.size,
        sent,
        acked,
        elapsedNs: Number(process.hrtime.bigint() - startNs),
        cpuUs: cpu.user + cpu.system,
        loopNs,
        loopCpuUs,
        flushedNs,
        deliveredNs,
      });
    };

    const sendOne = () => {
      const seq = sent++;
      const data = Buffer.from(template);
      data.writeUInt32LE(seq, 0);
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      sentAt.set(seq, t0);
      send(data);
      loopNs.push(Number(process.hrtime.bigint() - t0));
      const cpu = process.cpuUsage(cpu0);
      loopCpuUs.push(cpu.user + cpu.system);
      if (window === 1) setImmediate(() => flushedNs.push(Number(process.hrtime.bigint() - t0)));
    };

    const stopIfDone = () => {
      if (!stopped && (sent >= count || process.hrtime.bigint() >= deadline)) {
        stopped = true;
        ackTimer = setTimeout(() => {
          active = null;
          reject(new Error(`${sent - acked} broadcasts not acknowledged within ${ACK_TIMEOUT_MS} ms`));
        }, ACK_TIMEOUT_MS);
      }
      if (stopped && acked === sent) finish();
    };

    active = {
      acknowledged(text) {
        const [seqText, doneText] = text.split(' ');
        const seq = Number(seqText);
        const t0 = sentAt.get(seq);
        if (t0 === undefined) return;
        sentAt.delete(seq);
        acked++;
        deliveredNs.push(Number(BigInt(doneText) - t0));
        stopIfDone();
        if (!stopped) sendOne();
      },
    };
    nextTurn().then(() => {
      for (let i = 0; i < window && i < count; i++) sendOne();
      stopIfDone();
    });
  });
}

serveRequests({
  ready: () => ({ library, methods: Object.keys(methods) }),
  run,
});

function stop() {
  server.close();
  for (const client of server.clients) client.terminate();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
