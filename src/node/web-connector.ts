// The Node connector for wasmsocket/web: a net (ws:) or tls (wss:) socket turned into the pair of web
// streams the web transport runs over, with backpressure kept: the socket is paused while the readable
// side's queue is full, and a write resolves when Node has handed its bytes to the operating system.
// This module is also the wasmsocket/web entry under the "node" export condition: src/web's exports,
// with WebSocketStream and WebSocket connecting through net/tls unless given a connector.

import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { hostnameOf, isSecureUrl, portOf } from '../protocol/websocket-url.js';
import type { WebClientOptions } from '../web/open-session.js';
import {
  ReconnectingWebSocket as BaseReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from '../web/reconnecting-websocket.js';
import { installRuntimeConnector, withDefaultConnector } from '../web/runtime-connector.js';
import type { Connector, SocketStreams } from '../web/socket-streams.js';
import { WebSocket as BaseWebSocket } from '../web/websocket.js';
import { WebSocketStream as BaseWebSocketStream, type WebSocketStreamOptions } from '../web/websocket-stream.js';

/** Bytes the readable side queues before the socket is paused (Node's own stream default is 16-64 KiB). */
export const SOCKET_READABLE_HIGH_WATER_MARK = 64 * 1024;

/** A connected net.Socket (or tls.TLSSocket) as a ReadableStream and a WritableStream. */
export function socketStreams(socket: Socket): SocketStreams {
  let readableDone = false;
  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on('data', (chunk: Buffer) => {
          if (readableDone) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) socket.pause();
        });
        socket.once('end', () => {
          if (readableDone) return;
          readableDone = true;
          controller.close();
        });
        socket.once('close', () => {
          if (readableDone) return;
          readableDone = true;
          controller.error(new Error('The socket closed before its end'));
        });
        socket.once('error', (error) => {
          if (readableDone) return;
          readableDone = true;
          controller.error(error);
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        readableDone = true;
        socket.destroy();
      },
    },
    { highWaterMark: SOCKET_READABLE_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        socket.write(chunk, (error) => (error ? reject(error) : resolve()));
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (socket.writableFinished || socket.destroyed) {
          resolve();
          return;
        }
        socket.once('close', () => resolve());
        socket.end(() => resolve());
      });
    },
    abort() {
      socket.destroy();
    },
  });
  // An error is reported through the streams; without a listener Node would throw it.
  socket.on('error', () => {});
  return { readable, writable };
}

/** What createNodeConnector accepts. */
export interface NodeConnectorOptions {
  /**
   * Passed to tls.connect for wss: URLs (a private `ca`, a client certificate, `servername`...). host,
   * port and the socket are the connector's; rejectUnauthorized stays true unless set here.
   */
  tls?: Omit<ConnectionOptions, 'host' | 'port' | 'socket' | 'path'>;
}

/**
 * A connector over net (ws:) or tls (wss:, SNI from the host name unless it is an IP address), for
 * example to trust a private certificate authority:
 * `new WebSocketStream(url, { connector: createNodeConnector({ tls: { ca } }) })`.
 */
export function createNodeConnector(options: NodeConnectorOptions = {}): Connector {
  const tlsOptions = options.tls ?? {};
  return (url, { signal }) =>
    new Promise<SocketStreams>((resolve, reject) => {
      signal?.throwIfAborted();
      const host = hostnameOf(url);
      const port = portOf(url);
      const secure = isSecureUrl(url);
      const socket = secure
        ? tlsConnect({ servername: isIP(host) ? undefined : host, ...tlsOptions, host, port })
        : netConnect({ host, port });
      const onAbort = () => {
        socket.destroy();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        signal?.removeEventListener('abort', onAbort);
        socket.setNoDelay(true);
        resolve(socketStreams(socket));
      });
    });
}

/** Connects with net (ws:) or tls (wss:) with Node's default trust store. */
export const nodeConnector: Connector = createNodeConnector();

// The default for this runtime, for code that reads it (runtimeConnector), and for the subclasses below.
installRuntimeConnector(nodeConnector);

export * from '../web/index.js';

// Subclasses that default to nodeConnector, rather than relying on the registration above alone: the
// package is "sideEffects": false, so a bundler may drop a module's top-level statements when none of
// its bindings is used.
export class WebSocketStream extends BaseWebSocketStream {
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    super(url, withDefaultConnector(options, nodeConnector));
  }
}

export class WebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols?: string | string[], options: WebClientOptions = {}) {
    super(url, protocols, withDefaultConnector(options, nodeConnector));
  }
}

export class ReconnectingWebSocket extends BaseReconnectingWebSocket {
  constructor(url: string | URL, protocols?: string | string[], options: ReconnectingWebSocketOptions = {}) {
    super(url, protocols, withDefaultConnector(options, nodeConnector));
  }
}
