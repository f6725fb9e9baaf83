// A WebSocketServer on 127.0.0.1 over either transport, for tests that hold both to the same behaviour:
// HTTP/1.1 (the server's own HTTP server) or HTTP/2 (RFC 8441, on an HTTP/2 server of test/http2).

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocketServerOptions } from '../../src/index.ts';
import { startH2Endpoint } from '../http2/h2-endpoint.ts';
import { within } from './waits.ts';

export type Transport = 'HTTP/1.1' | 'HTTP/2';

export interface ServerOver {
  wss: WebSocketServer;
  /** Where a client connects. */
  url: string;
  /** What a client adds to its options to connect over this transport. */
  clientOptions: { http2?: true };
  close(): Promise<unknown>;
}

/** Starts a WebSocketServer with `options` over `transport` (no echo: the test adds its handlers). */
export async function startServerOver(
  transport: Transport,
  options: Partial<WebSocketServerOptions>,
): Promise<ServerOver> {
  if (transport === 'HTTP/1.1') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
    await within(once(wss, 'listening'), 'the server to listen');
    return {
      wss,
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      clientOptions: {},
      close: () => within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down'),
    };
  }
  const endpoint = await startH2Endpoint({ secure: false, echo: false, wssOptions: options });
  return { wss: endpoint.wss, url: endpoint.origin, clientOptions: { http2: true }, close: () => endpoint.close() };
}
