// The server's `WebSocket` option (ws's): a subclass of WebSocket whose instances the server creates for
// its connections, constructed as ws constructs them, (null, undefined, the server's options). Checked
// over loopback against what the ws package does with the same subclass pattern.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as PeerServer, WebSocket as PeerWebSocket } from 'ws';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { nextEvent } from '../support/waits.ts';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// The subclasses below record their constructor's arguments. They take `...args: unknown[]`: a class whose
// constructor declares only the server's form (address: null) lacks WebSocket's client signatures, which
// the option's type (typeof WebSocket, as in ws's types) asks for.

describe("the server's WebSocket option", () => {
  it('makes every connection an instance of the subclass, tracked in clients, as ws does', async () => {
    const calls: unknown[][] = [];
    class Tracked extends WebSocket {
      readonly joinedAt = Date.now();

      constructor(...args: unknown[]) {
        super(...(args as [null]));
        calls.push(args);
      }

      greet(): boolean {
        return this.send(`hello at ${this.joinedAt}`);
      }
    }
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', WebSocket: Tracked });
    cleanups.push(() => server.shutdown({ timeoutMs: 100 }));
    await once(server, 'listening');
    const connected = nextEvent<[Tracked]>(server, 'connection');
    const client = new PeerWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    const greeting = nextEvent<[Buffer]>(client, 'message');
    const [socket] = await connected;

    expect(socket).toBeInstanceOf(Tracked);
    expect(socket).toBeInstanceOf(WebSocket);
    expect([...server.clients]).toEqual([socket]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(3);
    expect(calls[0][0]).toBeNull();
    expect(calls[0][1]).toBeUndefined();
    expect(calls[0][2]).toBe(server.options);
    expect(socket.greet()).toBe(true);
    const [text] = await greeting;
    expect(String(text)).toBe(`hello at ${socket.joinedAt}`);
  });

  it('hands the subclass the same constructor arguments as the ws package does', async () => {
    const seen: Record<'ours' | 'ws', unknown[]> = { ours: [], ws: [] };
    class OurSocket extends WebSocket {
      constructor(...args: unknown[]) {
        super(...(args as [null]));
        seen.ours = args;
      }
    }
    class PeerSocket extends PeerWebSocket {
      constructor(...args: unknown[]) {
        super(...(args as [null]));
        seen.ws = args;
      }
    }
    const ours = new WebSocketServer({ port: 0, host: '127.0.0.1', WebSocket: OurSocket });
    const theirs = new PeerServer({ port: 0, host: '127.0.0.1', WebSocket: PeerSocket });
    cleanups.push(() => ours.shutdown({ timeoutMs: 100 }));
    cleanups.push(() => new Promise<void>((resolve) => theirs.close(() => resolve())));
    await Promise.all([once(ours, 'listening'), once(theirs, 'listening')]);
    for (const server of [ours, theirs] as const) {
      const connected = nextEvent(server, 'connection');
      const client = new PeerWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      cleanups.push(() => client.terminate());
      await Promise.all([connected, nextEvent(client, 'open')]);
    }
    expect(seen.ours).toEqual([null, undefined, ours.options]);
    expect(seen.ws).toEqual([null, undefined, theirs.options]);
    expect(seen.ours[2]).toBe(ours.options);
    expect(seen.ws[2]).toBe(theirs.options);
  });
});
