// The codec's internal entry, the seam protocol reads the codec through (src/codec/internal.ts): scanChunk
// picks the backend and fills a ScanOutcome whose coordinates follow the rule its type states, whichever
// backend ran; validateUtf8 answers in one number, so an answer cannot be read after another validation
// has replaced it.

import { afterEach, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/codec/backend.ts';
import {
  DecodeOption,
  FRAME_ENTRY_WORDS,
  ScanOutcome,
  ScanStatus,
  scanChunk,
  UTF8_ACCEPT,
  utf8InvalidAt,
  validateUtf8,
} from '../../src/codec/internal.ts';
import { copyPayloadsBack } from '../../src/codec/scan-chunk.ts';
import { concatBytes, encodeFrame } from '../support/frames.ts';
import { Random } from '../support/random.ts';

const SERVER = DecodeOption.REQUIRE_MASK | DecodeOption.VALIDATE_UTF8;
const KEY = Uint8Array.of(0x12, 0x34, 0x56, 0x78);

afterEach(() => setBackend('auto'));

/** Masked binary frames with these payloads, after `lead` bytes that are not scanned. */
function wire(payloads: Uint8Array[], lead = 0): Uint8Array {
  return concatBytes(
    new Uint8Array(lead).fill(0xee),
    ...payloads.map((payload) => encodeFrame({ opcode: 2, payload, maskKey: KEY })),
  );
}

function payloadsOf(out: ScanOutcome, bytes: Uint8Array, fromInput: boolean): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (let i = 0; i < out.count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
    const start = out.table[i] + (fromInput ? out.sourceToInput : 0);
    found.push((fromInput ? bytes : out.source).slice(start, start + out.table[i + 1]));
  }
  return found;
}

describe('scanChunk and the coordinates of a ScanOutcome', () => {
  for (const backend of ['js', 'wasm', 'wasm-simd', 'auto'] as const) {
    for (const size of [3, 40, 200, 3000]) {
      it(`${backend}, ${size} B payloads: payloads at source[p], input offsets for next and end`, () => {
        setBackend(backend);
        const random = new Random(size);
        const payloads = [random.bytes(size), random.bytes(size + 1), random.bytes(1)];
        const lead = 5;
        const bytes = wire(payloads, lead);
        const original = bytes.slice();
        const out = new ScanOutcome();
        scanChunk(bytes, lead, SERVER, 0, out);
        expect(out.status).toBe(ScanStatus.COMPLETE);
        expect(out.count).toBe(3);
        expect(out.next).toBe(bytes.length);
        expect(out.end).toBe(bytes.length);
        expect(payloadsOf(out, bytes, false)).toEqual(payloads);
        if (out.inLinearMemory) {
          // WASM: the input is untouched until the payloads are copied back over it.
          expect(bytes).toEqual(original);
          expect(out.source).not.toBe(bytes);
          copyPayloadsBack(bytes, lead, out);
        } else {
          expect(out.source).toBe(bytes);
          expect(out.sourceToInput).toBe(0);
        }
        expect(payloadsOf(out, bytes, true)).toEqual(payloads);
        expect(bytes.subarray(0, lead)).toEqual(original.subarray(0, lead));
      });
    }
  }

  it('auto: WASM from SCAN_WASM_MIN_BYTES (64 B) of input on, JS below it', () => {
    const small = wire([new Uint8Array(10)]);
    const large = wire([new Uint8Array(100)]);
    const out = new ScanOutcome();
    scanChunk(small, 0, SERVER, 0, out);
    expect(out.inLinearMemory).toBe(false);
    scanChunk(large, 0, SERVER, 0, out);
    expect(out.inLinearMemory).toBe(true);
    scanChunk(large, 0, SERVER, 0, out, true);
    expect(out.inLinearMemory).toBe(false);
  });

  it('a JS scan after a WASM scan fills the outcome’s own table, not the one in linear memory', () => {
    const out = new ScanOutcome();
    const large = wire([new Uint8Array(100).fill(7)]);
    scanChunk(large, 0, SERVER, 0, out);
    const wasmTable = out.table;
    expect(wasmTable).not.toBe(out.jsTable);
    const small = wire([Uint8Array.of(1, 2, 3)]);
    scanChunk(small, 0, SERVER, 0, out);
    expect(out.table).toBe(out.jsTable);
    expect(payloadsOf(out, small, false)).toEqual([Uint8Array.of(1, 2, 3)]);
  });

  it('the WASM backend scans at most its staging area: end says where the region stopped', () => {
    setBackend('wasm-simd');
    const random = new Random(7);
    // 40 frames of 16 KiB: more than the 256 KiB staging area.
    const payloads = Array.from({ length: 40 }, () => random.bytes(16 * 1024));
    const bytes = wire(payloads);
    const out = new ScanOutcome();
    scanChunk(bytes, 0, SERVER, 0, out);
    expect(out.end).toBeLessThan(bytes.length);
    expect(out.next).toBeLessThanOrEqual(out.end);
    expect(out.count).toBeGreaterThan(0);
    expect(payloadsOf(out, bytes, false)).toEqual(payloads.slice(0, out.count));
  });
});

describe('validateUtf8 answers in one number', () => {
  const text = new TextEncoder().encode('aé€😀'.repeat(40));
  for (const backend of ['js', 'wasm', 'wasm-simd', 'auto'] as const) {
    it(`${backend}: a text validated in two pieces with another validation in between`, () => {
      setBackend(backend);
      // Cut inside the 4-byte sequence of the first emoji: the state carries an unfinished code point.
      const cut = 7;
      const first = validateUtf8(text, 0, cut, UTF8_ACCEPT);
      expect(first).toBeGreaterThan(UTF8_ACCEPT);
      // Anything validated meanwhile (another connection's message, say) leaves `first` as it was.
      const other = new Uint8Array(300).fill(0xff);
      const failed = validateUtf8(other, 0, other.length, UTF8_ACCEPT);
      expect(failed).toBeLessThan(0);
      expect(utf8InvalidAt(failed)).toBe(0);
      expect(validateUtf8(text, 3, 200, UTF8_ACCEPT)).toBeGreaterThanOrEqual(0);
      expect(validateUtf8(text, cut, text.length, first)).toBe(UTF8_ACCEPT);
      // An invalid byte names its index in the input, also past the first piece.
      const broken = text.slice();
      broken[150] = 0xc0;
      const run = validateUtf8(broken, cut, broken.length, first);
      expect(run).toBeLessThan(0);
      expect(utf8InvalidAt(run)).toBe(150);
    });
  }
});
