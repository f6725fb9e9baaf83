// Property tests of the sans-IO Connection with permessage-deflate (RFC 7692) and with streamed message
// delivery: streams of compressed and plain messages built from a model, split at random points, and
// mutations of them, through both Node zlib codecs (inflating finishes asynchronously).
//
// What must hold: valid streams deliver exactly the model's messages (whole, or as parts that join to
// them); mutated ones fail only with a ProtocolError and a peer-fault close code, never a throw; the
// connection always comes to rest (every inflate answers); and nothing is reported after the end.

import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/codec/backend.ts';
import { Opcode } from '../../src/codec/constants.ts';
import { ProtocolError } from '../../src/codec/errors.ts';
import { DedicatedZlibCodec, SharedZlibCodec, type ZlibCodecSettings } from '../../src/node/zlib-codec.ts';
import { Connection, type ConnectionOptions } from '../../src/protocol/connection.ts';
import type { DeflateCodec } from '../../src/protocol/deflate-codec.ts';
import { encodeFrame } from '../support/frames.ts';
import { until } from '../support/waits.ts';
import { chunksOf, encodeStream, mutate, mutation, splits, validStream } from './frame-model.ts';

const PEER_FAULT_CODES = [1002, 1007, 1008, 1009];

afterAll(() => setBackend('auto'));

const SETTINGS: ZlibCodecSettings = {
  deflateWindowBits: 15,
  inflateWindowBits: 15,
  deflateNoContextTakeover: true,
  inflateNoContextTakeover: true,
};

const CODECS: Array<[string, () => DeflateCodec]> = [
  ['dedicated', () => new DedicatedZlibCodec(SETTINGS, 10)],
  ['shared', () => new SharedZlibCodec(SETTINGS, 10)],
];

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

type Seen =
  | { kind: 'message'; data: string; isBinary: boolean }
  | { kind: 'ping' | 'pong'; data: string }
  | { kind: 'closed'; code: number }
  | { kind: 'failed'; closeCode: number; code: string };

interface Run {
  events: Seen[];
  thrown: unknown[];
}

/** A codec that counts the inflates it has not answered yet: the connection is at rest at 0. */
function counted(codec: DeflateCodec): { codec: DeflateCodec; pending: () => number } {
  let pending = 0;
  return {
    codec: {
      compress: (data, fin, callback) => codec.compress(data, fin, callback),
      decompress(data, fin, limit, callback) {
        pending++;
        codec.decompress(data, fin, limit, (error, output) => {
          pending--;
          callback(error, output);
        });
      },
      dispose: () => codec.dispose(),
    },
    pending: () => pending,
  };
}

/**
 * Feeds the chunks, then waits until every inflate has answered (inflating is asynchronous, and each
 * answer may start the next); fails the run if one is still unanswered after the usual bounded wait.
 */
async function run(chunks: readonly Uint8Array[], options: ConnectionOptions, pending = () => 0): Promise<Run> {
  const result: Run = { events: [], thrown: [] };
  let ended = false;
  const parts = new Map<boolean, Uint8Array[]>();
  const record = (event: Seen) => {
    if (ended) result.thrown.push(new Error(`event after the end: ${event.kind}`));
    result.events.push(event);
  };
  const connection = new Connection(options, {
    write() {},
    message: (data, isBinary) => record({ kind: 'message', data: hex(data), isBinary }),
    messagePart: (data, isBinary, first, last) => {
      if (first) parts.set(isBinary, []);
      parts.get(isBinary)?.push(Uint8Array.from(data));
      if (last) record({ kind: 'message', data: hex(Buffer.concat(parts.get(isBinary) ?? [])), isBinary });
    },
    ping: (data) => record({ kind: 'ping', data: hex(data) }),
    pong: (data) => record({ kind: 'pong', data: hex(data) }),
    closed: (code) => {
      record({ kind: 'closed', code });
      ended = true;
    },
    failed: (error) => {
      if (!(error instanceof ProtocolError)) result.thrown.push(error);
      record({ kind: 'failed', closeCode: error.closeCode, code: error.code });
      ended = true;
    },
  });
  for (const chunk of chunks) {
    try {
      connection.receive(Uint8Array.from(chunk));
    } catch (error) {
      result.thrown.push(error);
    }
  }
  await until(() => pending() === 0, 'every inflate to answer', { everyMs: 1 }).catch((error: Error) => {
    result.thrown.push(new Error(`${pending()} inflate(s) never answered: ${error.message}`));
  });
  connection.terminate();
  return result;
}

/** RFC 7692 section 7.2.1: the message compressed on its own, sync flush trailer removed. */
function compress(bytes: Uint8Array): Uint8Array {
  const out = deflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** Compressible message bodies: repeated words, with text always UTF-8. */
const body = fc.record({
  isBinary: fc.boolean(),
  words: fc.array(fc.constantFrom('alpha', 'beta', 'γάμμα', '✓', '😀', ' ', '\n'), { maxLength: 400 }),
  compressed: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 3 }),
  ping: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: undefined }),
});

/** A stream of compressed (RSV1 on the first frame) and plain messages, fragmented, with pings between. */
const compressedStream = fc.array(body, { minLength: 1, maxLength: 6 }).map((bodies) => {
  const frames: Uint8Array[] = [];
  const frameStarts: number[] = [];
  let at = 0;
  const expected: Seen[] = [];
  const push = (frame: Uint8Array) => {
    frameStarts.push(at);
    at += frame.length;
    frames.push(frame);
  };
  const key = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
  for (const b of bodies) {
    const data = new TextEncoder().encode(b.words.join(''));
    const wire = b.compressed ? compress(data) : data;
    const sorted = [...new Set(b.cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y);
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (const cut of sorted) {
      pieces.push(wire.subarray(from, cut));
      from = cut;
    }
    pieces.push(wire.subarray(from));
    pieces.forEach((piece, i) => {
      const first = i === 0;
      const opcode = first ? (b.isBinary ? Opcode.BINARY : Opcode.TEXT) : Opcode.CONTINUATION;
      push(
        encodeFrame({
          opcode,
          fin: i === pieces.length - 1,
          rsv: first && b.compressed ? 0x40 : 0,
          payload: piece,
          maskKey: key,
        }),
      );
      if (i === 0 && pieces.length > 1 && b.ping !== undefined) {
        push(encodeFrame({ opcode: Opcode.PING, payload: b.ping, maskKey: key }));
        expected.push({ kind: 'ping', data: hex(b.ping) });
      }
    });
    expected.push({ kind: 'message', data: hex(data), isBinary: b.isBinary });
  }
  return { stream: { bytes: Buffer.concat(frames), frameStarts }, expected };
});

for (const [name, create] of CODECS) {
  describe(`the Connection with permessage-deflate (${name} codec)`, () => {
    it('delivers compressed and plain messages exactly as the model says, however the stream is split', async () => {
      setBackend('wasm-simd');
      await fc.assert(
        fc.asyncProperty(compressedStream, splits, fc.boolean(), async ({ stream, expected }, points, streamed) => {
          const chunks = chunksOf(stream.bytes, points);
          const { codec, pending } = counted(create());
          const deflate = { codec, threshold: 0, takesPrecompressed: false };
          const result = await run(chunks, { role: 'server', deflate, streamMessages: streamed }, pending);
          expect(result.thrown).toEqual([]);
          expect(result.events).toEqual(expected);
        }),
        { numRuns: 60 },
      );
    });

    it('mutated compressed streams: only ProtocolErrors with peer-fault codes, and always at rest', async () => {
      setBackend('wasm-simd');
      await fc.assert(
        fc.asyncProperty(
          compressedStream,
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          splits,
          fc.constantFrom(0, 64, 4096),
          async ({ stream }, mutations, points, maxPayload) => {
            const chunks = chunksOf(mutate(stream, mutations), points);
            const { codec, pending } = counted(create());
            const deflate = { codec, threshold: 0, takesPrecompressed: false };
            const result = await run(chunks, { role: 'server', deflate, maxPayload }, pending);
            expect(result.thrown).toEqual([]);
            for (const event of result.events) {
              if (event.kind === 'failed') expect(PEER_FAULT_CODES).toContain(event.closeCode);
              // Nothing larger than maxPayload is ever delivered (it is checked while inflating).
              if (event.kind === 'message' && maxPayload > 0)
                expect(event.data.length / 2).toBeLessThanOrEqual(maxPayload);
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  });
}

describe('the Connection delivering messages in parts (streamMessages)', () => {
  it("parts join to exactly the model's messages on every backend, however the stream is split", async () => {
    await fc.assert(
      fc.asyncProperty(
        validStream,
        splits,
        fc.constantFrom('js', 'wasm', 'wasm-simd' as const),
        async (model, points, backend) => {
          setBackend(backend);
          const { bytes } = encodeStream(model.frames, 'server', [0x0badf00d]);
          const result = await run(chunksOf(bytes, points), { role: 'server', streamMessages: true });
          expect(result.thrown).toEqual([]);
          const expected = model.expected.map(
            (e): Seen =>
              e.kind === 'closed'
                ? { kind: 'closed', code: e.code as number }
                : e.kind === 'message'
                  ? { kind: 'message', data: hex(e.data as Uint8Array), isBinary: e.isBinary as boolean }
                  : { kind: e.kind, data: hex(e.data as Uint8Array) },
          );
          expect(result.events).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
