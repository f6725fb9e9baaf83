// UTF-8 validation (RFC 3629 section 4): every backend against the platform's fatal TextDecoder, which
// implements the same well-formedness table and reports errors at the same byte.

import { isValidUtf8, Utf8Validator } from 'wasmsocket/codec';
import { assertEqual, type Check } from '../../support/check.ts';
import { Random } from '../../support/random.ts';

/** True when the oracle finds an error within the first `length` bytes (an unfinished end is no error). */
function oracleErrsWithin(bytes: Uint8Array, length: number): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
    return false;
  } catch {
    return true;
  }
}

/**
 * The oracle's index of the first invalid byte, -1 when valid, or `length` when only unfinished at the
 * end. "Some error within the first n bytes" only turns true as n grows, so a binary search finds it.
 */
function oracleFirstInvalid(bytes: Uint8Array): number {
  if (!oracleErrsWithin(bytes, bytes.length)) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return -1;
    } catch {
      return bytes.length;
    }
  }
  let low = 0; // an error within the first low bytes: no
  let high = bytes.length; // an error within the first high bytes: yes
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (oracleErrsWithin(bytes, middle)) high = middle;
    else low = middle;
  }
  return high - 1;
}

/** Named sequences of every class: valid boundaries and each way to be invalid. */
const SEQUENCES: ReadonlyArray<readonly [string, number[]]> = [
  ['U+0000', [0x00]],
  ['U+007F', [0x7f]],
  ['U+0080', [0xc2, 0x80]],
  ['U+07FF', [0xdf, 0xbf]],
  ['U+0800', [0xe0, 0xa0, 0x80]],
  ['U+D7FF', [0xed, 0x9f, 0xbf]],
  ['U+E000', [0xee, 0x80, 0x80]],
  ['U+FFFD', [0xef, 0xbf, 0xbd]],
  ['U+FFFF', [0xef, 0xbf, 0xbf]],
  ['U+10000', [0xf0, 0x90, 0x80, 0x80]],
  ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
  ['overlong 2-byte C0', [0xc0, 0x80]],
  ['overlong 2-byte C1', [0xc1, 0xbf]],
  ['overlong 3-byte', [0xe0, 0x80, 0x80]],
  ['overlong 3-byte high', [0xe0, 0x9f, 0xbf]],
  ['overlong 4-byte', [0xf0, 0x80, 0x80, 0x80]],
  ['overlong 4-byte high', [0xf0, 0x8f, 0xbf, 0xbf]],
  ['surrogate U+D800', [0xed, 0xa0, 0x80]],
  ['surrogate U+DFFF', [0xed, 0xbf, 0xbf]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['lead F5', [0xf5, 0x80, 0x80, 0x80]],
  ['lead FF', [0xff]],
  ['lone continuation 80', [0x80]],
  ['lone continuation BF', [0xbf]],
  ['two continuations', [0x80, 0x80]],
  ['truncated 2-byte', [0xc2]],
  ['truncated 3-byte', [0xe2, 0x82]],
  ['truncated 4-byte', [0xf0, 0x9f, 0x98]],
  ['truncated 2-byte then ASCII', [0xc2, 0x41]],
  ['truncated 3-byte then ASCII', [0xe2, 0x82, 0x41]],
  ['truncated 4-byte then lead', [0xf0, 0x9f, 0x98, 0xc2, 0x80]],
  ['5-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['euro sign', [0xe2, 0x82, 0xac]],
  ['emoji', [0xf0, 0x9f, 0x98, 0x80]],
];

/** Validates by pushing the pieces in turn; the answer in oracle form. */
function streamingFirstInvalid(bytes: Uint8Array, cuts: number[]): number {
  const validator = new Utf8Validator();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const bad = validator.push(bytes.subarray(start, cut));
    if (bad >= 0) return start + bad;
    start = cut;
  }
  return validator.end() ? -1 : bytes.length;
}

function check(bytes: Uint8Array, label: string): void {
  const expected = oracleFirstInvalid(bytes);
  assertEqual(isValidUtf8(bytes), expected === -1, `isValidUtf8 ${label}`);
  assertEqual(streamingFirstInvalid(bytes, []), expected, `first invalid byte ${label}`);
}

const ascii = (n: number) => new Uint8Array(n).fill(0x61);

export const utf8Checks: Check[] = [
  {
    name: 'utf8: every sequence class, at every position of 16- and 32-byte lanes',
    run() {
      for (const [name, sequence] of SEQUENCES) {
        for (let before = 0; before <= 40; before++) {
          for (const after of [0, 1, 17, 40]) {
            const bytes = new Uint8Array(before + sequence.length + after).fill(0x61);
            bytes.set(sequence, before);
            check(bytes, `${name} after ${before} and before ${after} ASCII bytes`);
          }
        }
      }
    },
  },
  {
    name: 'utf8: split at every position across streaming calls, the first invalid byte is found',
    run() {
      for (const [name, sequence] of SEQUENCES) {
        const bytes = new Uint8Array(20 + sequence.length + 20).fill(0x62);
        bytes.set(sequence, 20);
        bytes.set([0xc3, 0xa9], 3); // an é before the case, to carry a multibyte state into it
        const expected = oracleFirstInvalid(bytes);
        for (let cut = 0; cut <= bytes.length; cut++) {
          assertEqual(streamingFirstInvalid(bytes, [cut]), expected, `${name} split at ${cut}`);
        }
        for (let cut = 1; cut < bytes.length; cut += 3) {
          assertEqual(streamingFirstInvalid(bytes, [cut, cut + 1, cut + 2]), expected, `${name} in 1-byte pieces`);
        }
      }
    },
  },
  {
    name: 'utf8: every 2-byte sequence, and 3- and 4-byte sequences around the boundaries',
    run() {
      const bytes = ascii(48);
      for (let a = 0; a < 256; a++) {
        for (let b = 0; b < 256; b++) {
          bytes[30] = a;
          bytes[31] = b;
          check(bytes, `${a.toString(16)} ${b.toString(16)}`);
        }
      }
      bytes.fill(0x61);
      const around = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0];
      for (let lead = 0xe0; lead <= 0xf7; lead++) {
        for (const b of around) {
          for (const c of around) {
            for (const d of around) {
              bytes.set([lead, b, c, d], 29);
              check(bytes, `${lead.toString(16)} ${b.toString(16)} ${c.toString(16)} ${d.toString(16)}`);
            }
          }
        }
      }
    },
  },
  {
    name: 'utf8: random mixed text up to 1 MiB, valid and with one byte corrupted',
    run() {
      const random = new Random(4);
      const encoder = new TextEncoder();
      const ranges = [
        [0x20, 0x7f],
        [0xa0, 0x800],
        [0x800, 0xd800],
        [0xe000, 0x10000],
        [0x10000, 0x110000],
      ];
      for (const size of [33, 100, 1000, 5000, 70_000, 300_000, 1 << 20]) {
        const characters: string[] = [];
        let length = 0;
        while (length < size) {
          const [low, high] = ranges[random.below(ranges.length)];
          const codePoint = low + random.below(high - low);
          characters.push(String.fromCodePoint(codePoint));
          length += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
        }
        const bytes = encoder.encode(characters.join(''));
        check(bytes, `valid mixed ${bytes.length} bytes`);
        for (let i = 0; i < 3; i++) {
          const corrupted = bytes.slice();
          corrupted[random.below(corrupted.length)] = [0x80, 0xc0, 0xed, 0xf5, 0xe0][random.below(5)];
          check(corrupted, `corrupted mixed ${bytes.length} bytes`);
        }
      }
    },
  },
  {
    name: 'utf8: a validator reused after end() starts fresh; end() reports unfinished code points',
    run() {
      const validator = new Utf8Validator();
      assertEqual(validator.push(Uint8Array.of(0xe2, 0x82)), -1, 'first two bytes of the euro sign');
      assertEqual(validator.end(), false, 'end inside a code point');
      assertEqual(validator.push(Uint8Array.of(0x41)), -1, 'fresh after end');
      assertEqual(validator.end(), true, 'complete');
      assertEqual(validator.push(Uint8Array.of(0x41, 0xff, 0x41)), 1, 'invalid byte at 1');
      assertEqual(validator.failed, true, 'failed after an invalid byte');
      assertEqual(validator.end(), false, 'end after failure');
    },
  },
];
