// The connection's life as one state (ConnectionState in src/protocol/connection.ts): what readyState and
// canSend say in each, what each move writes, and that nothing is written after a close frame or once
// sending has stopped. Also send's options object, and NowOrLater, the "finished now or later" wait of
// compression and inflation.

import { describe, expect, it } from 'vitest';
import { parseFrameHeader } from '../../src/codec/api-header.ts';
import { type DeflateCodec, InflateLimitError } from '../../src/protocol/deflate-codec.ts';
import { NowOrLater } from '../../src/protocol/now-or-later.ts';
import { concatBytes, encodeFrame } from '../support/frames.ts';
import { harness, text } from './connection-harness.ts';

const KEY = Uint8Array.of(0x11, 0x22, 0x33, 0x44);
const fromClient = (frame: Parameters<typeof encodeFrame>[0]) => encodeFrame({ maskKey: KEY, ...frame });
const closeFrom = (code: number, reason = '') =>
  fromClient({
    opcode: 0x8,
    payload: concatBytes(Uint8Array.of(code >> 8, code & 0xff), new TextEncoder().encode(reason)),
  });

/** The frames written, unmasked; a close frame's payload as its code and reason ('1000 bye'). */
function framesOf(written: Uint8Array[]): { opcode: number; fin: boolean; rsv1: boolean; payload: string }[] {
  const bytes = concatBytes(...written);
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    const header = parseFrameHeader(bytes, at, { allowedRsvBits: 0x40 });
    if (header === null) throw new Error('truncated frame');
    const start = at + header.headerLength;
    const payload = bytes.slice(start, start + header.payloadLength);
    if (header.maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= header.maskKey[i & 3];
    const shown =
      header.opcode === 0x8 && payload.length >= 2
        ? `${(payload[0] << 8) | payload[1]} ${text(payload.subarray(2))}`
        : text(payload);
    frames.push({ opcode: header.opcode, fin: header.fin, rsv1: header.rsv1, payload: shown });
    at = start + header.payloadLength;
  }
  return frames;
}

/** A codec that answers compress() later, when release() is called; decompress passes bytes through. */
function laterCodec() {
  const pending: (() => void)[] = [];
  const codec: DeflateCodec = {
    compress: (data, _fin, callback) => pending.push(() => callback(null, [data.slice()])),
    decompress: (data, _fin, limit, callback) =>
      limit > 0 && data.length > limit ? callback(new InflateLimitError('too big'), []) : callback(null, [data]),
    dispose: () => {},
  };
  return {
    codec,
    /** Answers every compression waiting, and those its answers start (bounded: a few per test). */
    release() {
      for (let round = 0; round < 100 && pending.length > 0; round++) {
        for (const answer of pending.splice(0)) answer();
      }
    },
  };
}

describe('the connection state', () => {
  it('close(): CLOSING, nothing more may be sent, a second close writes nothing; the peer’s close: CLOSED', () => {
    const { connection, events, written } = harness({ role: 'server' });
    expect([connection.readyState, connection.canSend]).toEqual([1, true]);
    connection.close(1000, 'bye');
    expect([connection.readyState, connection.canSend]).toEqual([2, false]);
    connection.close(1001);
    expect(() => connection.send(new Uint8Array(1), { binary: true })).toThrow(/not open: readyState 2/);
    expect(() => connection.ping()).toThrow(/not open/);
    connection.receive(closeFrom(1000, 'ok'));
    expect(connection.readyState).toBe(3);
    expect([connection.closeCode, connection.closeReason]).toEqual([1000, 'ok']);
    expect(events).toEqual([{ kind: 'closed', code: 1000, reason: 'ok' }]);
    // Our close frame only: the peer's close is not echoed again.
    expect(framesOf(written)).toEqual([{ opcode: 0x8, fin: true, rsv1: false, payload: '1000 bye' }]);
  });

  it('the peer’s close first: CLOSED at once, its code echoed once, and close() then writes nothing', () => {
    const { connection, written } = harness({ role: 'server' });
    expect([connection.closeCode, connection.closeReason]).toEqual([1006, '']);
    connection.receive(closeFrom(4000, 'going'));
    expect(connection.readyState).toBe(3);
    connection.close(1000);
    expect(framesOf(written)).toEqual([{ opcode: 0x8, fin: true, rsv1: false, payload: '4000 going' }]);
  });

  it('stopSending(): still OPEN for readyState, but nothing is written any more, not even an answer', () => {
    const { connection, events, written } = harness({ role: 'server' });
    connection.stopSending();
    expect([connection.readyState, connection.canSend]).toEqual([1, false]);
    connection.receive(
      concatBytes(fromClient({ opcode: 0x9, payload: 'ping' }), fromClient({ opcode: 1, payload: 'hi' })),
    );
    connection.close(1000);
    expect(written).toEqual([]);
    // What arrives is still delivered, the peer's close included; no echo goes out.
    connection.receive(closeFrom(1000));
    expect(connection.readyState).toBe(3);
    expect(events.map((e) => e.kind)).toEqual(['ping', 'message', 'closed']);
    expect(written).toEqual([]);
  });

  it('a protocol error: CLOSED, one close frame with its code, and close(), terminate() after it write nothing', () => {
    const { connection, events, written } = harness({ role: 'server' });
    connection.receive(fromClient({ opcode: 0x3 }));
    expect(connection.readyState).toBe(3);
    expect(events.map((e) => [e.kind, e.code])).toEqual([['failed', 1002]]);
    connection.close(1000);
    connection.terminate();
    connection.terminate();
    expect(framesOf(written).map((f) => f.opcode)).toEqual([0x8]);
  });

  it('terminate() after a clean close, and again: CLOSED, nothing written', () => {
    const { connection, written } = harness({ role: 'client' });
    connection.close(1000);
    connection.receive(encodeFrame({ opcode: 0x8, payload: Uint8Array.of(0x03, 0xe8) }));
    connection.terminate();
    connection.terminate();
    expect(connection.readyState).toBe(3);
    expect(framesOf(written).map((f) => f.opcode)).toEqual([0x8]);
  });

  it('a frame queued behind compression is dropped when the connection fails, and its caller told', () => {
    const later = laterCodec();
    const discarded: unknown[] = [];
    const { connection, written } = harness({
      role: 'server',
      deflate: { codec: later.codec, threshold: 0, takesPrecompressed: false },
    });
    Object.assign((connection as unknown as { handler: object }).handler, {
      discarded: (done: unknown) => discarded.push(done),
    });
    connection.send(new TextEncoder().encode('compressed'), { binary: false }, 'first');
    connection.receive(fromClient({ opcode: 0x3 }));
    later.release();
    expect(discarded).toEqual(['first']);
    expect(framesOf(written).map((f) => f.opcode)).toEqual([0x8]);
  });
});

describe('send options', () => {
  it('an options object that is not one is a TypeError saying what to pass', () => {
    const { connection } = harness({ role: 'server' });
    for (const wrong of [true, undefined, null, 'binary']) {
      expect(() => connection.send(new Uint8Array(1), wrong as never)).toThrow(TypeError);
      expect(() => connection.send(new Uint8Array(1), wrong as never)).toThrow(/send options must be an object/);
    }
  });

  it('one options object reused for every call: each frame keeps what the object said when it was sent', () => {
    const later = laterCodec();
    const { connection, written } = harness({
      role: 'server',
      deflate: { codec: later.codec, threshold: 4, takesPrecompressed: false },
    });
    const options = { binary: false, fin: true, mask: false, compress: true };
    connection.send(new TextEncoder().encode('compressed text'), options);
    options.binary = true;
    options.compress = false;
    connection.send(new TextEncoder().encode('plain binary'), options);
    options.fin = false;
    connection.send(new TextEncoder().encode('first'), options);
    options.binary = false;
    options.fin = true;
    connection.send(new TextEncoder().encode('last'), options);
    // Everything waits behind the compressed message, in order.
    expect(written).toEqual([]);
    later.release();
    expect(framesOf(written)).toEqual([
      { opcode: 1, fin: true, rsv1: true, payload: 'compressed text' },
      { opcode: 2, fin: true, rsv1: false, payload: 'plain binary' },
      { opcode: 2, fin: false, rsv1: false, payload: 'first' },
      { opcode: 0, fin: true, rsv1: false, payload: 'last' },
    ]);
  });

  it('a fragmented message keeps the compression its first fragment chose', () => {
    const later = laterCodec();
    const { connection, written } = harness({
      role: 'server',
      deflate: { codec: later.codec, threshold: 4, takesPrecompressed: false },
    });
    connection.send(new TextEncoder().encode('start'), { binary: false, fin: false });
    // Too short for the threshold, and compress: false: a continuation still goes through the compressor.
    connection.send(new TextEncoder().encode('x'), { binary: true, fin: true, compress: false });
    later.release();
    expect(framesOf(written)).toEqual([
      { opcode: 1, fin: false, rsv1: true, payload: 'start' },
      { opcode: 0, fin: true, rsv1: false, payload: 'x' },
    ]);
  });
});

describe('NowOrLater', () => {
  it('finished before start returned: end() is true, and resume is not called', () => {
    let resumed = 0;
    const step = new NowOrLater(() => resumed++);
    step.begin();
    step.finish();
    expect(step.end()).toBe(true);
    expect(resumed).toBe(0);
  });

  it('finished later: end() is false, then finish() resumes', () => {
    let resumed = 0;
    const step = new NowOrLater(() => resumed++);
    step.begin();
    expect(step.end()).toBe(false);
    expect(resumed).toBe(0);
    step.finish();
    expect(resumed).toBe(1);
  });

  it('never finished (the step failed and said so itself): false, and nothing resumes; reused after', () => {
    let resumed = 0;
    const step = new NowOrLater(() => resumed++);
    step.begin();
    expect(step.end()).toBe(false);
    // The next step on the same object starts afresh.
    step.begin();
    step.finish();
    expect(step.end()).toBe(true);
    expect(resumed).toBe(0);
  });
});
