// Mask/unmask in place in the browser, 2 B to 16 MiB: the Node codec suite's mask measure (bench/codec/
// mask.js) less its Node-only rows (bufferutil). Rows: unmask as users call it ('auto'), the SIMD kernel on
// bytes already in linear memory, the wrappers forced to wasm-simd and to wasm, the JS twin forced with setBackend('js'),
// a plain byte loop, and a copy of the same size (Uint8Array#set: the floor any copy-in/copy-out path pays).
// Buffer placement rotates between rounds (bench/codec/offsets.js).

import { prepareBackend, unmask } from 'wasmsocket/codec';
import { maskByteLoop } from '../../codec/byte-loop.js';
import { forcedBackend } from '../../codec/forced-backend.js';
import { copyPairs, OFFSETS, offsetForRound, sharedOffsetViews } from '../../codec/offsets.js';
import { formatBytes } from '../../lib/format.js';
import { inPlaceKernels, loadInPlaceKernels } from './in-place-kernels.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES = [2, 4, 8, 16, 32, 64, 128, 256, 512, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB];
const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const KEY_WORD = (KEY[0] | (KEY[1] << 8) | (KEY[2] << 16) | (KEY[3] << 24)) >>> 0;

const SERIES = [
  { id: 'auto', label: 'wasmsocket unmask (auto)' },
  { id: 'forced-wasm-simd', label: "setBackend('wasm-simd')" },
  { id: 'forced-wasm', label: "setBackend('wasm')" },
  { id: 'in-place', label: 'WASM maskBytes in place' },
  { id: 'forced-js', label: "setBackend('js')" },
  { id: 'byte-loop', label: 'pure JS byte loop' },
  { id: 'memcpy', label: 'memcpy floor (set)' },
];

/** A cell whose run() works on the view chosen for the current round. */
function rotatingCell(size, run) {
  const views = sharedOffsetViews(size);
  const cell = {
    units: size,
    data: views[0],
    prepare(_iterations, round) {
      cell.data = views[OFFSETS.indexOf(offsetForRound(round))];
    },
    run,
  };
  return cell;
}

function unmaskCell(size) {
  return rotatingCell(size, function run(n) {
    const data = this.data;
    for (let i = 0; i < n; i++) unmask(data, KEY);
    return data[0];
  });
}

function cellFor(c, series) {
  const size = c.size;
  switch (series.id) {
    case 'auto':
      return unmaskCell(size);
    case 'forced-js':
    case 'forced-wasm':
    case 'forced-wasm-simd':
      return forcedBackend(series.id.slice('forced-'.length), unmaskCell(size));
    case 'byte-loop':
      return rotatingCell(size, function run(n) {
        const data = this.data;
        for (let i = 0; i < n; i++) maskByteLoop(data, KEY);
        return data[0];
      });
    case 'memcpy': {
      const pairs = copyPairs(size);
      const cell = {
        units: size,
        pair: pairs[0],
        prepare(_iterations, round) {
          cell.pair = pairs[OFFSETS.indexOf(offsetForRound(round))];
        },
        run(n) {
          const { source, target } = cell.pair;
          for (let i = 0; i < n; i++) target.set(source);
          return target[0];
        },
      };
      return cell;
    }
    case 'in-place': {
      const kernels = inPlaceKernels(SIZES.at(-1) + OFFSETS.at(-1));
      const maskBytes = kernels.exports.maskBytes;
      let ptr = kernels.stagingPtr;
      return {
        units: size,
        prepare(_iterations, round) {
          ptr = kernels.stagingPtr + offsetForRound(round);
        },
        run(n) {
          for (let i = 0; i < n; i++) maskBytes(ptr, size, KEY_WORD, 0);
          return kernels.bytes[ptr];
        },
      };
    }
    default:
      throw new Error(`bench: unknown mask series ${series.id}`);
  }
}

export const maskMeasure = {
  id: 'mask',
  title: 'mask/unmask in place (Chromium)',
  unit: 'GB/s',
  scale: 1e9,
  caseLabel: 'size',
  chart: 'line',
  cases: SIZES.map((size) => ({ label: formatBytes(size), size })),
  series: SERIES,
  ratios: [
    { label: 'auto ÷ best forced', of: 'auto', over: ['forced-js', 'forced-wasm', 'forced-wasm-simd'] },
    { label: 'auto ÷ byte loop', of: 'auto', over: 'byte-loop' },
    { label: 'auto ÷ best JS', of: 'auto', over: ['byte-loop', 'forced-js'] },
    { label: 'wasm-simd ÷ js (wrapper vs twin)', of: 'forced-wasm-simd', over: 'forced-js' },
    { label: 'in place ÷ wasm-simd wrapper', of: 'in-place', over: 'forced-wasm-simd' },
  ],
  notes: [
    `Each cell is the median of 5 rounds; round r places the buffer at byteOffset ${OFFSETS.join(', ')} (one each).`,
    'The byte loop XORs in place like unmask; "memcpy floor" is one Uint8Array#set of the same size.',
    '"in place" calls the kernel on bytes already in linear memory (no copy): the ceiling for the batch scanner.',
  ],
  // The page loads only the build 'auto' uses; the scalar one is fetched for its forced row.
  before: async () => {
    await loadInPlaceKernels();
    await prepareBackend('wasm');
  },
  cell: cellFor,
};
