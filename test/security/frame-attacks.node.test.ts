// Attacks with frames, over real sockets against a server in its own process: lengths beyond maxPayload
// with no data behind them, huge frames sent slowly by many peers, floods of empty and one-byte fragments,
// fragment counts past maxFragments, and compression bombs (also one that reaches the limit exactly in its
// first fragment). After each attack the server must still echo for a normal client (the ws package), and
// its memory must have grown by less than 64 MiB. Pings from a peer that never reads: ping-flood.measured.node.test.ts.

import { constants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../support/waits.ts';
import { baselineOf, expectHealthy, MEMORY_GROWTH_LIMIT } from './support/health.ts';
import { clientFrame, declaredLengthHeader, Op, RawClient } from './support/raw-client.ts';
import { type Memory, ServerProcess, stopAllServers } from './support/server-process.ts';

const MIB = 1024 * 1024;
const DEFAULT_MAX_PAYLOAD = 100 * MIB;

afterAll(stopAllServers);

/** n frames of one shape, masked with one fixed key, in one buffer: fast to build in the millions. */
function repeatedFrames(count: number, byte0: number, payloadOf: ((i: number) => number) | null): Buffer {
  const key = [0x37, 0xfa, 0x21, 0x3d];
  const size = payloadOf === null ? 6 : 7;
  const out = Buffer.alloc(count * size);
  for (let i = 0, at = 0; i < count; i++, at += size) {
    out[at] = byte0;
    out[at + 1] = 0x80 | (payloadOf === null ? 0 : 1);
    out[at + 2] = key[0];
    out[at + 3] = key[1];
    out[at + 4] = key[2];
    out[at + 5] = key[3];
    if (payloadOf !== null) out[at + 6] = payloadOf(i) ^ key[0];
  }
  return out;
}

/** Writes `bytes` in 64 KiB writes, waiting for 'drain' when the socket asks (a well-behaved sender). */
async function writeAll(client: RawClient, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    if (!client.write(bytes.subarray(at, at + 64 * 1024))) {
      await new Promise<void>((resolve) => {
        client.socket.once('drain', resolve);
        client.socket.once('close', resolve);
      });
    }
    if (client.closed) return;
  }
}

/**
 * A server process of its own for an attack whose memory is measured, so that what earlier attacks
 * left in the heap's high-water mark does not count against it.
 */
async function freshServer(): Promise<{ server: ServerProcess; baseline: Memory }> {
  const server = await ServerProcess.start(DEFAULT_LIMITS);
  return { server, baseline: await baselineOf(server) };
}

const DEFAULT_LIMITS = { closeTimeout: 200, handshakeTimeout: 1000 };

describe('frames against the default limits (maxPayload 100 MiB)', () => {
  let server: ServerProcess;
  let baseline: Memory;

  beforeAll(async () => {
    server = await ServerProcess.start(DEFAULT_LIMITS);
    baseline = await baselineOf(server);
  });

  // RFC 6455 section 5.2 and 7.4.1: a message too big for the receiver is refused with 1009 as soon as
  // its header says so; a length with the most significant bit set is a protocol error (1002).
  const lengths: Array<[string, bigint, number]> = [
    ['maxPayload + 1', BigInt(DEFAULT_MAX_PAYLOAD + 1), 1009],
    ['2^32', 2n ** 32n, 1009],
    ['2^40', 2n ** 40n, 1009],
    ['2^53 - 1', 2n ** 53n - 1n, 1009],
    ['2^53 (beyond exact integers)', 2n ** 53n, 1009],
    ['2^63 (most significant bit set)', 2n ** 63n, 1002],
    ['2^64 - 1', 2n ** 64n - 1n, 1002],
  ];
  for (const [name, length, code] of lengths) {
    it(`a 64-bit length of ${name} with no data behind it: closed with ${code} at once`, async () => {
      const client = await RawClient.upgrade(server.port);
      client.write(declaredLengthHeader(Op.BINARY, length));
      expect(await client.closeFrame()).toBe(code);
      // The server ends the connection after its close frame; it does not wait for the payload.
      await client.until(() => client.ended, 'the server to end the connection');
      client.destroy();
    });
  }

  it('after the lying lengths, and 200 more at once', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => RawClient.upgrade(server.port)));
    for (const client of clients) client.write(declaredLengthHeader(Op.TEXT, 2n ** 40n));
    const codes = await Promise.all(clients.map((client) => client.closeFrame()));
    expect(new Set(codes)).toEqual(new Set([1009]));
    for (const client of clients) client.destroy();
    await expectHealthy(server, baseline, '64-bit lengths beyond maxPayload');
  });

  it('30 peers each declaring a 90 MiB frame and sending 512 KiB of it: memory follows what was sent', async () => {
    const { server, baseline } = await freshServer();
    const clients = await Promise.all(Array.from({ length: 30 }, () => RawClient.upgrade(server.port)));
    const partial = Buffer.concat([declaredLengthHeader(Op.BINARY, BigInt(90 * MIB)), Buffer.alloc(512 * 1024, 0x5a)]);
    await Promise.all(clients.map((client) => writeAll(client, partial)));
    // Measured once the server has read what was sent, while the 30 frames are half-received: 2.7 GB
    // declared must not mean 2.7 GB held.
    let during = await server.memory();
    await until(
      async () => {
        during = await server.memory();
        return during.bytesRead >= clients.length * partial.length;
      },
      'the server to read every half-sent frame',
      { everyMs: 50, describe: () => `${during.bytesRead} bytes read` },
    );
    console.log(
      `[attack] 30 half-sent 90 MiB frames: ArrayBuffers ${((during.arrayBuffers - baseline.arrayBuffers) / MIB).toFixed(1)} MiB, RSS +${((during.rss - baseline.rss) / MIB).toFixed(1)} MiB while held`,
    );
    expect(during.arrayBuffers - baseline.arrayBuffers).toBeLessThan(MEMORY_GROWTH_LIMIT);
    expect(during.rss - baseline.rss).toBeLessThan(MEMORY_GROWTH_LIMIT);
    for (const client of clients) client.destroy();
    await expectHealthy(server, baseline, 'huge frames sent slowly');
    await server.stop();
  });

  it('a million empty fragments in one message: the message arrives whole, memory stays flat', async () => {
    const { server, baseline } = await freshServer();
    const client = await RawClient.upgrade(server.port);
    const messagesBefore = server.reportsOf('message').length;
    await writeAll(client, Buffer.from(clientFrame({ opcode: Op.TEXT, fin: false, payload: 'start' })));
    await writeAll(client, repeatedFrames(1_000_000, Op.CONTINUATION, null));
    await writeAll(client, Buffer.from(clientFrame({ opcode: Op.CONTINUATION, fin: true, payload: '-end' })));
    await client.until(() => client.frames.some((f) => f.opcode === Op.TEXT), 'the echo', 60_000);
    const echo = client.frames.find((f) => f.opcode === Op.TEXT);
    expect(echo?.payload.toString()).toBe('start-end');
    expect(
      server
        .reportsOf('message')
        .slice(messagesBefore)
        .map((r) => r.bytes),
    ).toEqual([9]);
    client.destroy();
    await expectHealthy(server, baseline, '1,000,000 empty fragments');
    await server.stop();
  });

  it('a million one-byte fragments: a 1 MB message echoed exactly', async () => {
    const { server, baseline } = await freshServer();
    const client = await RawClient.upgrade(server.port);
    const count = 1_000_000;
    const first = Buffer.from(clientFrame({ opcode: Op.BINARY, fin: false, payload: Uint8Array.of(0) }));
    const middle = repeatedFrames(count - 2, Op.CONTINUATION, (i) => (i + 1) & 0xff);
    const last = Buffer.from(
      clientFrame({ opcode: Op.CONTINUATION, fin: true, payload: Uint8Array.of((count - 1) & 0xff) }),
    );
    await writeAll(client, Buffer.concat([first, middle, last]));
    await client.until(() => client.frames.some((f) => f.opcode === Op.BINARY), 'the echo', 60_000);
    const echo = client.frames.find((f) => f.opcode === Op.BINARY)?.payload as Buffer;
    expect(echo.length).toBe(count);
    let wrong = 0;
    for (let i = 0; i < count; i++) if (echo[i] !== (i & 0xff)) wrong++;
    expect(wrong).toBe(0);
    client.destroy();
    await expectHealthy(server, baseline, '1,000,000 one-byte fragments');
    await server.stop();
  });

  it('a text message that is not UTF-8, a reserved opcode, an unmasked frame: 1007, 1002, 1002', async () => {
    const cases: Array<[Buffer, number]> = [
      [clientFrame({ opcode: Op.TEXT, payload: Uint8Array.of(0x61, 0xff, 0x62) }), 1007],
      [clientFrame({ opcode: 0x3, payload: 'x' }), 1002],
      [clientFrame({ opcode: Op.TEXT, payload: 'x', maskKey: undefined }), 1002],
      [clientFrame({ opcode: Op.PING, payload: new Uint8Array(126) }), 1002],
      [clientFrame({ opcode: Op.CONTINUATION, payload: 'x' }), 1002],
    ];
    for (const [frame, code] of cases) {
      const client = await RawClient.upgrade(server.port);
      client.write(frame);
      expect(await client.closeFrame()).toBe(code);
      client.destroy();
    }
    await expectHealthy(server, baseline, 'protocol violations');
  });
});

describe('maxFragments', () => {
  it('a message with more fragments than maxFragments is refused with 1008', async () => {
    const server = await ServerProcess.start({ maxFragments: 100 });
    const baseline = await baselineOf(server);
    const within = await RawClient.upgrade(server.port);
    within.write(clientFrame({ opcode: Op.TEXT, fin: false, payload: 'a' }));
    within.write(repeatedFrames(98, Op.CONTINUATION, () => 0x61));
    within.write(clientFrame({ opcode: Op.CONTINUATION, fin: true, payload: 'a' }));
    await within.until(() => within.frames.some((f) => f.opcode === Op.TEXT), 'the echo');
    expect(within.frames.find((f) => f.opcode === Op.TEXT)?.payload.toString()).toBe('a'.repeat(100));
    within.destroy();
    const over = await RawClient.upgrade(server.port);
    over.write(clientFrame({ opcode: Op.TEXT, fin: false, payload: 'a' }));
    over.write(repeatedFrames(1_000, Op.CONTINUATION, null));
    expect(await over.closeFrame()).toBe(1008);
    over.destroy();
    await expectHealthy(server, baseline, 'fragments past maxFragments');
    await server.stop();
  });
});

/** A compressed message as a peer sends it (RFC 7692 section 7.2.1): raw DEFLATE, sync flush, trailer removed. */
function deflated(bytes: Uint8Array, keepTrailer = false): Buffer {
  const out = deflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
  return keepTrailer ? out : out.subarray(0, out.length - 4);
}

for (const memory of ['dedicated', 'shared'] as const) {
  describe(`compression bombs (permessage-deflate, ${memory} zlib memory, maxPayload 1 MiB)`, () => {
    let server: ServerProcess;
    let baseline: Memory;

    beforeAll(async () => {
      server = await ServerProcess.start({ perMessageDeflate: { memory }, maxPayload: MIB, closeTimeout: 200 });
      baseline = await baselineOf(server);
    });

    it('16 MiB of zeros (16 KiB compressed) from a ws client: closed with 1009 while inflating', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      ws.send(Buffer.alloc(16 * MIB));
      expect(await closed).toBe(1009);
      await expectHealthy(server, baseline, `compression bomb (${memory})`);
    });

    it('a first fragment that inflates to exactly maxPayload, then a bomb: closed with 1009, nothing delivered', async () => {
      const client = await RawClient.upgrade(server.port, {
        'Sec-WebSocket-Extensions': 'permessage-deflate; client_no_context_takeover; server_no_context_takeover',
      });
      expect(client.responseHeader('Sec-WebSocket-Extensions')).toMatch(/^permessage-deflate/);
      const messagesBefore = server.reportsOf('message').length;
      // Fragment 1 ends on a sync flush (its trailer kept: the message goes on); fragment 2 starts new blocks.
      client.write(
        clientFrame({
          opcode: Op.BINARY,
          rsv: 0x40,
          fin: false,
          payload: deflated(new Uint8Array(MIB).fill(0x61), true),
        }),
      );
      client.write(clientFrame({ opcode: Op.CONTINUATION, fin: true, payload: deflated(new Uint8Array(64 * MIB)) }));
      expect(await client.closeFrame()).toBe(1009);
      expect(server.reportsOf('message').slice(messagesBefore)).toEqual([]);
      client.destroy();
      await expectHealthy(server, baseline, `bomb after an exact-limit fragment (${memory})`);
    });
  });
}
