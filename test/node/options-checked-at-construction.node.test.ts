// Regressions: options that were checked only when a connection used them. `new WebSocketServer({ port:
// 0, heartbeat: { intervalMs: 30000 } })` started listening, then its first connection threw an uncaught
// RangeError and took the process down; `new WebSocket(url, { heartbeat: 5 })` sent its upgrade, threw
// inside the upgrade handler and stayed CONNECTING while the server kept the connection. Both now throw
// from the constructor, before anything listens or is sent. (Every option: option-validation.node.test.ts.)

import { once } from 'node:events';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { within } from '../support/waits.ts';

describe('options checked at construction, over real sockets', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a server with half a heartbeat throws from its constructor, before it listens', async () => {
    // A port known to be free: the server must not take it.
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    expect(() => new WebSocketServer({ port, host: '127.0.0.1', heartbeat: { intervalMs: 30_000 } as never })).toThrow(
      new TypeError(
        'heartbeat.timeoutMs must be a positive number of milliseconds (at most 2147483647), got undefined',
      ),
    );
    // Nothing listens there: the port is still free.
    const again = createNetServer();
    again.listen(port, '127.0.0.1');
    await within(once(again, 'listening'), 'the port to be free');
    await new Promise((resolve) => again.close(resolve));
  });

  it('a client with heartbeat: 5 throws from its constructor and sends nothing', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await within(once(wss, 'listening'), 'the server to listen');
    const upgrades: string[] = [];
    wss.on('connection', (_ws, request) => upgrades.push(request.url ?? ''));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    expect(() => new WebSocket(`${url}/bad`, { heartbeat: 5 as never })).toThrow(
      /^heartbeat must be an object \{ intervalMs, timeoutMs \}, got 5$/,
    );
    // A good client after it connects, and is the only one the server ever saw.
    const good = new WebSocket(`${url}/good`, { heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 } });
    cleanups.push(() => good.terminate());
    await within(once(good, 'open'), 'the good client to open');
    expect(upgrades).toEqual(['/good']);
  });
});
