// Automatic pongs while the transport's writes are backed up (Connection.holdPongs / releasePongs): RFC 6455
// section 5.5.3 lets an endpoint answer only the most recent of several pings it has not answered yet, so
// however many pings arrive meanwhile, one pong waits, and it answers the latest.

import { describe, expect, it } from 'vitest';
import { parseFrameHeader } from '../../src/codec/api-header.ts';
import { setBackend } from '../../src/codec/backend.ts';
import { concatBytes, encodeFrame } from '../support/frames.ts';
import { harness, text } from './connection-harness.ts';

const KEY = Uint8Array.of(0x11, 0x22, 0x33, 0x44);
const PING = 0x9;
const PONG = 0xa;
const CLOSE = 0x8;

/** The frames a connection wrote, unmasked. */
function framesOf(written: Uint8Array[]): { opcode: number; masked: boolean; payload: string }[] {
  const bytes = concatBytes(...written);
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    const header = parseFrameHeader(bytes, at);
    if (header === null) throw new Error('truncated frame');
    const start = at + header.headerLength;
    const payload = bytes.slice(start, start + header.payloadLength);
    if (header.maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= header.maskKey[i & 3];
    frames.push({ opcode: header.opcode, masked: header.masked, payload: text(payload) });
    at = start + header.payloadLength;
  }
  return frames;
}

const pingFromClient = (payload: string) => encodeFrame({ opcode: PING, payload, maskKey: KEY });
const payloadOf = (index: number) => `ping ${index} `.padEnd(125, '.');

for (const backend of ['js', 'wasm-simd'] as const) {
  describe(`pongs while the transport is backed up (${backend} codec)`, () => {
    it('1000 pings while held: every ping reported, no pong; on release one pong, for the latest', () => {
      setBackend(backend);
      const { connection, events, written } = harness({ role: 'server' });
      connection.holdPongs();
      const stream = concatBytes(...Array.from({ length: 1000 }, (_, i) => pingFromClient(payloadOf(i))));
      for (let at = 0; at < stream.length; at += 65536) connection.receive(stream.slice(at, at + 65536));
      expect(events.filter((e) => e.kind === 'ping')).toHaveLength(1000);
      expect(written).toEqual([]);
      connection.releasePongs();
      expect(framesOf(written)).toEqual([{ opcode: PONG, masked: false, payload: payloadOf(999) }]);
      // Released: the next ping is answered at once again.
      connection.receive(pingFromClient('after'));
      expect(framesOf(written).map((f) => f.payload)).toEqual([payloadOf(999), 'after']);
    });

    it('the waiting pong keeps its own copy: a caller that reuses its receive buffer does not change it', () => {
      setBackend(backend);
      const { connection, written } = harness({ role: 'server' });
      connection.holdPongs();
      const buffer = pingFromClient('the latest ping');
      connection.receive(buffer);
      buffer.fill(0x58);
      connection.releasePongs();
      expect(framesOf(written)).toEqual([{ opcode: PONG, masked: false, payload: 'the latest ping' }]);
    });
  });
}

describe('pongs while the transport is backed up', () => {
  it('not held: each ping is answered at once, in order', () => {
    const { connection, written } = harness({ role: 'server' });
    for (const payload of ['a', 'b', 'c']) connection.receive(pingFromClient(payload));
    expect(framesOf(written).map((f) => [f.opcode, f.payload])).toEqual([
      [PONG, 'a'],
      [PONG, 'b'],
      [PONG, 'c'],
    ]);
  });

  it('a pong still held when our close frame goes out is never sent (nothing follows a close frame)', () => {
    const { connection, written } = harness({ role: 'server' });
    connection.holdPongs();
    connection.receive(pingFromClient('too late'));
    connection.close(1000, 'bye');
    connection.releasePongs();
    expect(framesOf(written).map((f) => f.opcode)).toEqual([CLOSE]);
  });

  it('a client masks the pong it sends for the latest ping', () => {
    const { connection, written } = harness({ role: 'client' });
    connection.holdPongs();
    for (const payload of ['first', 'second']) connection.receive(encodeFrame({ opcode: PING, payload }));
    connection.releasePongs();
    expect(framesOf(written)).toEqual([{ opcode: PONG, masked: true, payload: 'second' }]);
  });

  it('with autoPong off nothing is answered, held or not', () => {
    const { connection, events, written } = harness({ role: 'server', autoPong: false });
    connection.holdPongs();
    connection.receive(pingFromClient('x'));
    connection.releasePongs();
    connection.receive(pingFromClient('y'));
    expect(events.map((e) => e.kind)).toEqual(['ping', 'ping']);
    expect(written).toEqual([]);
  });
});
