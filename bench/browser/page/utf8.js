// UTF-8 validation in the browser, ASCII and mixed-script text, 64 B to 1 MiB: the Node codec suite's
// measure (bench/codec/utf8.js) with the baseline browsers actually have, TextDecoder with fatal: true
// (Node's buffer.isUtf8 and utf-8-validate do not exist here). Rows: isValidUtf8 as users call it ('auto'),
// the wrapper forced to wasm-simd, the SIMD validator on bytes already in linear memory, the JS DFA forced
// with setBackend('js'), and TextDecoder fatal.

import { isValidUtf8 } from 'wasmsocket/codec';
import { forcedBackend } from '../../codec/forced-backend.js';
import { OFFSETS, offsetForRound, offsetViews } from '../../codec/offsets.js';
import { TEXT_KINDS } from '../../codec/text.js';
import { formatBytes } from '../../lib/format.js';
import { inPlaceKernels, loadInPlaceKernels } from './in-place-kernels.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES = [64, 128, 256, 512, KIB, 2 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB];
/** The validator's accept state: a negative return of validateUtf8 means "valid and complete". */
const UTF8_ACCEPT = 0;

const SERIES = [
  { id: 'auto', label: 'wasmsocket isValidUtf8 (auto)' },
  { id: 'forced-wasm-simd', label: "setBackend('wasm-simd')" },
  { id: 'in-place', label: 'WASM validateUtf8 in place' },
  { id: 'forced-js', label: "JS DFA: setBackend('js')" },
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

function isValidUtf8Cell(text) {
  return rotatingCell(text, function run(n) {
    const data = this.data;
    let valid = 0;
    for (let i = 0; i < n; i++) if (isValidUtf8(data)) valid++;
    return valid;
  });
}

function cellFor(text, series) {
  const size = text.length;
  switch (series.id) {
    case 'auto':
      return isValidUtf8Cell(text);
    case 'forced-js':
    case 'forced-wasm-simd':
      return forcedBackend(series.id.slice('forced-'.length), isValidUtf8Cell(text));
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
  const checker = new TextDecoder('utf-8', { fatal: true });
  const textOf = (size) => {
    if (!texts.has(size)) {
      const text = generate(size, size);
      // Throws on invalid UTF-8: the generated text must be valid for the rows' counts to mean anything.
      checker.decode(text);
      texts.set(size, text);
    }
    return texts.get(size);
  };
  return {
    id: `utf8-${kind}`,
    title: `UTF-8 validation, ${label} text (Chromium)`,
    unit: 'GB/s',
    scale: 1e9,
    caseLabel: 'size',
    chart: 'line',
    cases: SIZES.map((size) => ({ label: formatBytes(size), size })),
    series: SERIES,
    ratios: [
      { label: 'auto ÷ TextDecoder', of: 'auto', over: 'text-decoder' },
      { label: 'wasm-simd ÷ TextDecoder', of: 'forced-wasm-simd', over: 'text-decoder' },
      { label: 'in place ÷ TextDecoder', of: 'in-place', over: 'text-decoder' },
      { label: 'auto ÷ JS DFA', of: 'auto', over: 'forced-js' },
      { label: 'wasm-simd ÷ js (wrapper vs twin)', of: 'forced-wasm-simd', over: 'forced-js' },
    ],
    notes: [
      'All text is valid, and every row must say so on every call (the bench stops otherwise). Medians of 5 rounds over 5 buffer offsets.',
      'TextDecoder also builds the decoded string: that is its cost to a browser caller, who has no validate-only API.',
    ],
    before: loadInPlaceKernels,
    cell(c, series) {
      const cell = cellFor(textOf(c.size), series);
      cell.expected = (iterations) => iterations;
      cell.name = `${series.label} on ${c.label} of ${kind} text`;
      return cell;
    },
  };
}
