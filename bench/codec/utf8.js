// Measure 2: UTF-8 validation of ASCII and of mixed-script text, 16 B to 1 MiB. Rows: isValidUtf8 as users
// call it ('auto'), the SIMD validator on bytes already in linear memory, our JS DFA and the WASM validator
// through the wrapper (the two backends forced), Node's buffer.isUtf8 (simdutf), utf-8-validate (the native
// addon ws used before Node had isUtf8), and TextDecoder with fatal: true (all browsers and workerd offer).

import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { isValidUtf8 } from 'wasmsocket/codec';
import { formatBytes } from '../lib/format.js';
import { forcedBackend } from './forced-backend.js';
import { inPlaceKernels } from './in-place-kernels.js';
import { OFFSETS, offsetForRound, offsetViews } from './offsets.js';
import { TEXT_KINDS } from './text.js';

const utf8Validate = createRequire(import.meta.url)('utf-8-validate');

const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES = [16, 32, 64, 128, 256, 512, KIB, 2 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB];
const UTF8_ACCEPT = 0;

const SERIES = [
  { id: 'auto', label: 'wasmsocket isValidUtf8 (auto)' },
  { id: 'in-place', label: 'WASM validateUtf8 in place' },
  { id: 'forced-js', label: "JS DFA: setBackend('js')" },
  { id: 'forced-wasm-simd', label: "setBackend('wasm-simd')" },
  { id: 'host', label: 'buffer.isUtf8' },
  { id: 'utf-8-validate', label: 'utf-8-validate' },
  { id: 'text-decoder', label: 'TextDecoder fatal' },
];

// The placed copies of the current text, shared by the rows of one case.
let placed = { text: null, views: [] };
function viewsOf(text) {
  if (placed.text !== text) placed = { text, views: offsetViews(text.length, text) };
  return placed.views;
}

/** A cell validating the text placed at the current round's offset; run() returns the count found valid. */
function rotatingCell(text, run) {
  const views = viewsOf(text);
  const cell = {
    units: text.length,
    data: views[0],
    prepare(_iterations, round) {
      cell.data = views[OFFSETS.indexOf(offsetForRound(round))];
    },
    run,
  };
  return cell;
}

function cellFor(text, series) {
  const size = text.length;
  switch (series.id) {
    case 'auto':
      return rotatingCell(text, function run(n) {
        const data = this.data;
        let valid = 0;
        for (let i = 0; i < n; i++) if (isValidUtf8(data)) valid++;
        return valid;
      });
    case 'forced-js':
    case 'forced-wasm-simd':
      return forcedBackend(
        series.id.slice('forced-'.length),
        rotatingCell(text, function run(n) {
          const data = this.data;
          let valid = 0;
          for (let i = 0; i < n; i++) if (isValidUtf8(data)) valid++;
          return valid;
        }),
      );
    case 'host':
      return rotatingCell(text, function run(n) {
        const data = this.data;
        let valid = 0;
        for (let i = 0; i < n; i++) if (isUtf8(data)) valid++;
        return valid;
      });
    case 'utf-8-validate':
      return rotatingCell(text, function run(n) {
        const data = this.data;
        let valid = 0;
        for (let i = 0; i < n; i++) if (utf8Validate(data)) valid++;
        return valid;
      });
    case 'text-decoder': {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      return rotatingCell(text, function run(n) {
        const data = this.data;
        let valid = 0;
        for (let i = 0; i < n; i++) {
          try {
            decoder.decode(data);
            valid++;
          } catch {
            // Invalid: not counted. (The bench text is valid; a count short of n shows a broken row.)
          }
        }
        return valid;
      });
    }
    case 'in-place': {
      const kernels = inPlaceKernels(SIZES.at(-1) + OFFSETS.at(-1));
      const validate = kernels.exports.validateUtf8;
      let ptr = kernels.stagingPtr;
      return {
        units: size,
        prepare(_iterations, round) {
          ptr = kernels.stagingPtr + offsetForRound(round);
          kernels.bytes.set(text, ptr);
        },
        run(n) {
          let valid = 0;
          for (let i = 0; i < n; i++) if (validate(ptr, size, UTF8_ACCEPT) < 0) valid++;
          return valid;
        },
      };
    }
    default:
      throw new Error(`bench: unknown utf8 series ${series.id}`);
  }
}

/** The measure for one kind of text ('ascii' or 'mixed'). */
export function utf8Measure(kind) {
  const { label, generate } = TEXT_KINDS[kind];
  const texts = new Map();
  const textOf = (size) => {
    if (!texts.has(size)) {
      const text = generate(size, size);
      if (!isUtf8(text)) throw new Error(`bench: generated ${kind} text of ${size} B is not valid UTF-8`);
      texts.set(size, text);
    }
    return texts.get(size);
  };
  return {
    id: `utf8-${kind}`,
    title: `UTF-8 validation, ${label} text`,
    unit: 'GB/s',
    scale: 1e9,
    caseLabel: 'size',
    chart: 'line',
    cases: SIZES.map((size) => ({ label: formatBytes(size), size })),
    series: SERIES,
    ratios: [
      { label: 'auto ÷ isUtf8', of: 'auto', over: 'host' },
      { label: 'auto ÷ JS DFA', of: 'auto', over: 'forced-js' },
      { label: 'in place ÷ TextDecoder', of: 'in-place', over: 'text-decoder' },
      { label: 'wasm-simd ÷ js (wrapper vs twin)', of: 'forced-wasm-simd', over: 'forced-js' },
      { label: 'isUtf8 ÷ wasm-simd wrapper', of: 'host', over: 'forced-wasm-simd' },
    ],
    notes: [
      'All text is valid, and every row must say so on every call (the bench stops otherwise). Medians of 5 rounds over 5 buffer offsets.',
      'TextDecoder also builds the decoded string: that is its cost to a browser or workerd caller.',
    ],
    cell(c, series) {
      const cell = cellFor(textOf(c.size), series);
      // Every row must find every run of the text valid.
      cell.expected = (iterations) => iterations;
      cell.name = `${series.label} on ${c.label} of ${kind} text`;
      return cell;
    },
  };
}
