// No stale bytes (DESIGN.md: "No byte from an earlier message may ever reach a later one through reused
// memory"): a 200 KiB message of 0xAA fills the WASM staging area, then many smaller messages of other
// bytes go through the same linear memory and must each come out exactly as sent. Checked for the
// sans-IO Connection fed chunks directly (both roles, with the Node transport's uninitialised Buffer
// allocation too), for outgoing masking, for the public FrameScanner, and end to end over loopback
// sockets, under the scalar and SIMD WASM builds (and JS, as the reference).

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket as PeerWebSocket } from 'ws';
import { parseFrameHeader } from '../../src/codec/api-header.ts';
import { FrameScanner } from '../../src/codec/api-scanner.ts';
import { setBackend } from '../../src/codec/backend.ts';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { allocateBuffer, copyToBuffer } from '../../src/node/platform.ts';
import { Connection, type ConnectionOptions } from '../../src/protocol/connection.ts';
import { encodeFrame } from '../support/frames.ts';
import { Random } from '../support/random.ts';

const BACKENDS = ['wasm-simd', 'wasm', 'js'] as const;
const LARGE_BYTES = 200 * 1024;
const STALE = 0xaa;
const SMALL_COUNT = 400;

afterAll(() => setBackend('auto'));

interface Message {
  isBinary: boolean;
  data: Uint8Array;
}

/** The large message of 0xAA, then small ones (0-300 bytes) whose bytes are all below 0x80: never 0xAA. */
function messages(seed: number): Message[] {
  const random = new Random(seed);
  const list: Message[] = [{ isBinary: true, data: new Uint8Array(LARGE_BYTES).fill(STALE) }];
  for (let n = 0; n < SMALL_COUNT; n++) {
    const length = n % 50 === 0 ? 0 : random.below(300);
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = 0x20 + ((n * 31 + i) % 0x5f);
    list.push({ isBinary: n % 3 !== 0, data });
  }
  return list;
}

/** The messages as frames; every fifth small message in 2-3 fragments (the assembler's path). */
function framesOf(list: readonly Message[], masked: boolean): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const key = () => (masked ? randomBytes(4) : undefined);
  list.forEach((message, n) => {
    const opcode = message.isBinary ? 2 : 1;
    if (n % 5 !== 4 || message.data.length < 3) {
      frames.push(encodeFrame({ opcode, payload: message.data, maskKey: key() }));
      return;
    }
    const third = Math.floor(message.data.length / 3);
    frames.push(encodeFrame({ opcode, fin: false, payload: message.data.subarray(0, third), maskKey: key() }));
    frames.push(
      encodeFrame({ opcode: 0, fin: false, payload: message.data.subarray(third, 2 * third), maskKey: key() }),
    );
    frames.push(encodeFrame({ opcode: 0, payload: message.data.subarray(2 * third), maskKey: key() }));
  });
  return frames;
}

/** A copy that owns its bytes (Buffer's own slice would be a view). */
const copy = (bytes: Uint8Array) => new Uint8Array(bytes);

/** Ways a socket might deliver the frames: each its own chunk, all at once, the large one with the next few, random cuts. */
function chunkings(frames: readonly Uint8Array[], seed: number): Array<[string, Uint8Array[]]> {
  const all = Buffer.concat(frames);
  const random = new Random(seed);
  const cuts: Uint8Array[] = [];
  for (let at = 0; at < all.length; ) {
    const size = 1 + random.below(at < LARGE_BYTES ? 70_000 : 900);
    cuts.push(copy(all.subarray(at, at + size)));
    at += size;
  }
  return [
    ['one frame per chunk', frames.map(copy)],
    ['everything in one chunk', [copy(all)]],
    [
      'the large frame with the next ones, then 4 KiB chunks',
      [copy(Buffer.concat(frames.slice(0, 10))), ...split(Buffer.concat(frames.slice(10)), 4096)],
    ],
    ['random cuts', cuts],
  ];
}

function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(copy(bytes.subarray(at, at + size)));
  return out;
}

/** Receives the chunks on a Connection and returns the messages it delivered (copied at once). */
function receiveAll(chunks: readonly Uint8Array[], options: ConnectionOptions): Message[] {
  const received: Message[] = [];
  const failures: string[] = [];
  const connection = new Connection(options, {
    write() {},
    message: (data, isBinary) => received.push({ isBinary, data: Uint8Array.from(data) }),
    ping() {},
    pong() {},
    closed() {},
    failed: (error) => failures.push(error.message),
  });
  for (const chunk of chunks) connection.receive(chunk);
  expect(failures).toEqual([]);
  return received;
}

/** Compares message by message, reporting the first one that differs, and how (any 0xAA byte in it?). */
function expectSameMessages(received: readonly Message[], sent: readonly Message[], what: string): void {
  expect(received.length, `${what}: message count`).toBe(sent.length);
  for (let n = 0; n < sent.length; n++) {
    const got = Buffer.from(received[n].data);
    const want = Buffer.from(sent[n].data);
    if (got.equals(want) && received[n].isBinary === sent[n].isBinary) continue;
    const stale = n > 0 && got.includes(STALE);
    throw new Error(
      `${what}: message ${n} differs (${got.length} bytes vs ${want.length}${stale ? ', carries 0xAA from the large message' : ''})`,
    );
  }
}

describe.each(BACKENDS)('no stale bytes (%s)', (backend) => {
  const list = messages(7);

  it('the Connection, server role, default and Node Buffer allocation, every chunking', () => {
    setBackend(backend);
    for (const [name, chunks] of chunkings(framesOf(list, true), 11)) {
      // Copies first: a reader may unmask its input in place.
      const chunksAgain = chunks.map(copy);
      expectSameMessages(receiveAll(chunks, { role: 'server' }), list, `server, ${name}`);
      expectSameMessages(
        receiveAll(chunksAgain, { role: 'server', allocate: allocateBuffer, copyBytes: copyToBuffer }),
        list,
        `server with Buffer.allocUnsafe, ${name}`,
      );
    }
  });

  it('the Connection, client role, every chunking', () => {
    setBackend(backend);
    for (const [name, chunks] of chunkings(framesOf(list, false), 13)) {
      expectSameMessages(
        receiveAll(chunks, { role: 'client', allocate: allocateBuffer, copyBytes: copyToBuffer }),
        list,
        `client, ${name}`,
      );
    }
  });

  it('outgoing masking: what a client writes unmasks to exactly what it sent', () => {
    setBackend(backend);
    const written: Uint8Array[] = [];
    const connection = new Connection(
      { role: 'client', allocate: allocateBuffer },
      {
        write: (parts) => written.push(Buffer.concat(parts)),
        message() {},
        ping() {},
        pong() {},
        closed() {},
        failed() {},
      },
    );
    for (const message of list) connection.send(message.data, { binary: message.isBinary });
    const unmasked: Message[] = written.map((frame) => {
      const header = parseFrameHeader(frame, 0);
      if (header === null || header.maskKey === null) throw new Error('a client frame must be whole and masked');
      const payload = Uint8Array.prototype.slice.call(frame, header.headerLength);
      for (let i = 0; i < payload.length; i++) payload[i] ^= header.maskKey[i & 3];
      return { isBinary: header.opcode === 2, data: payload };
    });
    expectSameMessages(unmasked, list, 'outgoing');
  });

  it('FrameScanner: one buffer with everything, then each small frame in a buffer of its own', () => {
    setBackend(backend);
    const whole = list.map((m) => ({ isBinary: m.isBinary, data: m.data }));
    const frames = list.map((m) =>
      encodeFrame({ opcode: m.isBinary ? 2 : 1, payload: m.data, maskKey: randomBytes(4) }),
    );
    const scanner = new FrameScanner({ role: 'server' });
    const all = Buffer.concat(frames);
    const result = scanner.scan(all);
    expect(result.error).toBeNull();
    const scanned: Message[] = [];
    for (let i = 0; i < result.count; i++) {
      const [offset, length, byte0] = result.frames.subarray(i * 4, i * 4 + 3);
      scanned.push({ isBinary: (byte0 & 0x0f) === 2, data: all.subarray(offset, offset + length) });
    }
    expectSameMessages(scanned, whole, 'FrameScanner, one buffer');
    // The large frame alone first (it fills staging), then small buffers reuse the same linear memory.
    const separate: Message[] = [];
    for (const frame of frames) {
      const own = copy(frame);
      const each = scanner.scan(own);
      expect(each.count).toBe(1);
      const [offset, length, byte0] = each.frames;
      separate.push({ isBinary: (byte0 & 0x0f) === 2, data: own.subarray(offset, offset + length) });
    }
    expectSameMessages(separate, whole, 'FrameScanner, one buffer per frame');
  });
});

describe.each(['wasm-simd', 'wasm'] as const)('no stale bytes over loopback sockets (%s)', (backend) => {
  let server: WebSocketServer | null = null;

  afterEach(async () => {
    const closing = server;
    server = null;
    if (closing !== null) await closing.shutdown({ timeoutMs: 1000 });
  });

  async function echoServer(): Promise<number> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server = wss;
    wss.on('connection', (ws) =>
      ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })),
    );
    await once(wss, 'listening');
    return (wss.address() as { port: number }).port;
  }

  /**
   * The part of ws's API roundTrip uses, which our WebSocket and the ws package's both have (a union of
   * the two would not be callable: both declare per-event listener signatures).
   */
  interface EchoPeer {
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
    on(event: 'close', listener: (code: number) => void): unknown;
    send(data: Uint8Array | string, options: { binary: boolean }): unknown;
  }

  /** Sends every message, then collects as many echoes (bounded by the test timeout). */
  async function roundTrip(ws: EchoPeer, list: readonly Message[]): Promise<Message[]> {
    const received: Message[] = [];
    const all = new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        received.push({ isBinary, data: Uint8Array.from(data) });
        if (received.length === list.length) resolve();
      });
      ws.on('close', (code: number) => reject(new Error(`closed with ${code} after ${received.length} echoes`)));
    });
    for (const message of list)
      ws.send(message.isBinary ? message.data : Buffer.from(message.data).toString('latin1'), {
        binary: message.isBinary,
      });
    await all;
    return received;
  }

  it('our client to our server and back: every echo exact', async () => {
    setBackend(backend);
    const port = await echoServer();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const list = messages(21);
    expectSameMessages(await roundTrip(ws, list), list, 'our client ↔ our server');
    ws.close(1000);
    await once(ws, 'close');
  });

  it('the ws client to our server and back: every echo exact', async () => {
    setBackend(backend);
    const port = await echoServer();
    const ws = new PeerWebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const list = messages(23);
    expectSameMessages(await roundTrip(ws, list), list, 'ws client ↔ our server');
    ws.close(1000);
    await once(ws, 'close');
  });
});
