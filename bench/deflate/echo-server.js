// A compressed echo server for the deflate benchmark, run in a child process of its own so that its CPU
// time and resident memory are its own: `node --expose-gc echo-server.js IMPL OPTIONS_JSON`, where IMPL is
// `wasmsocket` (the built package) or `ws`, and OPTIONS_JSON the perMessageDeflate option (false for none).
// Prints {"port": N} once listening. Reads commands on stdin, one per line, and answers each with one
// JSON line:
//   usage   {"rss", "heapUsed", "external", "arrayBuffers", "cpuUs", "connections"} after two full GCs
//   cpu     {"cpuUs"}: user + system CPU time so far, without a GC
//   quit    exits

import { createInterface } from 'node:readline';

const [impl, optionsJson] = process.argv.slice(2);
const perMessageDeflate = JSON.parse(optionsJson);
const { WebSocketServer } = impl === 'ws' ? await import('ws') : await import('wasmsocket');

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 2048, perMessageDeflate });
let connections = 0;
server.on('connection', (socket) => {
  connections++;
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => {});
  socket.on('close', () => connections--);
});
server.on('listening', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));

const lines = createInterface({ input: process.stdin });
lines.on('line', (command) => {
  if (command === 'usage') {
    globalThis.gc?.();
    globalThis.gc?.();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const { user, system } = process.cpuUsage();
    process.stdout.write(
      `${JSON.stringify({ rss, heapUsed, external, arrayBuffers, cpuUs: user + system, connections })}\n`,
    );
  } else if (command === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuUs: user + system })}\n`);
  } else if (command === 'quit') {
    process.exit(0);
  }
});
lines.on('close', () => process.exit(0));
