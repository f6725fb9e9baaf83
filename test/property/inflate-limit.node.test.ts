// Property tests of inflating permessage-deflate messages under a size limit (RFC 7692 section 7.2.2),
// through both Node zlib codecs (DedicatedZlibCodec, SharedZlibCodec): valid messages, messages that
// inflate past the limit (bombs), and mutated or random compressed bytes, each cut into fragments.
//
// What must hold: the output handed back never passes the limit, in total across a message's fragments;
// the only failures are InflateLimitError and zlib's own errors; every call answers (no hang); and a
// message within the limit comes out exactly as it went in.

import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DedicatedZlibCodec, SharedZlibCodec, type ZlibCodecSettings } from '../../src/node/zlib-codec.ts';
import { type DeflateCodec, InflateLimitError } from '../../src/protocol/deflate-codec.ts';
import { within } from '../support/waits.ts';

const SETTINGS: ZlibCodecSettings = {
  deflateWindowBits: 15,
  inflateWindowBits: 15,
  deflateNoContextTakeover: true,
  inflateNoContextTakeover: true,
};

const CODECS: Array<[string, () => DeflateCodec]> = [
  ['DedicatedZlibCodec', () => new DedicatedZlibCodec(SETTINGS, 10)],
  ['SharedZlibCodec', () => new SharedZlibCodec(SETTINGS, 10)],
];

/** A message compressed as a peer would send it: raw DEFLATE, sync flush, trailer removed (section 7.2.1). */
function compress(message: Uint8Array): Uint8Array {
  const out = deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

type Outcome = { ok: true; output: Buffer } | { ok: false; error: Error; produced: number };

/** Feeds the fragments in order, as the connection does; stops at the first error. */
async function inflate(codec: DeflateCodec, fragments: readonly Uint8Array[], limit: number): Promise<Outcome> {
  const produced: Uint8Array[] = [];
  for (let i = 0; i < fragments.length; i++) {
    const fin = i === fragments.length - 1;
    const answer = await within(
      new Promise<{ error: Error | null; output: Uint8Array[] }>((resolve) => {
        codec.decompress(fragments[i], fin, limit, (error, output) => resolve({ error, output }));
      }),
      `the answer to fragment ${i}`,
    );
    produced.push(...answer.output);
    const total = produced.reduce((n, piece) => n + piece.length, 0);
    if (limit > 0) expect(total).toBeLessThanOrEqual(limit);
    if (answer.error !== null) return { ok: false, error: answer.error, produced: total };
  }
  return { ok: true, output: Buffer.concat(produced) };
}

/** zlib's own errors carry a Z_* code (Z_DATA_ERROR, Z_BUF_ERROR...). */
function isZlibError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function cutAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
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

/** Messages with structure zlib can use: runs, repeats and noise. */
const message = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .record({ byte: fc.nat({ max: 255 }), run: fc.integer({ min: 1, max: 20_000 }) })
        .map(({ byte, run }) => new Uint8Array(run).fill(byte)),
    ),
    { maxLength: 6 },
  )
  .map((parts) => Uint8Array.from(Buffer.concat(parts)));

/** Bombs of 1-8 MiB of zeros, compressed once each (compressing is the slow part). */
const bombs = new Map<number, Uint8Array>();
function bombOf(mib: number): Uint8Array {
  let bomb = bombs.get(mib);
  if (bomb === undefined) {
    bomb = compress(new Uint8Array(mib << 20));
    bombs.set(mib, bomb);
  }
  return bomb;
}

const limit = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40_000 }));
const points = fc.array(fc.nat(), { maxLength: 5 });

for (const [name, create] of CODECS) {
  describe(`${name}: inflating under a limit`, () => {
    it('gives back any message within the limit exactly; refuses a larger one with InflateLimitError, never passing the limit', async () => {
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(message, limit, points, async (original, max, cuts) => {
          const codec = create();
          try {
            const outcome = await inflate(codec, cutAt(compress(original), cuts), max);
            if (max === 0 || original.length <= max) {
              expect(outcome.ok).toBe(true);
              expect(Buffer.compare((outcome as { output: Buffer }).output, original)).toBe(0);
            } else {
              refused++;
              expect(outcome.ok).toBe(false);
              expect((outcome as { error: Error }).error).toBeInstanceOf(InflateLimitError);
            }
          } finally {
            codec.dispose();
          }
        }),
        { numRuns: 150 },
      );
      expect(refused).toBeGreaterThan(10);
    });

    it('mutated and random compressed bytes: within the limit, InflateLimitError or a zlib error, always an answer', async () => {
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
        }),
      );
      const input = fc.oneof(
        fc
          .record({ original: message, mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) })
          .map(({ original, mutations }) => {
            let bytes = Buffer.from(compress(original));
            for (const m of mutations) {
              const at = m.at % (bytes.length + 1);
              if (m.kind === 'flip' && at < bytes.length) bytes[at] ^= 1 << m.bit;
              else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
              else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
            }
            return Uint8Array.from(bytes);
          }),
        fc.uint8Array({ maxLength: 300 }),
      );
      const kinds = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(input, limit, points, async (bytes, max, cuts) => {
          const codec = create();
          try {
            const outcome = await inflate(codec, cutAt(bytes, cuts), max);
            if (outcome.ok) {
              if (max > 0) expect(outcome.output.length).toBeLessThanOrEqual(max);
              kinds.set('ok', (kinds.get('ok') ?? 0) + 1);
            } else {
              const { error } = outcome;
              const known = error instanceof InflateLimitError || isZlibError(error);
              expect(known, `${error.name}: ${error.message}`).toBe(true);
              kinds.set(error.name, (kinds.get(error.name) ?? 0) + 1);
            }
          } finally {
            codec.dispose();
          }
        }),
        { numRuns: 300 },
      );
      // Both successes and zlib failures must have come up.
      expect(kinds.get('ok')).toBeGreaterThan(10);
      expect([...kinds.keys()].length).toBeGreaterThan(1);
    });

    it('bombs (megabytes of one byte in a few kilobytes) stop at the limit, whole or in fragments', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 1, max: 200_000 }),
          points,
          async (mib, max, cuts) => {
            const bomb = bombOf(mib);
            const codec = create();
            try {
              const outcome = await inflate(codec, cutAt(bomb, cuts), max);
              expect(outcome.ok).toBe(false);
              expect((outcome as { error: Error }).error).toBeInstanceOf(InflateLimitError);
              expect((outcome as { produced: number }).produced).toBeLessThanOrEqual(max);
            } finally {
              codec.dispose();
            }
          },
        ),
        { numRuns: 20 },
      );
    });
  });
}

describe('DedicatedZlibCodec: the limit counts across fragments', () => {
  // A message whose first fragment inflates to exactly the limit has no budget left: the next byte out
  // of a later fragment must fail it (a budget of 0 must not read as "no limit").
  it('fails a message whose first fragment reaches the limit exactly and whose next fragment adds more', async () => {
    for (const max of [1, 1000, 16_384, 65_536]) {
      const first = compress(new Uint8Array(max).fill(0x61));
      const rest = compress(new Uint8Array(4 << 20));
      const codec = new DedicatedZlibCodec({ ...SETTINGS, inflateNoContextTakeover: false }, 10);
      try {
        // Fragment 1 is a complete sync-flushed block (with its trailer back), fragment 2 a new block.
        const firstFragment = Buffer.concat([first, Buffer.from([0, 0, 0xff, 0xff])]);
        const outcome = await inflate(codec, [firstFragment, rest], max);
        expect(outcome.ok, `limit ${max}`).toBe(false);
        expect((outcome as { error: Error }).error).toBeInstanceOf(InflateLimitError);
        expect((outcome as { produced: number }).produced).toBeLessThanOrEqual(max);
      } finally {
        codec.dispose();
      }
    }
  });
});
