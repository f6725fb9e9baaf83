// maxBackpressure and the publish cap count what waits for compression (issue 17, fault 2): with
// permessage-deflate a message first waits in the connection's compression queue and reaches the socket
// only after zlib, so a check of the socket alone let 400 sends of 512 KiB (197 MiB) through a 1 MiB
// limit. Every check counts what bufferedAmount counts: send, send(prepared), publish, broadcast, and
// sends waiting behind a Blob or a streamed message. The peer is a raw client on 127.0.0.1 that
// negotiates permessage-deflate and never reads.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer, type WebSocketServerOptions } from '../../src/index.ts';
import { RawClient } from '../security/support/raw-client.ts';
import { patternBytes } from '../support/payloads.ts';
import { within } from '../support/waits.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Our server with permessage-deflate, and one connection to it from a client that never reads. */
async function nonReaderOf(options: Partial<WebSocketServerOptions>): Promise<{ wss: WebSocketServer; ws: WebSocket }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true, ...options });
  await within(once(wss, 'listening'), 'the server to listen');
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = await RawClient.upgrade((wss.address() as AddressInfo).port, {
    'Sec-WebSocket-Extensions': 'permessage-deflate',
  });
  client.socket.pause();
  cleanups.push(async () => {
    client.destroy();
    await within(wss.shutdown({ timeoutMs: 100 }), 'the server to shut down');
  });
  const ws = await within(accepted, "the server's 'connection'");
  ws.on('error', () => {});
  expect(ws.extensions).toContain('permessage-deflate');
  return { wss, ws };
}

/** Counts the sends whose callback reports WS_ERR_BACKPRESSURE, and those that fail otherwise. */
function outcomes() {
  const counts = { refused: 0, other: 0 };
  const callback = (error?: Error | null) => {
    if (!error) return;
    if ((error as Error & { code?: string }).code === 'WS_ERR_BACKPRESSURE') counts.refused++;
    else counts.other++;
  };
  return { counts, callback };
}

/** Lets refusal callbacks (process.nextTick) and a turn of I/O run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Published messages of 1 MiB: well past the 16 MiB cap (compressing each takes a while, so not more). */
const PUBLISHES = 40;

/** Incompressible bytes, so that compression keeps their size. */
const PAYLOAD = patternBytes(512 * KIB, 'backpressure with compression');

describe("maxBackpressure 1 MiB, policy 'refuse', permessage-deflate, a client that never reads", () => {
  const limits = { maxBackpressure: 1 * MIB, backpressurePolicy: 'refuse' as const };

  it('400 sends of 512 KiB: the sends past the limit are refused, at most 1 MiB waits', async () => {
    const { ws } = await nonReaderOf(limits);
    const { counts, callback } = outcomes();
    for (let i = 0; i < 400; i++) ws.send(PAYLOAD, { binary: true }, callback);
    const waiting = ws.bufferedAmount;
    await settle();
    console.log(
      `[backpressure] send 400 × 512 KiB, deflate: ${counts.refused} refused, ${(waiting / MIB).toFixed(1)} MiB waiting`,
    );
    expect(waiting).toBeLessThanOrEqual(1 * MIB);
    expect(counts.refused).toBeGreaterThanOrEqual(398);
    expect(counts.other).toBe(0);
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('400 sends of a prepared 512 KiB message (compressed for this connection): refused past the limit', async () => {
    const { wss, ws } = await nonReaderOf(limits);
    const prepared = wss.prepare(PAYLOAD, { binary: true, compress: true });
    const { counts, callback } = outcomes();
    for (let i = 0; i < 400; i++) ws.send(prepared, callback);
    const waiting = ws.bufferedAmount;
    await settle();
    console.log(
      `[backpressure] send(prepared) 400 × 512 KiB: ${counts.refused} refused, ${(waiting / MIB).toFixed(1)} MiB waiting`,
    );
    expect(waiting).toBeLessThanOrEqual(1 * MIB);
    expect(counts.refused).toBeGreaterThanOrEqual(398);
  });

  it('400 Blobs of 512 KiB: refused when sent, not after they were read', async () => {
    const { ws } = await nonReaderOf(limits);
    const { counts, callback } = outcomes();
    const blob = new Blob([new Uint8Array(PAYLOAD)]);
    for (let i = 0; i < 400; i++) ws.send(blob, callback);
    const waiting = ws.bufferedAmount;
    await settle();
    console.log(
      `[backpressure] send(Blob) 400 × 512 KiB: ${counts.refused} refused at once, ${(waiting / MIB).toFixed(1)} MiB waiting`,
    );
    expect(waiting).toBeLessThanOrEqual(1 * MIB);
    expect(counts.refused).toBeGreaterThanOrEqual(398);
  });

  it('400 sends behind a streamed message still going out: refused past the limit while they wait', async () => {
    const { ws } = await nonReaderOf(limits);
    const { counts, callback } = outcomes();
    // A streamed message that has sent one 64 KiB piece and waits for more.
    const source = new Readable({ read() {} });
    source.push(PAYLOAD.subarray(0, 64 * KIB));
    const streamed = ws.sendStream(source, { binary: true });
    streamed.catch(() => {});
    await settle();
    for (let i = 0; i < 400; i++) ws.send(PAYLOAD, { binary: true }, callback);
    const waiting = ws.bufferedAmount;
    await settle();
    const refusedWhileWaiting = counts.refused;
    source.push(null);
    await within(streamed, 'the streamed message to end');
    for (let i = 0; i < 20; i++) await settle();
    console.log(
      `[backpressure] 400 × 512 KiB behind a stream: ${refusedWhileWaiting} refused while waiting, ${counts.refused} in all; ${(waiting / MIB).toFixed(1)} MiB waiting`,
    );
    expect(waiting).toBeLessThanOrEqual(1 * MIB);
    expect(refusedWhileWaiting).toBeGreaterThanOrEqual(398);
  });
});

describe('the publish cap (16 MiB when maxBackpressure is unset), permessage-deflate, a subscriber that never reads', () => {
  for (const how of ['publish', 'broadcast', 'publish behind a stream'] as const) {
    it(`${PUBLISHES} × ${how}(1 MiB, { compress: true }): at most 16 MiB waits, then the policy closes the subscriber (1008)`, async () => {
      const { wss, ws } = await nonReaderOf({});
      ws.subscribe('prices');
      const message = patternBytes(1 * MIB, how);
      if (how === 'publish behind a stream') {
        // A streamed message that waits for more: every publish waits behind it.
        const source = new Readable({ read() {} });
        source.push(PAYLOAD.subarray(0, 64 * KIB));
        ws.sendStream(source, { binary: true }).catch(() => {});
        await settle();
      }
      let peak = 0;
      for (let i = 0; i < PUBLISHES; i++) {
        if (how === 'broadcast') wss.broadcast(message, { binary: true, compress: true });
        else wss.publish('prices', message, { binary: true, compress: true });
        peak = Math.max(peak, ws.bufferedAmount);
      }
      console.log(
        `[backpressure] ${PUBLISHES} × ${how} 1 MiB compressed: ${(peak / MIB).toFixed(1)} MiB waiting at most`,
      );
      expect(peak).toBeLessThanOrEqual(16 * MIB);
      // The default policy: the subscriber that did not keep up is closed with 1008.
      expect(ws.readyState).toBe(ws.CLOSING);
    });
  }
});
