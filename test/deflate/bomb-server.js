// The server side of the decompression-bomb test (test/deflate/bomb.node.test.ts), in a process of its own
// so that the test can read its resident memory from /proc/<pid>/status without the test runner's own
// allocations in the figure. Runs the built package (dist/), as a user's server would.
//
//   node bomb-server.js MEMORY MAX_PAYLOAD
// Prints {"port": N} once listening, then one JSON line per closed connection:
//   {"closed": CODE, "failedWith": CODE, "messages": N, "bytes": N}  (the 'close' code, the close code
//   of the error that failed the connection if one did, and the messages and bytes delivered before)

import { WebSocketServer } from '../../dist/src/index.js';

const [memory, maxPayloadText] = process.argv.slice(2);
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: Number(maxPayloadText),
  perMessageDeflate: { memory },
});

server.on('listening', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

server.on('connection', (socket) => {
  let messages = 0;
  let bytes = 0;
  socket.on('message', (data, isBinary) => {
    messages++;
    bytes += data.length;
    socket.send(data, { binary: isBinary });
  });
  let failedWith = null;
  socket.on('error', (error) => {
    failedWith = error.closeCode ?? null;
  });
  socket.on('close', (code) => {
    process.stdout.write(`${JSON.stringify({ closed: code, failedWith, messages, bytes })}\n`);
  });
});

// The test ends this process by closing stdin (or killing it).
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
