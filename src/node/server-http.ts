// The HTTP side of a WebSocketServer: the server it creates for the `port` option, and the listeners it
// puts on that server or on one it is given, which close() removes again. A plain request to the server
// it creates is answered 426; on an HTTP/2 server, extended CONNECT streams are taken too (http2-server.ts).

import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import * as DEFAULTS from '../protocol/defaults.js';
import { type AnyHttp2Server, attachToHttp2Server, isHttp2Server } from './http2-server.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './upgrade-acceptance.js';
import type { WebSocketServer, WebSocketServerOptions } from './websocket-server.js';

/** Node's default, named: the most bytes of request head the server created for `port` accepts (431 beyond). */
export const DEFAULT_MAX_HEADER_SIZE = DEFAULTS.DEFAULT_MAX_HEAD_BYTES;

/** The HTTP server of the `port` option, listening; `callback` is called once it listens. */
export function createHttpServer(
  options: Pick<WebSocketServerOptions, 'port' | 'host' | 'backlog' | 'handshakeTimeout' | 'maxHeaderSize'>,
  callback?: () => void,
): HttpServer {
  // Node's server timeouts take whole milliseconds (a fraction throws a RangeError); ws's handshakeTimeout
  // goes to setTimeout, which takes any number, so a fraction is rounded up here.
  const handshakeTimeout = Math.ceil(options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
      // A slow-loris request head is dropped (408) once handshakeTimeout has passed.
      headersTimeout: handshakeTimeout,
      requestTimeout: handshakeTimeout,
      // A whole number too: a handshakeTimeout such as 50 would otherwise throw.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(handshakeTimeout / 4))),
    },
    answerUpgradeRequired,
  );
  server.listen(options.port, options.host, options.backlog, callback);
  return server;
}

function answerUpgradeRequired(_request: IncomingMessage, response: ServerResponse): void {
  const body = STATUS_CODES[426] as string;
  // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to (and section 7.8: with Upgrade goes
  // Connection: upgrade); close, since a client that did not upgrade has nothing more to ask.
  response.writeHead(426, {
    'Content-Length': body.length,
    'Content-Type': 'text/plain',
    Upgrade: 'websocket',
    Connection: 'Upgrade, close',
  });
  response.end(body);
}

/**
 * Passes `server`'s 'listening', 'error' and upgrades on to `wss` (and its WebSocket streams, for an
 * HTTP/2 server); returns the function that removes these listeners.
 */
export function listenForUpgrades(wss: WebSocketServer, server: HttpServer | HttpsServer | AnyHttp2Server): () => void {
  const onListening = () => wss.emit('listening');
  const onError = (error: Error) => wss.emit('error', error);
  // The request is of the HTTP server's IncomingMessage class, the server's U.
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws, req) => wss.emit('connection', ws, req));
  };
  server.on('listening', onListening);
  server.on('error', onError);
  server.on('upgrade', onUpgrade);
  const detachHttp2 = isHttp2Server(server) ? attachToHttp2Server(wss, server) : null;
  return () => {
    server.removeListener('listening', onListening);
    server.removeListener('error', onError);
    server.removeListener('upgrade', onUpgrade);
    detachHttp2?.();
  };
}
