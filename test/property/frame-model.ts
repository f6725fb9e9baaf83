// Arbitraries for frame streams: valid ones built from a model of what they carry (so the expected
// events are known without asking the library), and mutations of them (bit flips, truncation, inserted
// and deleted bytes, tampered length fields) that any parser must survive.

import fc from 'fast-check';
import { Opcode } from '../../src/codec/constants.ts';
import { encodeClosePayload } from '../../src/protocol/connection.ts';
import { encodeFrame } from '../support/frames.ts';

export type Role = 'server' | 'client';

/** One frame as the model sees it: what goes on the wire, before masking. */
export interface ModelFrame {
  opcode: number;
  fin: boolean;
  payload: Uint8Array;
}

/** What a receiver must report for a valid stream, in order. */
export interface ExpectedEvent {
  kind: 'message' | 'ping' | 'pong' | 'closed';
  data?: Uint8Array;
  isBinary?: boolean;
  code?: number;
  reason?: string;
}

export interface ValidStream {
  frames: ModelFrame[];
  expected: ExpectedEvent[];
}

const encoder = new TextEncoder();

/** A control frame (ping or pong) with up to 125 bytes (RFC 6455 section 5.5). */
const controlFrame: fc.Arbitrary<ModelFrame> = fc.record({
  opcode: fc.constantFrom<number>(Opcode.PING, Opcode.PONG),
  fin: fc.constant(true),
  payload: fc.uint8Array({ maxLength: 125 }),
});

/** Message bytes: text (any Unicode, so 1-4 byte sequences) or binary, with lengths across the 7/16-bit forms. */
const messageBody = fc.oneof(
  fc.record({
    isBinary: fc.constant(false),
    bytes: fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => encoder.encode(s)),
  }),
  fc.record({ isBinary: fc.constant(true), bytes: fc.uint8Array({ maxLength: 300 }) }),
  {
    weight: 1,
    arbitrary: fc.record({ isBinary: fc.boolean(), bytes: fc.integer({ min: 126, max: 70_000 }).map(asciiPattern) }),
  },
);

function asciiPattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = 0x21 + ((i * 7) % 90);
  return bytes;
}

/** Cuts `bytes` at the given (sorted, deduplicated) points: the fragments of one message. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const point of sorted) {
    pieces.push(bytes.slice(at, point));
    at = point;
  }
  pieces.push(bytes.slice(at));
  return pieces;
}

/** One message, fragmented (section 5.4: fragments may be empty, control frames may come between them). */
const message: fc.Arbitrary<{ frames: ModelFrame[]; events: ExpectedEvent[] }> = fc
  .record({
    body: messageBody,
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
    between: fc.array(fc.option(controlFrame, { nil: undefined }), { maxLength: 5 }),
  })
  .map(({ body, cuts, between }) => {
    const pieces = cut(body.bytes, cuts);
    const frames: ModelFrame[] = [];
    const events: ExpectedEvent[] = [];
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      frames.push({
        opcode: i === 0 ? (body.isBinary ? Opcode.BINARY : Opcode.TEXT) : Opcode.CONTINUATION,
        fin: last,
        payload: piece,
      });
      const control = between[i];
      if (!last && control !== undefined) {
        frames.push(control);
        events.push(controlEvent(control));
      }
    });
    events.push({ kind: 'message', data: body.bytes, isBinary: body.isBinary });
    return { frames, events };
  });

function controlEvent(frame: ModelFrame): ExpectedEvent {
  return { kind: frame.opcode === Opcode.PING ? 'ping' : 'pong', data: frame.payload };
}

/** A close frame with a code that may be sent and a reason of at most 123 bytes, or an empty one. */
const closeFrame: fc.Arbitrary<{ frame: ModelFrame; event: ExpectedEvent }> = fc.oneof(
  fc.constant({
    frame: { opcode: Opcode.CLOSE, fin: true, payload: new Uint8Array(0) },
    event: { kind: 'closed' as const, code: 1005, reason: '' },
  }),
  fc
    .record({
      code: fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999),
      reason: fc.string({ maxLength: 30 }),
    })
    .map(({ code, reason }) => ({
      frame: { opcode: Opcode.CLOSE, fin: true, payload: encodeClosePayload(code, reason) },
      event: { kind: 'closed' as const, code, reason },
    })),
);

/** A valid stream: messages and control frames in any order, sometimes ended by a close frame. */
export const validStream: fc.Arbitrary<ValidStream> = fc
  .record({
    items: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: message },
        { weight: 1, arbitrary: controlFrame.map((frame) => ({ frames: [frame], events: [controlEvent(frame)] })) },
      ),
      {
        maxLength: 8,
      },
    ),
    close: fc.option(closeFrame, { nil: undefined }),
  })
  .map(({ items, close }) => {
    const frames = items.flatMap((item) => item.frames);
    const expected = items.flatMap((item) => item.events);
    if (close !== undefined) {
      frames.push(close.frame);
      expected.push(close.event);
    }
    return { frames, expected };
  });

export interface EncodedStream {
  bytes: Uint8Array;
  /** Where each frame starts in `bytes`, for length-field tampering. */
  frameStarts: number[];
}

/** Puts the frames on the wire: masked with keys from `keys` (cycled) for a server to read, plain for a client. */
export function encodeStream(frames: readonly ModelFrame[], role: Role, keys: readonly number[]): EncodedStream {
  const parts: Uint8Array[] = [];
  const frameStarts: number[] = [];
  let at = 0;
  frames.forEach((frame, i) => {
    const key = keys.length === 0 ? 0 : keys[i % keys.length];
    const maskKey =
      role === 'server' ? Uint8Array.of(key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff) : undefined;
    const encoded = encodeFrame({ opcode: frame.opcode, fin: frame.fin, payload: frame.payload, maskKey });
    frameStarts.push(at);
    parts.push(encoded);
    at += encoded.length;
  });
  const bytes = new Uint8Array(at);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, frameStarts };
}

/** One change to a byte stream. Positions are taken modulo the stream's length when applied. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'length'; frame: number; form: 'small' | '16' | '64'; value: bigint; keepMask: boolean };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    frame: fc.nat(),
    form: fc.constantFrom('small' as const, '16' as const, '64' as const),
    // Lengths around every boundary the parsers care about: the forms, the limits, 2^31, 2^32, 2^53, 2^63.
    value: fc.oneof(
      fc.bigInt({ min: 0n, max: 200n }),
      fc.constantFrom(
        125n,
        126n,
        127n,
        65_535n,
        65_536n,
        2n ** 20n,
        2n ** 31n,
        2n ** 32n - 1n,
        2n ** 32n,
        2n ** 53n - 1n,
        2n ** 53n,
        2n ** 63n - 1n,
        2n ** 63n,
        2n ** 64n - 1n,
      ),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    ),
    keepMask: fc.boolean(),
  }),
);

/** Applies mutations in order to a copy of the stream. */
export function mutate(stream: EncodedStream, mutations: readonly Mutation[]): Uint8Array {
  let bytes: Uint8Array = stream.bytes.slice();
  for (const m of mutations) {
    const n = bytes.length;
    switch (m.kind) {
      case 'flip':
        if (n > 0) bytes[m.at % n] ^= 1 << m.bit;
        break;
      case 'truncate':
        bytes = bytes.slice(0, m.at % (n + 1));
        break;
      case 'insert': {
        const at = m.at % (n + 1);
        bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
        break;
      }
      case 'delete': {
        if (n === 0) break;
        const at = m.at % n;
        bytes = concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.count)));
        break;
      }
      case 'length': {
        if (stream.frameStarts.length === 0) break;
        const start = stream.frameStarts[m.frame % stream.frameStarts.length];
        if (start + 2 > n) break;
        bytes = concat(
          bytes.subarray(0, start),
          tamperedHeaderStart(bytes, start, m),
          bytes.subarray(start + headerLengthBytes(bytes, start)),
        );
        break;
      }
    }
  }
  return bytes;
}

/** Bytes 0-1 and the extended length of the frame at `start` (not the mask key), as they were. */
function headerLengthBytes(bytes: Uint8Array, start: number): number {
  const len7 = bytes[start + 1] & 0x7f;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return Math.min(2 + extended, bytes.length - start);
}

/** A new byte 0, byte 1 and extended length declaring m.value in m.form (truncated to fit the form). */
function tamperedHeaderStart(bytes: Uint8Array, start: number, m: Extract<Mutation, { kind: 'length' }>): Uint8Array {
  const maskBit = m.keepMask ? bytes[start + 1] & 0x80 : (bytes[start + 1] & 0x80) ^ 0x80;
  if (m.form === 'small') return Uint8Array.of(bytes[start], maskBit | Number(m.value % 128n));
  if (m.form === '16') {
    const v = Number(m.value % 65_536n);
    return Uint8Array.of(bytes[start], maskBit | 126, v >>> 8, v & 0xff);
  }
  const out = new Uint8Array(10);
  out[0] = bytes[start];
  out[1] = maskBit | 127;
  let v = m.value % 2n ** 64n;
  for (let i = 9; i >= 2; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Split points for feeding a stream in chunks, as a socket would. */
export const splits = fc.array(fc.nat(), { maxLength: 12 });

/** Cuts bytes into chunks at the split points (each a fresh copy: the parser may unmask in place). */
export function chunksOf(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const point of sorted) {
    if (point > at) chunks.push(bytes.slice(at, point));
    at = Math.max(at, point);
  }
  if (at < bytes.length || chunks.length === 0) chunks.push(bytes.slice(at));
  return chunks;
}
