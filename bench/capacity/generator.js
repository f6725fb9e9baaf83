// The capacity load generator: a process of its own (pinned to its own core by the suite), driven over IPC,
// built to cost far less per message than any server it measures, so that a server's figure is what the
// server can do on one core rather than what a client library can send:
// - frames are built once per session (frames.js): sending k messages is one write of a slice of a ring;
// - replies are checked with one memcmp per socket read against the expected frames (reply-stream.js),
//   which covers every header and payload byte; only frames matched whole are counted;
// - sockets read into one shared buffer (raw-client.js): no allocation per read, no WebSocket library.
// Its own CPU time over the round is reported, so a row where it was nearly saturated can be flagged.
//
//   node bench/capacity/generator.js      (started by bench/capacity/run-capacity.js, needs IPC)
//
// Requests (every loop bounded by count or time, every wait by a deadline):
// - echo { host, port, connections, inFlight, size, binary, warmupMs, roundMs, serverPid, parse? }:
//   keeps inFlight messages outstanding per connection, writing as many new ones as echoes arrived in
//   each read, counts checked echoes for roundMs after warmupMs, then drains and closes cleanly.
// - publish { host, port, subscribers, window, size, warmupMs, roundMs, serverPid, parse? }: one publisher
//   connection (path /pub) and `subscribers` connections (path /sub); keeps `window` messages published
//   and not yet delivered to every subscriber, counts checked deliveries at the subscribers.

import { serveRequests, sleep } from '../echo/ipc-worker.js';
import { machineBusyMicros, processCpuMicros, processSyscalls } from '../echo/processes.js';
import { buildRings, clientCloseFrame, distinctPayloads } from './frames.js';
import { ParsedReplies } from './parse-check.js';
import { cpusAllowed } from './pinning.js';
import { closeConnections, openConnections } from './raw-client.js';
import { ReplyStream } from './reply-stream.js';

/** How long outstanding messages may take to arrive once sending stops, before the session counts a stall. */
const DRAIN_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 3_000;
/** Before publishing: lets the server finish subscribing the last connections it accepted. */
const SUBSCRIBE_SETTLE_MS = 200;
const ERRORS_KEPT = 5;
/** The rings stay under this many bytes (a ring holds its frames twice, sent and expected). */
const RING_BYTES_MAX = 16 * 1024 * 1024;

const CLOSE_FRAME = clientCloseFrame();

/**
 * Distinct messages in the ring: more than can be in flight, so that a repeated or lost message changes
 * the stream, and at least 2.
 */
function ringCount(inFlight, size) {
  const byMemory = Math.max(2, Math.floor(RING_BYTES_MAX / (4 * (size + 14))));
  return Math.max(2, Math.min(inFlight + 1, byMemory));
}

/** CPU time and counters at the start of a round, and the figures at its end. */
function startRound(serverPid) {
  return {
    serverCpu: processCpuMicros(serverPid),
    serverSyscalls: processSyscalls(serverPid),
    ownCpu: process.cpuUsage(),
    machineBusy: machineBusyMicros(),
    ns: process.hrtime.bigint(),
  };
}

function endRound(start, serverPid) {
  const elapsedNs = Number(process.hrtime.bigint() - start.ns);
  const own = process.cpuUsage(start.ownCpu);
  const syscalls = processSyscalls(serverPid);
  return {
    elapsedNs,
    serverCpuUs: processCpuMicros(serverPid) - start.serverCpu,
    generatorCpuUs: own.user + own.system,
    machineBusyUs: machineBusyMicros() - start.machineBusy,
    serverReads: syscalls.reads - start.serverSyscalls.reads,
    serverWrites: syscalls.writes - start.serverSyscalls.writes,
  };
}

/** Resolves with check() once it holds (polled every millisecond) or once timeoutMs have passed. */
function waitUntil(check, timeoutMs) {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (check() || Date.now() >= deadline) resolve(check());
      else setTimeout(poll, 1);
    };
    poll();
  });
}

async function echoSession(request) {
  const { host, port, connections, inFlight, size, binary, warmupMs, roundMs, serverPid, parse = false } = request;
  const rings = buildRings(distinctPayloads(ringCount(inFlight, size), size, binary), binary);
  const { send, sendFrameLength, count: ringLength } = rings;
  if (inFlight >= ringLength) {
    throw new RangeError(
      `bench: ${inFlight} x ${size} B in flight do not fit the ${RING_BYTES_MAX} B ring; send fewer`,
    );
  }
  const errors = [];
  const note = (text) => {
    if (errors.length < ERRORS_KEPT) errors.push(text);
  };
  let sending = true;
  let closing = false;
  let received = 0;
  let outstanding = 0;
  let mismatches = 0;
  let unexpectedCloses = 0;
  const states = [];
  /** Connections with echoes not yet replaced by new messages. */
  const queue = [];
  const flushQueue = () => {
    for (const state of queue) {
      state.queued = false;
      const due = state.due;
      state.due = 0;
      if (!sending || state.dead) continue;
      // All the messages due, in one write: frames sent..sent+due of the ring (due <= inFlight < ring).
      const from = (state.sent % ringLength) * sendFrameLength;
      state.connection.write(send.subarray(from, from + due * sendFrameLength));
      state.sent += due;
    }
    queue.length = 0;
  };

  const opened = await openConnections(host, port, '/', connections, (connection, index) => {
    const state = {
      connection,
      stream: new ReplyStream(rings),
      parsed: parse ? new ParsedReplies(rings) : null,
      sent: 0,
      due: 0,
      queued: false,
      dead: false,
    };
    states[index] = state;
    connection.onBytes = (buffer, start, end) => {
      if (closing) return;
      state.parsed?.consume(buffer, start, end);
      const echoed = state.stream.consume(buffer, start, end);
      if (echoed < 0) {
        mismatches++;
        note(`connection ${index}: ${state.stream.mismatch}`);
        outstanding -= state.sent - state.stream.frames;
        state.sent = state.stream.frames;
        state.dead = true;
        connection.socket.destroy();
        return;
      }
      received += echoed;
      if (echoed === 0) return;
      if (!sending) {
        outstanding -= echoed;
        return;
      }
      // Replaced once this turn's reads are done (libuv reads a busy socket several times per turn),
      // so that a server answering one message per write does not cost the generator a write per echo.
      state.due += echoed;
      if (!state.queued) {
        state.queued = true;
        queue.push(state);
        if (queue.length === 1) setImmediate(flushQueue);
      }
    };
    connection.onClose = () => {
      // Closed by us: the session is over, or this connection received a wrong byte.
      if (closing || state.dead) return;
      unexpectedCloses++;
      note(`connection ${index} closed by the server`);
      if (!sending) outstanding -= state.sent - state.stream.frames;
      state.sent = state.stream.frames;
      state.dead = true;
    };
  });

  try {
    for (let i = 0; i < opened.length; i++) {
      opened[i].write(send.subarray(0, inFlight * sendFrameLength));
      states[i].sent = inFlight;
    }
    await sleep(warmupMs);
    const receivedBefore = received;
    const start = startRound(serverPid);
    await sleep(roundMs);
    const round = endRound(start, serverPid);
    const messages = received - receivedBefore;

    sending = false;
    outstanding = states.reduce((sum, s) => sum + (s.sent - s.stream.frames), 0);
    const drained = await waitUntil(() => outstanding <= 0, DRAIN_TIMEOUT_MS);
    const parsedProblems = states.filter((s) => s.parsed?.problem).map((s) => s.parsed.problem);
    const parsedMismatch = states.filter((s) => s.parsed !== null && s.parsed.frames !== s.stream.frames).length;
    return {
      ...round,
      messages,
      bytes: messages * size,
      totalEchoes: received,
      outstanding: drained ? 0 : outstanding,
      mismatches,
      unexpectedCloses,
      parsed: parse ? states.reduce((sum, s) => sum + (s.parsed?.frames ?? 0), 0) : null,
      parseProblems: [
        ...parsedProblems,
        ...(parsedMismatch > 0 ? [`${parsedMismatch} connection(s) where the parse count differs`] : []),
      ],
      ringLength,
      errors,
    };
  } finally {
    closing = true;
    const destroyed = await closeConnections(opened, CLOSE_FRAME, CLOSE_TIMEOUT_MS);
    if (destroyed > 0) note(`${destroyed} connection(s) did not close in time`);
  }
}

async function publishSession(request) {
  const { host, port, subscribers, window, size, warmupMs, roundMs, serverPid, parse = false } = request;
  const rings = buildRings(distinctPayloads(window + 1, size, true), true);
  const { send, sendFrameLength, count: ringLength } = rings;
  const errors = [];
  const note = (text) => {
    if (errors.length < ERRORS_KEPT) errors.push(text);
  };
  let sending = true;
  let closing = false;
  let deliveries = 0;
  let published = 0;
  let completed = 0;
  let toPublish = 0;
  let flushScheduled = false;
  let mismatches = 0;
  let unexpectedCloses = 0;
  let publisherBytes = 0;
  // slots[seq % window]: subscribers that have message seq. At most `window` messages are outstanding and
  // each subscriber gets them in order, so they complete in order and a slot is free before it is reused.
  const slots = new Uint32Array(window);
  const states = [];
  let publisher = null;

  const flush = () => {
    flushScheduled = false;
    if (!sending || toPublish === 0 || publisher === null) return;
    // Every message whose delivery completed since the last flush, replaced in one write.
    const from = (published % ringLength) * sendFrameLength;
    publisher.write(send.subarray(from, from + toPublish * sendFrameLength));
    published += toPublish;
    toPublish = 0;
  };

  const subscriberConnections = await openConnections(host, port, '/sub', subscribers, (connection, index) => {
    const state = { stream: new ReplyStream(rings), parsed: parse ? new ParsedReplies(rings) : null, dead: false };
    states[index] = state;
    connection.onBytes = (buffer, start, end) => {
      if (closing) return;
      state.parsed?.consume(buffer, start, end);
      const got = state.stream.consume(buffer, start, end);
      if (got < 0) {
        mismatches++;
        note(`subscriber ${index}: ${state.stream.mismatch}`);
        state.dead = true;
        connection.socket.destroy();
        return;
      }
      deliveries += got;
      for (let seq = state.stream.frames - got; seq < state.stream.frames; seq++) {
        const slot = seq % window;
        if (++slots[slot] === subscribers) {
          slots[slot] = 0;
          completed++;
          toPublish++;
        }
      }
      if (toPublish > 0 && !flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    };
    connection.onClose = () => {
      if (closing || state.dead) return;
      unexpectedCloses++;
      note(`subscriber ${index} closed by the server`);
    };
  });

  let publisherConnections = [];
  try {
    publisherConnections = await openConnections(host, port, '/pub', 1, (connection) => {
      connection.onBytes = (_buffer, start, end) => {
        publisherBytes += end - start;
      };
      connection.onClose = () => {
        if (closing) return;
        unexpectedCloses++;
        note('the publisher connection was closed by the server');
      };
    });
    publisher = publisherConnections[0];
    await sleep(SUBSCRIBE_SETTLE_MS);
    publisher.write(send.subarray(0, window * sendFrameLength));
    published = window;
    await sleep(warmupMs);
    const deliveriesBefore = deliveries;
    const completedBefore = completed;
    const start = startRound(serverPid);
    await sleep(roundMs);
    const round = endRound(start, serverPid);
    const roundDeliveries = deliveries - deliveriesBefore;

    sending = false;
    const drained = await waitUntil(
      () => completed === published || unexpectedCloses + mismatches > 0,
      DRAIN_TIMEOUT_MS,
    );
    const parsedProblems = states.filter((s) => s.parsed?.problem).map((s) => s.parsed.problem);
    const parsedMismatch = states.filter((s) => s.parsed !== null && s.parsed.frames !== s.stream.frames).length;
    return {
      ...round,
      messages: roundDeliveries,
      bytes: roundDeliveries * size,
      publishes: completed - completedBefore,
      totalEchoes: deliveries,
      outstanding: drained && completed === published ? 0 : (published - completed) * subscribers,
      mismatches,
      unexpectedCloses,
      publisherBytes,
      parsed: parse ? states.reduce((sum, s) => sum + (s.parsed?.frames ?? 0), 0) : null,
      parseProblems: [
        ...parsedProblems,
        ...(parsedMismatch > 0 ? [`${parsedMismatch} subscriber(s) where the parse count differs`] : []),
      ],
      ringLength,
      errors,
    };
  } finally {
    closing = true;
    const destroyed = await closeConnections(
      [...publisherConnections, ...subscriberConnections],
      CLOSE_FRAME,
      CLOSE_TIMEOUT_MS,
    );
    if (destroyed > 0) note(`${destroyed} connection(s) did not close in time`);
  }
}

serveRequests({
  echo: echoSession,
  publish: publishSession,
  ready: () => ({ pid: process.pid, cpus: cpusAllowed(process.pid) }),
});
