// Bun's built-in WebSocket server (Bun.serve, uWebSockets underneath) for the capacity suite, run by a
// `bun` binary, not Node: on / it echoes every message with its type (as `wasmsocket serve` does); on /sub
// a connection subscribes to one topic, and every message a /pub connection sends is published to it with
// server.publish. Prints `listening on ws://HOST:PORT` once ready. Exits when its parent goes away (it has
// no IPC channel to notice that by) or on SIGTERM.
//
//   bun bench/capacity/bun-server.js

const TOPIC = 'capacity';
const PARENT_POLL_MS = 1_000;

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, server) {
    const path = new URL(request.url).pathname;
    if (server.upgrade(request, { data: { path } })) return undefined;
    return new Response('WebSocket only', { status: 400 });
  },
  websocket: {
    // Off is Bun's default; stated so that a change of default cannot skew the comparison.
    perMessageDeflate: false,
    open(ws) {
      if (ws.data.path === '/sub') ws.subscribe(TOPIC);
    },
    message(ws, message) {
      if (ws.data.path === '/pub') server.publish(TOPIC, message);
      else if (ws.data.path === '/') ws.send(message);
    },
  },
});

process.stdout.write(`listening on ws://127.0.0.1:${server.port}\n`);

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, PARENT_POLL_MS);
process.on('SIGTERM', () => process.exit(0));
