// The peers the reconnecting clients are tested against, all on 127.0.0.1: our WebSocketServer that
// records every message in order and can be killed (every connection dropped, no close frame, the
// listener closed) and started again on the same port; a server that refuses handshakes with chosen
// statuses before it accepts; a TCP server that accepts and never answers; and a port nobody listens on.

import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocketServer } from '../../src/index.ts';
import { within } from '../support/waits.ts';

/** A port that refuses connections: listened on, then closed (nothing else binds it in the meantime here). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One message as the server got it. */
export interface Received {
  text: string;
  isBinary: boolean;
}

export interface RecordingServer {
  port: number;
  url: string;
  /** Every message of every life of the server, in arrival order. */
  received: Received[];
  /** The request headers and subprotocol of every connection accepted. */
  connections: Array<{ headers: IncomingHttpHeaders; protocol: string }>;
  /** Handshakes seen (accepted or refused). */
  handshakes: number;
  /** The close each connection ended with, as the server saw it. */
  closes: Array<{ code: number; reason: string }>;
  /** Resolves once `count` messages in all have arrived (bounded). */
  receivedCount(count: number): Promise<void>;
  /** Resolves once `count` connections in all were accepted (bounded). */
  connectionCount(count: number): Promise<void>;
  /** Resolves once `count` connections in all have closed (bounded). */
  closeCount(count: number): Promise<void>;
  /** Starts the closing handshake of every open connection with `code`. */
  closeConnections(code: number, reason?: string): void;
  /** Drops every connection without a close frame and stops listening. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface RecordingServerOptions {
  /** The status to refuse handshake number n (0-based) with, or undefined to accept it. */
  refuse?: (handshake: number) => number | undefined;
  /** Answer each text message with this, when set. */
  reply?: (text: string) => string | undefined;
  /** Drop the connection (no close frame) right after a message for which this says true. */
  dropAfter?: (text: string) => boolean;
  /** A loopback address other than 127.0.0.1 (another host, for redirects). */
  host?: string;
}

/** Our WebSocketServer, recording; echoes nothing unless `reply` says. */
export async function startRecordingServer(options: RecordingServerOptions = {}, port = 0): Promise<RecordingServer> {
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const until = (done: () => boolean, what: string) =>
    within(
      new Promise<void>((resolve) => {
        const check = () => (done() ? resolve() : waiters.push(check));
        check();
      }),
      what,
    );
  let server: InstanceType<typeof WebSocketServer> | null = null;
  const record: RecordingServer = {
    port,
    url: '',
    received: [],
    connections: [],
    handshakes: 0,
    closes: [],
    receivedCount: (count) => until(() => record.received.length >= count, `${count} messages at the server`),
    connectionCount: (count) => until(() => record.connections.length >= count, `${count} connections`),
    closeCount: (count) => until(() => record.closes.length >= count, `${count} closes at the server`),
    kill: async () => {
      const current = server as InstanceType<typeof WebSocketServer>;
      server = null;
      for (const client of current.clients ?? []) client.terminate();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    closeConnections: (code, reason) => {
      for (const client of server?.clients ?? []) client.close(code, reason);
    },
    restart: () => listen(),
    close: async () => {
      if (server !== null) await record.kill();
    },
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const wss = new WebSocketServer({
        host: options.host ?? '127.0.0.1',
        port: record.port,
        handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
        verifyClient: (_info, callback) => {
          const status = options.refuse?.(record.handshakes);
          record.handshakes++;
          wake();
          if (status === undefined) callback(true);
          else callback(false, status);
        },
      });
      wss.on('connection', (ws, request) => {
        record.connections.push({ headers: request.headers, protocol: ws.protocol });
        wake();
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const text = data.toString();
          record.received.push({ text, isBinary });
          wake();
          const answer = options.reply?.(text);
          if (answer !== undefined) ws.send(answer);
          if (options.dropAfter?.(text)) ws.terminate();
        });
        ws.on('close', (code: number, reason: Buffer) => {
          record.closes.push({ code, reason: reason.toString() });
          wake();
        });
      });
      wss.once('error', reject);
      wss.once('listening', () => {
        record.port = (wss.address() as { port: number }).port;
        record.url = `ws://${options.host ?? '127.0.0.1'}:${record.port}/`;
        server = wss;
        resolve();
      });
    });
  await listen();
  return record;
}

export interface SilentServer {
  port: number;
  /** TCP connections accepted so far. */
  accepted: number;
  /** TCP connections that have closed (the client gave up on them). */
  closed: number;
  /** Resolves once `count` accepted connections have closed (bounded). */
  closedCount(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Accepts TCP connections, reads what comes, and never answers: an opening handshake that hangs. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    record.accepted++;
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      record.closed++;
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const record: SilentServer = {
    port: (server.address() as { port: number }).port,
    accepted: 0,
    closed: 0,
    closedCount: (count) =>
      within(
        new Promise<void>((resolve) => {
          const check = () => (record.closed >= count ? resolve() : waiters.push(check));
          check();
        }),
        `${count} silent connections to close`,
      ),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return record;
}
