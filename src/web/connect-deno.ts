// The Deno connector: Deno.connect for ws:, Deno.connectTls for wss:. A Deno.Conn already carries its
// bytes as a ReadableStream/WritableStream pair. Deno is found through globalThis so that this file
// bundles and type-checks everywhere; it needs --allow-net.

import { hostnameOf, isSecureUrl, portOf } from '../protocol/websocket-url.js';
import type { Connector, SocketStreams } from './socket-streams.js';

/** The part of Deno's API used here (Deno.Conn and its two connect functions). */
interface DenoConn extends SocketStreams {
  close(): void;
}

interface DenoNamespace {
  connect(options: { hostname: string; port: number; transport?: 'tcp' }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number }): Promise<DenoConn>;
}

/** Deno's namespace, when this code runs in Deno. */
export function denoNamespace(): DenoNamespace | null {
  const deno = (globalThis as { Deno?: Partial<DenoNamespace> }).Deno;
  return deno !== undefined && typeof deno.connect === 'function' ? (deno as DenoNamespace) : null;
}

export const denoConnector: Connector = async (url, { signal }) => {
  const deno = denoNamespace();
  if (deno === null) throw new TypeError('The Deno connector needs the Deno runtime');
  signal?.throwIfAborted();
  const address = { hostname: hostnameOf(url), port: portOf(url) };
  const conn = isSecureUrl(url) ? await deno.connectTls(address) : await deno.connect(address);
  // Deno's connect takes no signal: an abort that came while connecting closes the new connection.
  if (signal?.aborted) {
    conn.close();
    signal.throwIfAborted();
  }
  return { readable: conn.readable, writable: conn.writable };
};
