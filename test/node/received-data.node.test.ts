// What 'message' hands out stays the application's: many messages arrive in one socket read, are unmasked
// in that read's own buffer and handed out as views of it (or, past the retention limit of
// src/protocol/frame-reader.ts, copied), and each must hold its own bytes, unchanged by the messages read
// after it and by writes into another message. And the replies sent while one read is delivered, built
// together in the write batch (src/node/write-batch.ts), reach the peer whole and in order, each send's
// callback called, in order.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index.ts';
import { clientFrame, Op, RawClient } from '../security/support/raw-client.ts';
import { patternBytes } from '../support/payloads.ts';
import { until, within } from '../support/waits.ts';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server that keeps every message it receives (and echoes it when `echo`), and a raw client upgraded to it. */
async function serverAndClient(echo: 'none' | 'with-callbacks') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await within(once(wss, 'listening'), 'the server to listen');
  const kept: Buffer[] = [];
  const callbacks: number[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      kept.push(data);
      if (echo === 'with-callbacks') {
        const index = kept.length - 1;
        ws.send(data, { binary: isBinary }, (error) => {
          if (!error) callbacks.push(index);
        });
      }
    });
  });
  const client = await RawClient.upgrade((wss.address() as AddressInfo).port);
  cleanups.push(async () => {
    client.destroy();
    await within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down');
  });
  return { client, kept, callbacks };
}

/** `count` distinct payloads of `size` bytes. */
function payloads(count: number, size: number, seed: string): Buffer[] {
  return Array.from({ length: count }, (_, i) => patternBytes(size, `${seed} ${i}`));
}

/** Sends every payload as its own binary frame, all in one socket write (one read at the server, or few). */
function sendAtOnce(client: RawClient, messages: Buffer[]): void {
  client.write(Buffer.concat(messages.map((payload) => clientFrame({ opcode: Op.BINARY, payload }))));
}

/** True when no two of the buffers share a byte of memory. */
function disjoint(buffers: Buffer[]): boolean {
  const ranges = buffers
    .map((b) => ({ memory: b.buffer, start: b.byteOffset, end: b.byteOffset + b.byteLength }))
    .sort((a, b) => a.start - b.start);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length && ranges[j].start < ranges[i].end; j++) {
      if (ranges[j].memory === ranges[i].memory) return false;
    }
  }
  return true;
}

describe('received messages are the application’s', () => {
  // 32 B: many frames in a read of under 8 KiB (views); 1,000 B in a 60 KB read (copies: a view would
  // hold 60 times the message); 4 KiB in a read of about 60 KB (views: at most 16 times the message).
  for (const { size, count } of [
    { size: 32, count: 200 },
    { size: 1000, count: 60 },
    { size: 4096, count: 15 },
  ]) {
    it(`${count} messages of ${size} B read at once stay intact and separate after more arrive`, async () => {
      const { client, kept } = await serverAndClient('none');
      const first = payloads(count, size, `first ${size}`);
      const second = payloads(count, size, `second ${size}`);
      sendAtOnce(client, first);
      await until(() => kept.length === count, `${count} messages`);
      sendAtOnce(client, second);
      await until(() => kept.length === 2 * count, `${2 * count} messages`);

      expect(kept.every((m) => Buffer.isBuffer(m))).toBe(true);
      expect(kept.map((m) => m.toString('hex'))).toEqual([...first, ...second].map((m) => m.toString('hex')));
      expect(disjoint(kept)).toBe(true);
      // Writing into one message changes no other.
      kept[0].fill(0xee);
      expect(kept[1].equals(first[1])).toBe(true);
      expect(kept[count].equals(second[0])).toBe(true);
    });
  }

  it('replies sent while one read is delivered arrive whole and in order, their callbacks in order', async () => {
    const { client, kept, callbacks } = await serverAndClient('with-callbacks');
    // Small replies (built in the write batch) and 20 KiB ones (a frame of their own) mixed in one read.
    const sent = payloads(40, 64, 'small').map((p, i) => (i % 8 === 7 ? patternBytes(20 * 1024, `big ${i}`) : p));
    sendAtOnce(client, sent);
    await client.until(
      () => client.frames.filter((f) => f.opcode === Op.BINARY).length === sent.length,
      `${sent.length} echoes`,
    );
    const echoes = client.frames.filter((f) => f.opcode === Op.BINARY);
    expect(echoes.every((f) => f.fin)).toBe(true);
    expect(echoes.map((f) => f.payload.toString('hex'))).toEqual(sent.map((p) => p.toString('hex')));
    expect(kept.length).toBe(sent.length);
    await until(() => callbacks.length === sent.length, 'every send callback');
    expect(callbacks).toEqual(sent.map((_, i) => i));
  });
});

describe('ping and pong payloads are the application’s', () => {
  // The reader hands a control frame's payload on as a view of the socket read (most pings are answered
  // and dropped unseen), so the WebSocket copies it for its 'ping' and 'pong' listeners: a kept payload
  // must neither pin the read (up to 64 KiB for 125 bytes) nor change with it.
  it('a ping or pong that shares a large read with a message arrives as a small buffer of its own', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await within(once(wss, 'listening'), 'the server to listen');
    const pings: Buffer[] = [];
    const pongs: Buffer[] = [];
    let message: Buffer | null = null;
    wss.on('connection', (ws) => {
      ws.on('ping', (data: Buffer) => pings.push(data));
      ws.on('pong', (data: Buffer) => pongs.push(data));
      ws.on('message', (data: Buffer) => {
        message = data;
      });
    });
    const client = await RawClient.upgrade((wss.address() as AddressInfo).port);
    cleanups.push(async () => {
      client.destroy();
      await within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down');
    });
    const big = patternBytes(60 * 1024, 'large message');
    const pingPayloads = payloads(3, 125, 'ping');
    const pongPayload = patternBytes(40, 'pong');
    client.write(
      Buffer.concat([
        clientFrame({ opcode: Op.PING, payload: pingPayloads[0] }),
        clientFrame({ opcode: Op.BINARY, payload: big }),
        clientFrame({ opcode: Op.PING, payload: pingPayloads[1] }),
        clientFrame({ opcode: Op.PONG, payload: pongPayload }),
        clientFrame({ opcode: Op.PING, payload: pingPayloads[2] }),
      ]),
    );
    await until(
      () => pings.length === 3 && pongs.length === 1 && message !== null,
      'the pings, the pong and the message',
    );
    expect(pings).toEqual(pingPayloads);
    expect(pongs).toEqual([pongPayload]);
    expect((message as Buffer | null)?.equals(big)).toBe(true);
    for (const payload of [...pings, ...pongs]) {
      expect(Buffer.isBuffer(payload)).toBe(true);
      // Buffer.from's pool slab at most, as for any small Buffer: never the 60 KiB read.
      expect(payload.buffer.byteLength).toBeLessThanOrEqual(8 * 1024);
    }
    // Each has bytes of its own.
    expect(disjoint([...pings, ...pongs])).toBe(true);
    pings[0].fill(0);
    expect(pings[1]).toEqual(pingPayloads[1]);
    // Every ping was answered with its own payload, in order.
    await client.until(() => client.frames.filter((f) => f.opcode === Op.PONG).length === 3, 'three pongs');
    expect(client.frames.filter((f) => f.opcode === Op.PONG).map((f) => f.payload)).toEqual(pingPayloads);
  });
});
