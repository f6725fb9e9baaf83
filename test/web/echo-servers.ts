// The two servers the client scenario runs against, on 127.0.0.1 with a port the system picks: ours
// (wasmsocket's Node WebSocketServer) and the ws package's. Each echoes every message and records what
// it saw, so a test can assert on the server's side too.

import { createHash } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer as WsPackageServer } from 'ws';
import { WebSocketServer } from '../../src/index.ts';
import { TLS_CERT, TLS_KEY } from '../http2/tls-fixture.ts';
import { SCENARIO_PROTOCOL } from './client-scenario.ts';

export interface ServerRecord {
  /** Each message received: its type, size and SHA-256. */
  messages: Array<{ isBinary: boolean; bytes: number; sha256: string }>;
  /** The close code and reason the server received, once the connection closed. */
  closes: Array<{ code: number; reason: string }>;
  protocols: string[];
}

export interface EchoServer {
  port: number;
  record: ServerRecord;
  /** Resolves with the next close the server sees (bounded by the caller). */
  nextClose(): Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * What serve() uses of a server: ws's API, which wasmsocket's WebSocketServer and the ws package's both
 * have (a union of the two would not be callable: both declare per-event listener signatures).
 */
interface AnyServer {
  on(event: 'connection', listener: (ws: import('ws').WebSocket) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'listening', listener: () => void): unknown;
  address(): unknown;
  readonly clients?: Iterable<{ terminate(): void }>;
  close(cb: () => void): void;
}

function serve(server: AnyServer): Promise<EchoServer> {
  const record: ServerRecord = { messages: [], closes: [], protocols: [] };
  const closeWaiters: Array<(close: { code: number; reason: string }) => void> = [];
  server.on('connection', (ws: import('ws').WebSocket) => {
    record.protocols.push(ws.protocol);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      record.messages.push({ isBinary, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const close = { code, reason: reason.toString() };
      record.closes.push(close);
      closeWaiters.shift()?.(close);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        record,
        nextClose: () => new Promise((wake) => closeWaiters.push(wake)),
        close: () =>
          new Promise<void>((done) => {
            for (const client of server.clients ?? []) client.terminate();
            server.close(() => done());
          }),
      });
    });
  });
}

const handleProtocols = (protocols: Set<string>) => (protocols.has(SCENARIO_PROTOCOL) ? SCENARIO_PROTOCOL : false);

/** wasmsocket's server. */
export function startOurServer(): Promise<EchoServer> {
  return serve(new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols, perMessageDeflate: false }));
}

/** wasmsocket's server attached to an https server with the loopback test certificate (wss:). */
export async function startOurTlsServer(): Promise<EchoServer> {
  const https = createHttpsServer({ key: TLS_KEY, cert: TLS_CERT });
  const echo = serve(new WebSocketServer({ server: https, handleProtocols, perMessageDeflate: false }));
  https.listen(0, '127.0.0.1');
  const started = await echo;
  return {
    ...started,
    close: async () => {
      await started.close();
      https.closeAllConnections();
      await new Promise<void>((done) => https.close(() => done()));
    },
  };
}

/** The ws package's server. */
export function startWsPackageServer(): Promise<EchoServer> {
  return serve(new WsPackageServer({ port: 0, host: '127.0.0.1', handleProtocols, maxPayload: 64 * 1024 * 1024 }));
}
