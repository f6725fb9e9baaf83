// send() returns false once what waits passes the socket's high-water mark, and a 'drain' follows: with
// permessage-deflate, what waits includes the messages still in the compression queue (as bufferedAmount
// counts them), whose zlib output may then be too small to fill the socket and make it emit 'drain' of
// its own. The peer is our client on 127.0.0.1, reading everything.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { within } from '../support/waits.ts';

const KIB = 1024;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server socket with permessage-deflate, and our client reading what it sends. */
async function compressedPair(): Promise<{ server: WebSocket; received: Buffer[] }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await within(once(wss, 'listening'), 'the server to listen');
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: Buffer[] = [];
  client.on('message', (data: Buffer) => received.push(data));
  await within(once(client, 'open'), 'the client to open');
  cleanups.push(async () => {
    client.terminate();
    await within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down');
  });
  const server = await within(accepted, "the server's 'connection'");
  expect(server.extensions).toContain('permessage-deflate');
  return { server, received };
}

describe('send() with permessage-deflate', () => {
  it('returns false for a message past the high-water mark that waits for zlib, then emits drain', async () => {
    const { server, received } = await compressedPair();
    // 256 KiB of one repeated byte: a few hundred bytes once compressed, far below the socket's mark.
    const message = Buffer.alloc(256 * KIB, 0x61);
    let drains = 0;
    server.on('drain', () => drains++);
    const drained = once(server, 'drain');
    expect(server.send(message)).toBe(false);
    expect(server.bufferedAmount).toBeGreaterThanOrEqual(message.length);
    await within(drained, "'drain' after the compressed message is written");
    expect(server.bufferedAmount).toBeLessThan(16 * KIB);
    await within(
      new Promise<void>((resolve) => {
        const check = () => (received.length === 1 ? resolve() : setTimeout(check, 5));
        check();
      }),
      'the message at the client',
    );
    expect(received[0].equals(message)).toBe(true);
    // One 'drain' for the one false.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drains).toBe(1);
  });

  it('returns true while what waits stays below the mark, false past it, and a sender that waits for drain sends all', async () => {
    const { server, received } = await compressedPair();
    expect(server.send(Buffer.alloc(1 * KIB, 0x62))).toBe(true);
    // A sender that stops at false and goes on at 'drain' (as `wasmsocket serve` does) gets every
    // message through, and saw false at least once (2 MiB through a 16 KiB mark).
    const count = 256;
    const size = 8 * KIB;
    let sent = 0;
    let falses = 0;
    await within(
      new Promise<void>((resolve) => {
        const pump = () => {
          while (sent < count) {
            const flowing = server.send(Buffer.alloc(size, sent & 0xff));
            sent++;
            if (!flowing) {
              falses++;
              server.once('drain', pump);
              return;
            }
          }
          resolve();
        };
        pump();
      }),
      'every message sent, pausing at false until drain',
    );
    expect(falses).toBeGreaterThan(0);
    await within(
      new Promise<void>((resolve) => {
        const check = () => (received.length === count + 1 ? resolve() : setTimeout(check, 5));
        check();
      }),
      'every message at the client',
    );
    for (let i = 0; i < count; i++) expect(received[i + 1].equals(Buffer.alloc(size, i & 0xff))).toBe(true);
  });
});
