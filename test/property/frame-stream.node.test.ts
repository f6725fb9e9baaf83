// Property tests of frame parsing: the sans-IO Connection (server and client role) and the public
// FrameScanner, fed valid streams built from a model and mutations of them (bit flips, truncation,
// insertions, deletions, tampered length fields), split at random points as a socket would split them.
//
// What must hold for every input: nothing but a ProtocolError comes out (as the Connection's 'failed'
// event, or the scanner's `error`), with one of the close codes a peer's fault earns; the work is bounded
// (handler calls never outnumber input bytes, every receive() returns); nothing is reported after the end;
// and the JS, scalar WASM and SIMD WASM backends report exactly the same events and write exactly the same
// bytes. For valid streams, the events are the model's.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFrameHeader } from '../../src/codec/api-header.ts';
import { FrameScanner } from '../../src/codec/api-scanner.ts';
import { type BackendName, setBackend } from '../../src/codec/backend.ts';
import { Opcode } from '../../src/codec/constants.ts';
import { ProtocolError } from '../../src/codec/errors.ts';
import { Connection, type ConnectionOptions } from '../../src/protocol/connection.ts';
import {
  chunksOf,
  type ExpectedEvent,
  encodeStream,
  type ModelFrame,
  mutate,
  mutation,
  type Role,
  splits,
  validStream,
} from './frame-model.ts';

const BACKENDS = ['js', 'wasm', 'wasm-simd'] as const;
/** RFC 6455 section 7.4.1: the codes a receiver closes with when the peer is at fault. */
const PEER_FAULT_CODES = [1002, 1007, 1008, 1009];
const NUM_RUNS_VALID = 200;
const NUM_RUNS_MUTATED = 400;

afterAll(() => setBackend('auto'));

/** Bytes as hex: compared as strings, which is fast for large payloads and readable when it fails. */
const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** An event with its bytes as hex. */
type SeenEvent =
  | { kind: 'message' | 'ping' | 'pong'; data: string; isBinary?: boolean }
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'failed'; closeCode: number; code: string };

/** The model's expected events in the shape the runners record. */
function seen(expected: readonly ExpectedEvent[]): SeenEvent[] {
  return expected.map((e) =>
    e.kind === 'closed'
      ? { kind: 'closed', code: e.code as number, reason: e.reason as string }
      : e.kind === 'message'
        ? { kind: 'message', data: hex(e.data as Uint8Array), isBinary: e.isBinary }
        : { kind: e.kind, data: hex(e.data as Uint8Array) },
  );
}

/** A frame with its payload as hex. */
interface SeenFrame {
  opcode: number;
  fin: boolean;
  payload: string;
}

const seenFrames = (frames: readonly ModelFrame[]): SeenFrame[] =>
  frames.map((f) => ({ opcode: f.opcode, fin: f.fin, payload: hex(f.payload) }));

interface Observed {
  events: SeenEvent[];
  written: Uint8Array;
  /** Handler calls of any kind: the bound on the work done. */
  calls: number;
  /** Anything receive() threw (it must throw nothing). */
  thrown: unknown[];
}

/** The same masking keys in every run, so that what a client writes can be compared byte for byte. */
function countingRandom(): (target: Uint8Array) => void {
  let next = 1;
  return (target) => {
    for (let i = 0; i < target.length; i++) target[i] = next++ & 0xff;
  };
}

function runConnection(
  backend: BackendName,
  role: Role,
  chunks: readonly Uint8Array[],
  options: Partial<ConnectionOptions> = {},
): Observed {
  setBackend(backend);
  const observed: Observed = { events: [], written: new Uint8Array(0), calls: 0, thrown: [] };
  const writes: Uint8Array[] = [];
  let ended = false;
  const record = (event: Observed['events'][number]) => {
    observed.calls++;
    // Nothing may be reported after the connection failed or the peer's close frame arrived.
    if (ended) observed.thrown.push(new Error(`event after the end: ${event.kind}`));
    observed.events.push(event);
  };
  const connection = new Connection(
    { role, random: countingRandom(), ...options },
    {
      write(parts) {
        observed.calls++;
        for (const part of parts) writes.push(part.slice());
      },
      message: (data, isBinary) => record({ kind: 'message', data: hex(data), isBinary }),
      ping: (data) => record({ kind: 'ping', data: hex(data) }),
      pong: (data) => record({ kind: 'pong', data: hex(data) }),
      closed: (code, reason) => {
        record({ kind: 'closed', code, reason });
        ended = true;
      },
      failed: (error) => {
        if (!(error instanceof ProtocolError)) observed.thrown.push(error);
        record({ kind: 'failed', closeCode: error.closeCode, code: error.code });
        ended = true;
      },
    },
  );
  for (const chunk of chunks) {
    try {
      // A fresh copy per backend: the reader unmasks in place.
      connection.receive(chunk.slice());
    } catch (error) {
      observed.thrown.push(error);
    }
  }
  observed.written = Buffer.concat(writes);
  return observed;
}

interface Scanned {
  frames: SeenFrame[];
  error: { closeCode: number; code: string } | null;
  thrown: unknown[];
  /**
   * Breaches of the scanner's contract on where frames lie: each reported payload inside the bytes
   * scanned, after the previous frame's payload and a header of at least 2 bytes (section 5.2), and no
   * further than `next` (the bytes a caller keeps are those not consumed yet). A scanner that reports a
   * frame twice, or loses or re-reads bytes between scans, breaks one of these.
   */
  misplaced: string[];
}

/** Drives FrameScanner the way its documentation says: keep the bytes from `next` and scan again with more. */
function runScanner(backend: BackendName, role: Role, chunks: readonly Uint8Array[]): Scanned {
  setBackend(backend);
  const scanner = new FrameScanner({ role });
  const out: Scanned = { frames: [], error: null, thrown: [], misplaced: [] };
  let kept: Uint8Array = new Uint8Array(0);
  /** Where `bytes` starts in the whole stream, and where the last reported payload ended. */
  let consumed = 0;
  let lastPayloadEnd = 0;
  for (const chunk of chunks) {
    const bytes = Buffer.concat([kept, chunk]);
    let result: ReturnType<FrameScanner['scan']>;
    try {
      result = scanner.scan(bytes);
    } catch (error) {
      out.thrown.push(error);
      return out;
    }
    for (let i = 0; i < result.count; i++) {
      const [offset, length, byte0] = result.frames.subarray(i * 4, i * 4 + 3);
      const start = consumed + offset;
      if (start < lastPayloadEnd + 2) {
        out.misplaced.push(`frame ${out.frames.length}'s payload starts at ${start}, ${lastPayloadEnd} was reached`);
      }
      if (offset + length > bytes.length) {
        out.misplaced.push(`frame ${out.frames.length} ends at ${offset + length}, past the ${bytes.length} bytes`);
      } else if (result.error === null && offset + length > result.next) {
        out.misplaced.push(`frame ${out.frames.length} ends at ${offset + length}, past next (${result.next})`);
      }
      lastPayloadEnd = start + length;
      out.frames.push({
        opcode: byte0 & 0x0f,
        fin: (byte0 & 0x80) !== 0,
        payload: hex(bytes.subarray(offset, offset + length)),
      });
    }
    if (result.error !== null) {
      if (!(result.error instanceof ProtocolError)) out.thrown.push(result.error);
      out.error = { closeCode: result.error.closeCode, code: result.error.code };
      return out;
    }
    if (result.next < 0 || result.next > bytes.length) {
      out.misplaced.push(`next ${result.next} outside the ${bytes.length} bytes`);
      return out;
    }
    consumed += result.next;
    // A copy that owns its bytes (Buffer.slice would be a view).
    kept = Uint8Array.prototype.slice.call(bytes, result.next);
  }
  return out;
}

/** The frames a connection wrote, unmasked. */
function writtenFrames(bytes: Uint8Array): ModelFrame[] {
  const frames: ModelFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = parseFrameHeader(bytes, at);
    if (header === null) throw new Error('a truncated frame was written');
    const start = at + header.headerLength;
    // A copy (Buffer's slice would be a view, and unmasking it would change `bytes`).
    const payload = Uint8Array.prototype.slice.call(bytes, start, start + header.payloadLength);
    if (header.maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= header.maskKey[i & 3];
    frames.push({ opcode: header.opcode, fin: header.fin, payload });
    at = start + header.payloadLength;
  }
  return frames;
}

const role = fc.constantFrom<Role>('server', 'client');
const maskKeys = fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: 1, maxLength: 4 });

describe('the Connection fed valid frame streams', () => {
  it("reports exactly the model's events, answers pings and close, on every backend and any split", () => {
    fc.assert(
      fc.property(validStream, role, maskKeys, splits, ({ frames, expected }, side, keys, points) => {
        const { bytes } = encodeStream(frames, side, keys);
        const chunks = chunksOf(bytes, points);
        const reference = runConnection('js', side, chunks);
        expect(reference.thrown).toEqual([]);
        expect(reference.events).toEqual(seen(expected));
        // Every ping before the close is answered with a pong carrying its payload; a close is echoed.
        const answers = writtenFrames(reference.written);
        const pings = expected.filter((e) => e.kind === 'ping');
        expect(answers.filter((f) => f.opcode === Opcode.PONG).map((f) => hex(f.payload))).toEqual(
          pings.map((p) => hex(p.data as Uint8Array)),
        );
        const closed = expected.find((e) => e.kind === 'closed');
        expect(answers.filter((f) => f.opcode === Opcode.CLOSE)).toHaveLength(closed === undefined ? 0 : 1);
        for (const backend of ['wasm', 'wasm-simd'] as const) {
          const other = runConnection(backend, side, chunks);
          expect(other.thrown).toEqual([]);
          expect(other.events).toEqual(reference.events);
          expect(hex(other.written)).toBe(hex(reference.written));
        }
      }),
      { numRuns: NUM_RUNS_VALID },
    );
  });

  it('streams of large frames (past the 256 KiB staging area) decode the same on every backend', () => {
    const big = fc.record({
      sizes: fc.array(fc.integer({ min: 60_000, max: 600_000 }), { minLength: 1, maxLength: 3 }),
      key: fc.nat({ max: 0xffff_ffff }),
      points: splits,
      role,
    });
    fc.assert(
      fc.property(big, ({ sizes, key, points, role: side }) => {
        const frames = sizes.map((size, i) => {
          const payload = new Uint8Array(size);
          for (let j = 0; j < size; j++) payload[j] = (j * 31 + i) & 0x7f;
          return { opcode: i % 2 === 0 ? Opcode.TEXT : Opcode.BINARY, fin: true, payload };
        });
        const { bytes } = encodeStream(frames, side, [key]);
        const chunks = chunksOf(bytes, points);
        for (const backend of BACKENDS) {
          const observed = runConnection(backend, side, chunks);
          expect(observed.thrown).toEqual([]);
          expect(observed.events).toEqual(
            frames.map((f) => ({ kind: 'message', data: hex(f.payload), isBinary: f.opcode === Opcode.BINARY })),
          );
        }
      }),
      { numRuns: 8 },
    );
  });
});

describe('the Connection fed mutated frame streams', () => {
  const limits = fc.record({
    maxPayload: fc.constantFrom(undefined, 0, 100, 70_000),
    maxFragments: fc.constantFrom(undefined, 0, 2),
    validateUtf8: fc.boolean(),
  });

  it('fails only with a ProtocolError and a peer-fault close code, within bounded work, the same on every backend', () => {
    fc.assert(
      fc.property(
        validStream,
        role,
        maskKeys,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        splits,
        limits,
        (model, side, keys, mutations, points, options) => {
          const encoded = encodeStream(model.frames, side, keys);
          const bytes = mutate(encoded, mutations);
          const chunks = chunksOf(bytes, points);
          const reference = runConnection('js', side, chunks, options);
          expect(reference.thrown).toEqual([]);
          expect(reference.calls).toBeLessThanOrEqual(bytes.length + 1);
          for (const event of reference.events) {
            if (event.kind === 'failed') expect(PEER_FAULT_CODES).toContain(event.closeCode);
          }
          // A failure is the last event, and at most one end is reported.
          const ends = reference.events.filter((e) => e.kind === 'failed' || e.kind === 'closed');
          expect(ends.length).toBeLessThanOrEqual(1);
          if (ends.length === 1) expect(reference.events.at(-1)).toBe(ends[0]);
          for (const backend of ['wasm', 'wasm-simd'] as const) {
            const other = runConnection(backend, side, chunks, options);
            expect(other.thrown).toEqual([]);
            expect(other.events).toEqual(reference.events);
            expect(Buffer.compare(other.written, reference.written)).toBe(0);
          }
        },
      ),
      { numRuns: NUM_RUNS_MUTATED },
    );
  });

  it('random bytes (no structure at all) fail the same way', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), role, splits, (bytes, side, points) => {
        const chunks = chunksOf(bytes, points);
        const reference = runConnection('js', side, chunks);
        expect(reference.thrown).toEqual([]);
        expect(reference.calls).toBeLessThanOrEqual(bytes.length + 1);
        for (const event of reference.events) {
          if (event.kind === 'failed') expect(PEER_FAULT_CODES).toContain(event.closeCode);
        }
        const simd = runConnection('wasm-simd', side, chunks);
        expect(simd.thrown).toEqual([]);
        expect(simd.events).toEqual(reference.events);
      }),
      { numRuns: NUM_RUNS_MUTATED },
    );
  });
});

describe('FrameScanner', () => {
  it("scans valid streams into exactly the model's frames on every backend, however they are split", () => {
    fc.assert(
      fc.property(validStream, role, maskKeys, splits, ({ frames }, side, keys, points) => {
        const { bytes } = encodeStream(frames, side, keys);
        const chunks = chunksOf(bytes, points);
        for (const backend of BACKENDS) {
          const scanned = runScanner(backend, side, chunks);
          expect(scanned.thrown).toEqual([]);
          expect(scanned.misplaced).toEqual([]);
          expect(scanned.error).toBeNull();
          expect(scanned.frames).toEqual(seenFrames(frames));
        }
      }),
      { numRuns: NUM_RUNS_VALID },
    );
  });

  it('never throws on mutated streams; errors are ProtocolErrors with peer-fault codes; backends agree', () => {
    fc.assert(
      fc.property(
        validStream,
        role,
        maskKeys,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        splits,
        (model, side, keys, mutations, points) => {
          const bytes = mutate(encodeStream(model.frames, side, keys), mutations);
          const chunks = chunksOf(bytes, points);
          const reference = runScanner('js', side, chunks);
          expect(reference.thrown).toEqual([]);
          // Every byte is scanned into at most one frame: no frame reported twice, none overlapping.
          expect(reference.misplaced).toEqual([]);
          expect(reference.frames.length).toBeLessThanOrEqual(bytes.length / 2);
          if (reference.error !== null) expect(PEER_FAULT_CODES).toContain(reference.error.closeCode);
          for (const backend of ['wasm', 'wasm-simd'] as const) {
            const other = runScanner(backend, side, chunks);
            expect(other.thrown).toEqual([]);
            expect(other.misplaced).toEqual([]);
            expect(other.frames).toEqual(reference.frames);
            expect(other.error).toEqual(reference.error);
          }
        },
      ),
      { numRuns: NUM_RUNS_MUTATED },
    );
  });
});
