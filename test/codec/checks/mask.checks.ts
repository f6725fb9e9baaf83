// Masking (RFC 6455 section 5.3): every backend against a byte-loop oracle written here.

import { mask, unmask } from 'wasmsocket/codec';
import { assert, assertBytesEqual, assertThrows, type Check } from '../../support/check.ts';
import { Random } from '../../support/random.ts';

/** The oracle: the RFC's definition, one byte at a time. */
function maskOracle(data: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return data.map((byte, i) => byte ^ key[(i + phase) & 3]);
}

/** A view of `length` random bytes starting `byteOffset` bytes into a larger buffer. */
function bytesAt(random: Random, length: number, byteOffset: number): Uint8Array {
  const backing = random.bytes(length + byteOffset + 8);
  return new Uint8Array(backing.buffer, byteOffset, length);
}

function checkOne(random: Random, length: number, phase: number, byteOffset: number): void {
  const key = random.bytes(4);
  const data = bytesAt(random, length, byteOffset);
  const expected = maskOracle(data, key, phase);
  const original = data.slice();
  const returned = mask(data, key, phase);
  assert(returned === data, 'mask returns its argument');
  assertBytesEqual(data, expected, `mask length ${length} phase ${phase} offset ${byteOffset}`);
  unmask(data, key, phase);
  assertBytesEqual(data, original, `unmask restores length ${length} phase ${phase} offset ${byteOffset}`);
}

// The staging area of the WASM kernels (assembly/layout.ts STAGING_SIZE): inputs are cut there.
const STAGING_SIZE = 256 * 1024;

export const maskChecks: Check[] = [
  {
    name: 'mask: every length 0-1024, every key phase, byte offsets 0, 1, 3 and 7',
    run() {
      const random = new Random(1);
      for (let length = 0; length <= 1024; length++) {
        for (let phase = 0; phase < 4; phase++) {
          for (const byteOffset of [0, 1, 3, 7]) checkOne(random, length, phase, byteOffset);
        }
      }
    },
  },
  {
    name: 'mask: random lengths up to 1 MiB',
    run() {
      const random = new Random(2);
      for (let i = 0; i < 12; i++) checkOne(random, random.below(1 << 20), random.below(4), random.below(16));
    },
  },
  {
    name: 'mask: lengths straddling the staging size keep the key phase across pieces',
    run() {
      const random = new Random(3);
      for (const length of [STAGING_SIZE - 1, STAGING_SIZE, STAGING_SIZE + 1, 2 * STAGING_SIZE + 3]) {
        for (let phase = 0; phase < 4; phase++) checkOne(random, length, phase, phase + 1);
      }
    },
  },
  {
    name: 'mask: a Buffer-like subarray is masked only within its bounds',
    run() {
      const backing = new Uint8Array(64).fill(0xaa);
      const view = backing.subarray(5, 37);
      mask(view, Uint8Array.of(1, 2, 3, 4), 2);
      for (let i = 0; i < 64; i++) {
        const inside = i >= 5 && i < 37;
        const expected = inside ? 0xaa ^ [1, 2, 3, 4][(i - 5 + 2) & 3] : 0xaa;
        assert(backing[i] === expected, `byte ${i} is ${backing[i]}, expected ${expected}`);
      }
    },
  },
  {
    name: 'mask: bad arguments throw TypeError or RangeError',
    run() {
      const data = new Uint8Array(8);
      const key = new Uint8Array(4);
      const isType = (e: unknown) => e instanceof TypeError;
      const isRange = (e: unknown) => e instanceof RangeError;
      assertThrows(() => mask('text' as unknown as Uint8Array, key), isType, 'string data');
      assertThrows(() => mask(data, [1, 2, 3, 4] as unknown as Uint8Array), isType, 'array key');
      assertThrows(() => mask(data, new Uint8Array(3)), isRange, '3-byte key');
      assertThrows(() => mask(data, key, 4), isRange, 'phase 4');
      assertThrows(() => mask(data, key, 1.5), isType, 'phase 1.5');
    },
  },
];
