// The sans-IO connection: messages, control frames, the closing handshake and failures, fed bytes the
// way a socket would deliver them.

import { describe, expect, it } from 'vitest';
import { parseFrameHeader } from '../../src/codec/api-header.ts';
import { setBackend } from '../../src/codec/backend.ts';
import { encodeClosePayload } from '../../src/protocol/connection.ts';
import { concatBytes, encodeFrame } from '../support/frames.ts';
import { Random } from '../support/random.ts';
import { harness, text } from './connection-harness.ts';

const KEY = Uint8Array.of(0x11, 0x22, 0x33, 0x44);
const fromClient = (frame: Parameters<typeof encodeFrame>[0]) => encodeFrame({ maskKey: KEY, ...frame });

/** Decodes frames a connection wrote (unmasking client frames). */
function framesOf(bytes: Uint8Array): { opcode: number; fin: boolean; rsv1: boolean; payload: Uint8Array }[] {
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    const header = parseFrameHeader(bytes, at);
    if (header === null) throw new Error('truncated frame');
    const start = at + header.headerLength;
    const payload = bytes.slice(start, start + header.payloadLength);
    if (header.maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= header.maskKey[i & 3];
    frames.push({ opcode: header.opcode, fin: header.fin, rsv1: header.rsv1, payload });
    at = start + header.payloadLength;
  }
  return frames;
}

for (const backend of ['js', 'wasm-simd'] as const) {
  describe(`connection (${backend} codec)`, () => {
    it('delivers text and binary messages, fragmented or not, fed in any chunk size', () => {
      setBackend(backend);
      const random = new Random(11);
      const big = random.bytes(300_000);
      const stream = concatBytes(
        fromClient({ opcode: 1, payload: 'hello' }),
        fromClient({ opcode: 2, payload: big }),
        fromClient({ opcode: 1, fin: false, payload: 'frag' }),
        fromClient({ opcode: 9, payload: 'in between' }),
        fromClient({ opcode: 0, fin: false, payload: '' }),
        fromClient({ opcode: 0, payload: 'mented ✓' }),
      );
      for (const size of [1, 7, 1000, 65536, stream.length]) {
        const { connection, events, written } = harness({ role: 'server' });
        for (let at = 0; at < stream.length; at += size) connection.receive(stream.slice(at, at + size));
        expect(events.map((e) => e.kind)).toEqual(['message', 'message', 'ping', 'message']);
        expect(text(events[0].data)).toBe('hello');
        expect(events[0].isBinary).toBe(false);
        expect(events[1].isBinary).toBe(true);
        expect(Buffer.compare(events[1].data as Uint8Array, big)).toBe(0);
        expect(text(events[3].data)).toBe('fragmented ✓');
        // The ping was answered with a pong carrying its payload, unmasked from a server.
        const pong = framesOf(concatBytes(...written));
        expect(pong).toHaveLength(1);
        expect(pong[0].opcode).toBe(0xa);
        expect(text(pong[0].payload)).toBe('in between');
      }
    });

    it('echoes a close frame with its code and reason, and reports it', () => {
      setBackend(backend);
      const { connection, events, written } = harness({ role: 'server' });
      connection.receive(fromClient({ opcode: 8, payload: encodeClosePayload(4001, 'bye') }));
      expect(events).toEqual([{ kind: 'closed', code: 4001, reason: 'bye' }]);
      const [echo] = framesOf(written[0]);
      expect(echo.opcode).toBe(8);
      expect(Array.from(echo.payload)).toEqual(Array.from(encodeClosePayload(4001, 'bye')));
      expect(connection.readyState).toBe(3);
    });

    it('reports 1005 for an empty close frame and answers with an empty one', () => {
      setBackend(backend);
      const { connection, events, written } = harness({ role: 'client' });
      connection.receive(encodeFrame({ opcode: 8 }));
      expect(events[0]).toMatchObject({ kind: 'closed', code: 1005, reason: '' });
      expect(framesOf(written[0])[0].payload.length).toBe(0);
    });

    it('fails with the right code for bad close frames, without echoing them', () => {
      setBackend(backend);
      const cases: [Uint8Array, number][] = [
        [Uint8Array.of(0x03), 1002],
        [Uint8Array.of(0x03, 0xed), 1002], // 1005 may not be sent
        [Uint8Array.of(0x03, 0xe8, 0xff), 1007],
        [Uint8Array.of(0x00, 0x00), 1002],
      ];
      for (const [payload, code] of cases) {
        const { connection, events, written } = harness({ role: 'server' });
        connection.receive(fromClient({ opcode: 8, payload }));
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ kind: 'failed', code });
        const [close] = framesOf(written[0]);
        expect((close.payload[0] << 8) | close.payload[1]).toBe(code);
      }
    });

    it('ignores everything after the peer closed', () => {
      setBackend(backend);
      const { connection, events } = harness({ role: 'server' });
      connection.receive(
        concatBytes(fromClient({ opcode: 8 }), fromClient({ opcode: 1, payload: 'late' }), Uint8Array.of(0xff, 0xff)),
      );
      expect(events.map((e) => e.kind)).toEqual(['closed']);
    });

    it('refuses a message over maxPayload with 1009 before its payload arrives', () => {
      setBackend(backend);
      const { connection, events } = harness({ role: 'server', maxPayload: 1000 });
      const frame = fromClient({ opcode: 2, payload: new Uint8Array(5000) });
      connection.receive(frame.subarray(0, 20));
      expect(events[0]).toMatchObject({ kind: 'failed', code: 1009 });
      const across = harness({ role: 'server', maxPayload: 1000 });
      across.connection.receive(
        concatBytes(
          fromClient({ opcode: 2, fin: false, payload: new Uint8Array(600) }),
          fromClient({ opcode: 0, payload: new Uint8Array(600) }),
        ),
      );
      expect(across.events[0]).toMatchObject({ kind: 'failed', code: 1009 });
    });

    it('assembles a message of very many tiny fragments within maxPayload', () => {
      setBackend(backend);
      const { connection, events } = harness({ role: 'server', maxPayload: 100_000 });
      const parts = [fromClient({ opcode: 1, fin: false, payload: 'a' })];
      for (let i = 0; i < 30_000; i++) parts.push(fromClient({ opcode: 0, fin: false, payload: i % 2 ? 'b' : '' }));
      parts.push(fromClient({ opcode: 0, payload: 'c' }));
      connection.receive(concatBytes(...parts));
      expect(events).toHaveLength(1);
      expect(text(events[0].data)).toBe(`a${'b'.repeat(15_000)}c`);
    });

    it('sends masked frames as a client with fresh keys, and fragments on request', () => {
      setBackend(backend);
      const { connection, written } = harness({ role: 'client' });
      connection.send(new TextEncoder().encode('one'), { binary: false });
      connection.send(new TextEncoder().encode('one'), { binary: false });
      connection.send(Uint8Array.of(1, 2), { binary: true, fin: false });
      connection.send(Uint8Array.of(3), { binary: true, fin: true });
      const headers = written.map((bytes) => parseFrameHeader(bytes));
      expect(headers.every((h) => h?.masked)).toBe(true);
      expect(Array.from(headers[0]?.maskKey ?? [])).not.toEqual(Array.from(headers[1]?.maskKey ?? []));
      const frames = written.flatMap(framesOf);
      expect(frames.map((f) => [f.opcode, f.fin])).toEqual([
        [1, true],
        [1, true],
        [2, false],
        [0, true],
      ]);
      expect(text(frames[0].payload)).toBe('one');
    });

    it('throws on sends after close and on invalid close codes and reasons', () => {
      setBackend(backend);
      const { connection } = harness({ role: 'server' });
      expect(() => connection.close(1005)).toThrow(TypeError);
      expect(() => connection.close(1000, 'x'.repeat(124))).toThrow(RangeError);
      expect(() => connection.ping(new Uint8Array(126))).toThrow(RangeError);
      connection.close(1000);
      expect(() => connection.send(new Uint8Array(1), { binary: true })).toThrow(/not open/);
    });

    it('lets a handler send while a chunk of many messages is delivered, without corrupting them', () => {
      setBackend(backend);
      const random = new Random(12);
      const messages = Array.from({ length: 200 }, (_, i) => random.bytes(20 + (i % 50)));
      const stream = concatBytes(...messages.map((payload) => fromClient({ opcode: 2, payload })));
      const other = harness({ role: 'client' });
      const received: Uint8Array[] = [];
      const { connection } = harness({ role: 'server' });
      // Re-entrant work on another connection (client masking goes through the same WASM staging area).
      (connection as unknown as { handler: { message: (d: Uint8Array) => void } }).handler.message = (data) => {
        other.connection.send(random.bytes(5000), { binary: true });
        received.push(data.slice());
      };
      connection.receive(stream);
      expect(received).toHaveLength(200);
      received.forEach((data, i) => {
        expect(Buffer.compare(data, messages[i])).toBe(0);
      });
    });
  });
}

describe('connection with streamMessages', () => {
  for (const backend of ['js', 'wasm-simd'] as const) {
    it(`delivers a large frame in parts as its bytes arrive, never whole (${backend})`, () => {
      setBackend(backend);
      const parts: { size: number; first: boolean; last: boolean; isBinary: boolean }[] = [];
      const bytes: Uint8Array[] = [];
      const { connection } = harness({ role: 'server', streamMessages: true, maxPayload: 0 });
      (connection as unknown as { handler: Record<string, unknown> }).handler.messagePart = (
        data: Uint8Array,
        isBinary: boolean,
        first: boolean,
        last: boolean,
      ) => {
        parts.push({ size: data.length, first, last, isBinary });
        bytes.push(data.slice());
      };
      const random = new Random(13);
      const payload = random.bytes(1_000_000);
      const frame = concatBytes(
        fromClient({ opcode: 2, fin: false, payload: payload.subarray(0, 400_000) }),
        fromClient({ opcode: 0, payload: payload.subarray(400_000) }),
      );
      for (let at = 0; at < frame.length; at += 65536) connection.receive(frame.slice(at, at + 65536));
      expect(parts.length).toBeGreaterThan(10);
      expect(Math.max(...parts.map((p) => p.size))).toBeLessThanOrEqual(65536);
      expect(parts[0].first).toBe(true);
      expect(parts.slice(1).every((p) => !p.first)).toBe(true);
      expect(parts.at(-1)?.last).toBe(true);
      expect(parts.slice(0, -1).every((p) => !p.last)).toBe(true);
      expect(parts.every((p) => p.isBinary)).toBe(true);
      expect(Buffer.compare(concatBytes(...bytes), payload)).toBe(0);
    });

    it(`fails fast on invalid UTF-8 in a streamed text frame (${backend})`, () => {
      setBackend(backend);
      const { connection, events } = harness({ role: 'server', streamMessages: true });
      const text = new Uint8Array(200_000).fill(0x61);
      text[150_000] = 0xff;
      const frame = fromClient({ opcode: 1, payload: text });
      connection.receive(frame.slice(0, 100_000));
      expect(events).toHaveLength(0);
      connection.receive(frame.slice(100_000, 160_000));
      expect(events[0]).toMatchObject({ kind: 'failed', code: 1007 });
    });
  }
});
