// The WHATWG WebSocket of wasmsocket/web in Node: events and handler attributes, binaryType, the
// standard's argument checks, bufferedAmount, and the close codes both sides see.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/node/web-connector.ts';
import { within } from '../support/waits.ts';
import { type EchoServer, startOurServer, startWsPackageServer } from './echo-servers.ts';

let ours: EchoServer;
let wsPackage: EchoServer;

beforeAll(async () => {
  [ours, wsPackage] = await Promise.all([startOurServer(), startWsPackageServer()]);
});

afterAll(async () => {
  await Promise.all([ours?.close(), wsPackage?.close()]);
});

function next<T extends Event>(target: EventTarget, type: string): Promise<T> {
  return within(
    new Promise<T>((resolve) => target.addEventListener(type, (event) => resolve(event as T), { once: true })),
    `a ${type} event`,
  );
}

type CloseEventLike = Event & { code: number; reason: string; wasClean: boolean };
type MessageEventLike = Event & { data: unknown };

/**
 * Collects message events from the start: several can be dispatched in one go (frames of one socket
 * chunk), before an awaiting test could add its next listener.
 */
function messageQueue(ws: EventTarget): () => Promise<unknown> {
  const queued: unknown[] = [];
  const waiting: Array<(data: unknown) => void> = [];
  ws.addEventListener('message', (event) => {
    const data = (event as MessageEventLike).data;
    const wake = waiting.shift();
    if (wake) wake(data);
    else queued.push(data);
  });
  return () =>
    within(
      queued.length > 0 ? Promise.resolve(queued.shift()) : new Promise((resolve) => waiting.push(resolve)),
      'a message event',
    );
}

describe('WebSocket (WHATWG) over wasmsocket/web', () => {
  for (const target of ['ours', 'ws'] as const) {
    it(`opens, echoes text, Blob and ArrayBuffer messages, and closes cleanly with ${target === 'ours' ? 'our server' : 'the ws package'}`, async () => {
      const server = target === 'ours' ? ours : wsPackage;
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`, 'echo.v1');
      expect(ws.readyState).toBe(WebSocket.CONNECTING);
      expect(ws.binaryType).toBe('blob');
      const nextMessage = messageQueue(ws);
      expect(() => ws.send('too early')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
      const events: string[] = [];
      ws.onopen = () => events.push('open');
      await next(ws, 'open');
      expect(events).toEqual(['open']);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect(ws.protocol).toBe('echo.v1');
      expect(ws.extensions).toBe('');

      ws.send('héllo');
      expect(await nextMessage()).toBe('héllo');
      ws.send(new Uint8Array([1, 2, 3]));
      const blob = await nextMessage();
      expect(blob).toBeInstanceOf(Blob);
      expect([...new Uint8Array(await (blob as Blob).arrayBuffer())]).toEqual([1, 2, 3]);
      ws.binaryType = 'arraybuffer';
      ws.binaryType = 'nodebuffer' as never; // ignored: not a BinaryType
      expect(ws.binaryType).toBe('arraybuffer');
      // A Blob is read asynchronously, yet messages keep their order.
      ws.send(new Blob([new Uint8Array([9, 8])]));
      ws.send('after the blob');
      const first = await nextMessage();
      expect(first).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(first as ArrayBuffer)]).toEqual([9, 8]);
      expect(await nextMessage()).toBe('after the blob');

      const big = new Uint8Array(4 * 1024 * 1024);
      ws.send(big);
      expect(ws.bufferedAmount).toBeGreaterThan(0);
      const echoed = (await nextMessage()) as ArrayBuffer;
      expect(echoed.byteLength).toBe(big.length);
      expect(ws.bufferedAmount).toBe(0);

      expect(() => ws.close(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
      expect(() => ws.close(1000, 'é'.repeat(62))).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
      const serverClose = server.nextClose();
      let errors = 0;
      ws.onerror = () => errors++;
      ws.close(3000, 'whatwg done');
      expect(ws.readyState).toBe(WebSocket.CLOSING);
      const close = await next<CloseEventLike>(ws, 'close');
      expect([close.code, close.reason, close.wasClean]).toEqual([3000, 'whatwg done', true]);
      expect(ws.readyState).toBe(WebSocket.CLOSED);
      expect(errors).toBe(0);
      expect(await within(serverClose, "the server's close")).toEqual({ code: 3000, reason: 'whatwg done' });
      // Sending after close is not an error: the bytes are counted and dropped.
      ws.send('late');
      expect(ws.bufferedAmount).toBe(4);
    });
  }

  it('fires error then close (1006, not clean) when the connection cannot be opened', async () => {
    const ws = new WebSocket('ws://127.0.0.1:1/');
    const order: string[] = [];
    ws.addEventListener('error', () => order.push('error'));
    const close = await new Promise<CloseEventLike>((resolve) =>
      ws.addEventListener('close', (event) => {
        order.push('close');
        resolve(event as CloseEventLike);
      }),
    );
    expect(order).toEqual(['error', 'close']);
    expect([close.code, close.wasClean]).toEqual([1006, false]);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('abandons the opening when closed while connecting', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ours.port}/`);
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const close = await next<CloseEventLike>(ws, 'close');
    expect([close.code, close.wasClean]).toEqual([1006, false]);
  });

  it('rejects bad URLs and subprotocols with SyntaxError', () => {
    expect(() => new WebSocket('mailto:x@example.com')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocket('ws://127.0.0.1/#x')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocket('ws://127.0.0.1/', ['a', 'a'])).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
    expect(WebSocket.OPEN).toBe(1);
  });
});
