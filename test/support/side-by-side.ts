// Runs the same scenario with the ws package and with wasmsocket, over 127.0.0.1, and expects the same
// outcome: the harness of test/node/ws-parity-*scenarios (docs/ws-compat.md's "same" rows). A scenario
// reports what it saw (events in order, error classes and messages, what reached the other side); only
// the comparison asserts. Here too: small servers and pairs both libraries' scenarios build on.

import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import type { WebSocket, WebSocketServer } from '../../src/index.ts';
import * as ours from '../../src/index.ts';
import { within } from './waits.ts';

/** Both libraries, typed as ours (the scenarios use only what ws has too). */
export type Library = typeof ours;
export const LIBRARIES: Record<'ws' | 'ours', Library> = { ws: wsModule as unknown as Library, ours };

/** What a call returned, or the class and message of what it threw. */
export function outcomeOf(call: () => unknown): unknown {
  try {
    return call();
  } catch (error) {
    return `throws ${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

/** Resolves with 'close's code and reason once the WebSocket has closed. */
export function closed(socket: WebSocket): Promise<[number, string]> {
  return within(
    new Promise((resolve) => socket.on('close', (code, reason) => resolve([code, String(reason)]))),
    "the WebSocket's close",
  );
}

export function listening(server: { on(event: 'listening', listener: () => void): unknown }): Promise<void> {
  return within(new Promise<void>((resolve) => server.on('listening', resolve)), 'the server to listen');
}

export function closeServer(server: { close(cb: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

export function portOf(server: { address(): AddressInfo | string | null }): number {
  return (server.address() as AddressInfo).port;
}

/** A server of `lib` on 127.0.0.1 and an open client of `lib`, with the server's side of it. */
export async function openPair(lib: Library, serverOptions: object = {}, clientOptions: object = {}) {
  const server: WebSocketServer = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', ...serverOptions });
  await listening(server);
  const accepted = once(server, 'connection');
  const client: WebSocket = new lib.WebSocket(`ws://127.0.0.1:${portOf(server)}`, clientOptions);
  client.on('error', () => {});
  await within(once(client, 'open'), 'the client to open');
  const [peer] = (await within(accepted, 'the connection')) as [WebSocket];
  peer.on('error', () => {});
  const end = async () => {
    client.terminate();
    peer.terminate();
    await closeServer(server);
  };
  return { server, client, peer, end };
}

/** A TCP server on 127.0.0.1 that accepts and never answers; `end` drops what it accepted and closes. */
export async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const end = () => {
    for (const socket of sockets) socket.destroy();
    return closeServer(server);
  };
  return { port: portOf(server), end };
}

/** A plain HTTP server on 127.0.0.1 with `handler`; `end` closes it and every connection. */
export async function httpServer(handler?: Parameters<typeof createHttpServer>[1]) {
  const server = handler ? createHttpServer(handler) : createHttpServer();
  // Upgraded sockets leave the server's books: an 'upgrade' listener hands them to `track`.
  const upgraded = new Set<Socket>();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const end = () => {
    for (const socket of upgraded) socket.destroy();
    server.closeAllConnections();
    return closeServer(server);
  };
  return { server, port: portOf(server), end, track: (socket: Socket) => upgraded.add(socket) };
}

/** A scenario: run with one library, it reports what it saw. */
export type Scenario = (lib: Library) => Promise<unknown>;

/** One test per scenario: run with ws, then with ours, and the two outcomes must be equal. */
export function sideBySide(title: string, scenarios: Record<string, Scenario>): void {
  describe(title, () => {
    for (const [name, scenario] of Object.entries(scenarios)) {
      it(name, async () => {
        const theirs = await scenario(LIBRARIES.ws);
        const mine = await scenario(LIBRARIES.ours);
        expect(mine).toEqual(theirs);
      });
    }
  });
}
