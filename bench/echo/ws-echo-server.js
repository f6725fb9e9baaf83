// The baseline echo server: the ws package's WebSocketServer with the same handler as `wasmsocket serve`
// (every message goes back with its type). Run with WS_NO_BUFFER_UTIL=1 for ws without bufferutil (ws
// reads that variable once, when it is first required). Prints `listening on ws://HOST:PORT` on stdout
// once ready, then `bufferutil: yes|no` on the same line, which the suites check; errors go to stderr.
// SIGTERM or SIGINT closes every client with 1001 (Going Away) and exits.
//
//   node bench/echo/ws-echo-server.js [--host 127.0.0.1] [--port 0]

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const GOING_AWAY = 1001;
const EXIT_GRACE_MS = 1_000;

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
});

const require = createRequire(import.meta.url);
// ws's own JS unmask is named _unmask; bufferutil's native one is not (ws's exports hide lib/, so by path).
const usesBufferutil = require(join(dirname(require.resolve('ws')), 'lib', 'buffer-util.js')).unmask.name !== '_unmask';

const server = new WebSocketServer({ host: values.host, port: Number(values.port) });

server.on('listening', () => {
  const { address, port } = server.address();
  process.stdout.write(`listening on ws://${address}:${port} bufferutil: ${usesBufferutil ? 'yes' : 'no'}\n`);
});

server.on('error', (error) => {
  process.stderr.write(`server error: ${error.message}\n`);
  process.exit(1);
});

server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', (error) => process.stderr.write(`connection error: ${error.message}\n`));
});

function stop() {
  for (const ws of server.clients) ws.close(GOING_AWAY, 'server shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
