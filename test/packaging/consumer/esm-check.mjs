// Run by Node in the consumer project: imports every entry of the installed package as ESM, echoes
// messages over loopback (the ws-style client and WebSocketStream from wasmsocket/web against the
// WebSocketServer), and prints what it saw as one JSON line. Bounded: exits 1 after DEADLINE_MS.

import { createRequire } from 'node:module';
import WebSocket, { WebSocketServer } from 'wasmsocket';
import { activeBackend, isValidUtf8, mask, ready } from 'wasmsocket/codec';
import * as protocol from 'wasmsocket/protocol';
import { nodeConnector, WebSocketStream } from 'wasmsocket/web';

const DEADLINE_MS = 20_000;
const deadline = setTimeout(() => {
  process.stderr.write('esm-check: no answer within the deadline\n');
  process.exit(1);
}, DEADLINE_MS);

await ready;
const require = createRequire(import.meta.url);
const masked = Uint8Array.of(0, 0, 0, 0, 0xff);
mask(masked, Uint8Array.of(1, 2, 3, 4));

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
await new Promise((listening) => server.once('listening', listening));
const url = `ws://127.0.0.1:${server.address().port}`;

// The ws-style client: one text and one binary message of 70,000 bytes.
const binary = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
const client = new WebSocket(url);
const echoes = [];
await new Promise((done, fail) => {
  client.once('error', fail);
  client.once('open', () => {
    client.send('héllo, wörld');
    client.send(binary);
  });
  client.on('message', (data, isBinary) => {
    echoes.push(isBinary ? { binary: Buffer.from(data).equals(binary) } : { text: data.toString() });
    if (echoes.length === 2) client.close(1000, 'done');
  });
  client.once('close', (code) => done(code));
});

// WebSocketStream from wasmsocket/web (the node export condition connects with net/tls).
const stream = new WebSocketStream(url);
const { readable, writable } = await stream.opened;
const writer = writable.getWriter();
await writer.write('from a WebSocketStream');
const reader = readable.getReader();
const { value: streamEcho } = await reader.read();
stream.close({ closeCode: 1000 });
const streamClose = await stream.closed;

await new Promise((closed) => server.close(closed));
clearTimeout(deadline);
process.stdout.write(
  `${JSON.stringify({
    defaultExport: WebSocket.name,
    serverClass: WebSocketServer.name,
    sameServer: WebSocket.WebSocketServer === WebSocketServer && WebSocket.Server === WebSocketServer,
    backend: activeBackend(),
    masked: Array.from(masked),
    validUtf8: isValidUtf8(new TextEncoder().encode('héllo €')),
    invalidUtf8: isValidUtf8(Uint8Array.of(0xc0, 0x80)),
    protocolAccept: await protocol.computeAcceptAsync('dGhlIHNhbXBsZSBub25jZQ=='),
    webConnector: typeof nodeConnector,
    echoes,
    streamEcho,
    streamClose,
    resolved: {
      root: require.resolve('wasmsocket'),
      codec: require.resolve('wasmsocket/codec'),
    },
  })}\n`,
);
