// The load generator: a process of its own (so that it never shares a core's time slice accounting with
// the server it measures), driven over IPC by the suites. One client library per process, chosen at start:
//
//   node bench/echo/load-generator.js --client ws|wasmsocket      (started by processes.js, needs IPC)
//
// Requests:
// - echo { url, connections, inFlight, size, binary, warmupMs, roundMs, serverPid }: opens the connections,
//   keeps inFlight messages outstanding on each (a new one is sent for every echo received), lets warmupMs
//   pass, then counts echoes for roundMs while reading the server's CPU time from /proc at both ends. Then it
//   stops sending, waits for every outstanding echo (a stall shows up as `outstanding` > 0), and closes.
//   Every echo is checked: its type, its length, and its bytes (all of them up to 64 B, 16 spread samples
//   beyond, so that checking does not dominate the client's time for 1 MiB messages).
// - hold { url, connections }: opens that many idle connections and keeps them; release closes them.

import { parseArgs } from 'node:util';
import { closeConnections, loadClientLibrary, openConnections } from './connections.js';
import { serveRequests, sleep } from './ipc-worker.js';
import { machineBusyMicros, processCpuMicros, processSyscalls } from './processes.js';

/** How long outstanding echoes may take to arrive once sending stops, before the session counts a stall. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Payloads up to this size are compared byte for byte; larger ones at SAMPLE_POINTS positions. */
const FULL_CHECK_MAX = 64;
const SAMPLE_POINTS = 16;
/** Errors kept per session for the report. */
const ERRORS_KEPT = 5;

const { values } = parseArgs({ options: { client: { type: 'string', default: 'ws' } } });
const clientName = values.client;
const WebSocket = await loadClientLibrary(clientName);

/** ASCII text for text messages; bytes of a simple LCG for binary ones (deterministic, not all one value). */
function makePayload(size, binary) {
  const bytes = Buffer.allocUnsafe(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = binary ? state >>> 24 : 0x61 + ((state >>> 24) % 26);
  }
  return bytes;
}

function checkPositions(size) {
  if (size <= FULL_CHECK_MAX) return Array.from({ length: size }, (_, i) => i);
  return Array.from({ length: SAMPLE_POINTS }, (_, i) => Math.floor(((size - 1) * i) / (SAMPLE_POINTS - 1)));
}

async function echoSession(request) {
  const { url, connections, inFlight, size, binary, warmupMs, roundMs, serverPid } = request;
  const payload = makePayload(size, binary);
  const positions = checkPositions(size);
  const sendOptions = { binary };
  const sockets = await openConnections(WebSocket, url, connections);

  let sending = true;
  let closing = false;
  let outstanding = 0;
  let received = 0;
  let receivedBytes = 0;
  let wrong = 0;
  let unexpectedCloses = 0;
  const errors = [];
  let onDrained = null;

  const isEcho = (data, isBinary) => {
    if (isBinary !== binary || data.length !== size) return false;
    for (const i of positions) if (data[i] !== payload[i]) return false;
    return true;
  };

  for (const socket of sockets) {
    socket.on('message', (data, isBinary) => {
      outstanding--;
      received++;
      receivedBytes += data.length;
      if (!isEcho(data, isBinary)) wrong++;
      if (sending) {
        outstanding++;
        socket.send(payload, sendOptions);
      } else if (outstanding === 0 && onDrained !== null) {
        onDrained();
      }
    });
    socket.on('close', (code, reason) => {
      if (closing) return;
      unexpectedCloses++;
      if (errors.length < ERRORS_KEPT) errors.push(`closed ${code} ${String(reason)}`);
      // Its outstanding echoes will never come; do not wait for them.
      if (!sending && onDrained !== null) onDrained();
    });
    socket.on('error', (error) => {
      if (errors.length < ERRORS_KEPT) errors.push(error.message);
    });
  }

  try {
    for (const socket of sockets) {
      for (let k = 0; k < inFlight; k++) {
        outstanding++;
        socket.send(payload, sendOptions);
      }
    }
    await sleep(warmupMs);

    const startReceived = received;
    const startBytes = receivedBytes;
    const startServerCpu = processCpuMicros(serverPid);
    const startServerSyscalls = processSyscalls(serverPid);
    const startClientCpu = process.cpuUsage();
    const startMachineBusy = machineBusyMicros();
    const startNs = process.hrtime.bigint();
    await sleep(roundMs);
    const elapsedNs = Number(process.hrtime.bigint() - startNs);
    const serverCpuUs = processCpuMicros(serverPid) - startServerCpu;
    const endServerSyscalls = processSyscalls(serverPid);
    const clientCpu = process.cpuUsage(startClientCpu);
    const machineBusyUs = machineBusyMicros() - startMachineBusy;
    const messages = received - startReceived;
    const bytes = receivedBytes - startBytes;

    sending = false;
    if (outstanding > 0 && unexpectedCloses === 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
        onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return {
      client: clientName,
      messages,
      bytes,
      elapsedNs,
      serverCpuUs,
      clientCpuUs: clientCpu.user + clientCpu.system,
      machineBusyUs,
      serverReads: endServerSyscalls.reads - startServerSyscalls.reads,
      serverWrites: endServerSyscalls.writes - startServerSyscalls.writes,
      outstanding,
      wrong,
      unexpectedCloses,
      errors,
    };
  } finally {
    closing = true;
    const { terminated } = await closeConnections(sockets);
    if (terminated > 0 && errors.length < ERRORS_KEPT) errors.push(`${terminated} connection(s) did not close in time`);
  }
}

let held = [];
let releasing = false;
let heldUnexpectedCloses = 0;

serveRequests({
  echo: echoSession,
  async hold({ url, connections }) {
    const started = process.hrtime.bigint();
    const sockets = await openConnections(WebSocket, url, connections);
    held.push(...sockets);
    for (const socket of sockets) {
      socket.once('close', () => {
        if (!releasing) heldUnexpectedCloses++;
      });
    }
    return { opened: sockets.length, openMs: Number(process.hrtime.bigint() - started) / 1e6 };
  },
  async release() {
    releasing = true;
    const stillOpen = held.filter((socket) => socket.readyState === socket.OPEN).length;
    const unexpectedCloses = heldUnexpectedCloses;
    const result = await closeConnections(held);
    held = [];
    heldUnexpectedCloses = 0;
    releasing = false;
    return { stillOpen, unexpectedCloses, ...result };
  },
  ready: () => ({ client: clientName }),
});
