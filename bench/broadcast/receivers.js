// The receiving side of the broadcast suite: one process holding N client connections (ws client) to a
// broadcast server. Each broadcast carries its sequence number in its first 4 bytes; when all N
// connections have received one, the first connection sends back `${seq} ${hrtime}` (the moment the last
// copy arrived), which is how the server learns the delivery time and sends the next broadcast.
//
//   node bench/broadcast/receivers.js     (started by the suite, needs IPC)
// Requests: hold { url, connections } -> { opened }; stats -> counts; release -> closes.

import { closeConnections, loadClientLibrary, openConnections } from '../echo/connections.js';
import { serveRequests } from '../echo/ipc-worker.js';

const WebSocket = await loadClientLibrary('ws');

let sockets = [];
/** seq -> how many connections have it so far. */
const counts = new Map();
let completed = 0;
let wrong = 0;
let unexpectedCloses = 0;
let releasing = false;
let expectedBytes = 0;

function onMessage(data, isBinary) {
  if (!isBinary || data.length !== expectedBytes) {
    wrong++;
    return;
  }
  const seq = data.readUInt32LE(0);
  const seen = (counts.get(seq) ?? 0) + 1;
  if (seen < sockets.length) {
    counts.set(seq, seen);
    return;
  }
  const done = process.hrtime.bigint();
  counts.delete(seq);
  completed++;
  sockets[0].send(`${seq} ${done}`);
}

serveRequests({
  async hold({ url, connections, payloadBytes }) {
    expectedBytes = payloadBytes;
    sockets = await openConnections(WebSocket, url, connections);
    for (const socket of sockets) {
      socket.on('message', onMessage);
      socket.on('close', () => {
        if (!releasing) unexpectedCloses++;
      });
    }
    return { opened: sockets.length };
  },
  stats: () => ({ completed, incomplete: counts.size, wrong, unexpectedCloses }),
  async release() {
    releasing = true;
    const result = await closeConnections(sockets);
    sockets = [];
    return result;
  },
});
