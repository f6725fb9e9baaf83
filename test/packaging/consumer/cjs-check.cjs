// Run by Node in the consumer project: loads the installed package with require() (Node's require of an
// ES module, whose 'module.exports' export is what require returns) and prints what it got as JSON.

const WebSocket = require('wasmsocket');
const codec = require('wasmsocket/codec');

const masked = Uint8Array.of(0, 0, 0, 0, 0xff);
codec.mask(masked, Uint8Array.of(1, 2, 3, 4));

process.stdout.write(
  `${JSON.stringify({
    typeofExport: typeof WebSocket,
    name: WebSocket.name,
    server: WebSocket.Server?.name,
    sameServer: WebSocket.Server === WebSocket.WebSocketServer,
    createWebSocketStream: typeof WebSocket.createWebSocketStream,
    readyStates: [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED],
    codecExports: Object.keys(codec).sort(),
    backend: codec.activeBackend(),
    masked: Array.from(masked),
    invalidUtf8: codec.isValidUtf8(Uint8Array.of(0xed, 0xa0, 0x80)),
  })}\n`,
);
