// The figures the browser run is read for, taken from its own tables (every ratio compares rows of this
// run): the WASM validator against TextDecoder fatal (all a browser has), WASM masking against JS, the
// batch scanner against the JS scanner, and the sizes where 'auto' falls more than 10 % behind the better
// of the two forced backends (where the dispatcher's Node-measured thresholds do not suit this engine).

import { formatRatio } from '../lib/format.js';
import { ratioAt, seriesById } from '../lib/result.js';

/** Below this share of the better forced backend, 'auto' counts as having chosen badly at that size. */
const AUTO_TOLERANCE = 0.9;

function ratioRange(result, ratio) {
  const values = result.cases.map((_, i) => ratioAt(result, ratio, i));
  const at = (i) => `${result.cases[i].label}: ${formatRatio(values[i])}`;
  const finite = values.map((v, i) => ({ v, i })).filter(({ v }) => v !== null);
  const low = finite.reduce((a, b) => (b.v < a.v ? b : a));
  const high = finite.reduce((a, b) => (b.v > a.v ? b : a));
  return { at, low: at(low.i), high: at(high.i) };
}

function pick(result, ratio, sizes) {
  const { at } = ratioRange(result, ratio);
  return sizes
    .map((size) => result.cases.findIndex((c) => c.size === size))
    .filter((i) => i >= 0)
    .map(at)
    .join(', ');
}

function autoShortfalls(result) {
  const auto = seriesById(result, 'auto').values;
  const js = seriesById(result, 'forced-js').values;
  const wasm = seriesById(result, 'forced-wasm-simd').values;
  const lagging = result.cases
    .map((c, i) => ({ c, share: auto[i] / Math.max(js[i], wasm[i]) }))
    .filter(({ share }) => share < AUTO_TOLERANCE)
    .map(({ c, share }) => `${c.label} (${formatRatio(share)})`);
  return lagging.length === 0 ? 'none' : lagging.join(', ');
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** The summary lines for the measures present in `results` (a partial run gets a partial summary). */
export function summaryMarkdown(results) {
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  const lines = ['### Read off this run', ''];
  for (const kind of ['mixed', 'ascii']) {
    const result = byId[`utf8-${kind}`];
    if (result === undefined) continue;
    const ratio = { of: 'forced-wasm-simd', over: 'text-decoder' };
    const inPlace = { of: 'in-place', over: 'text-decoder' };
    lines.push(
      `- UTF-8, ${kind} text: WASM validator (setBackend('wasm-simd')) ÷ TextDecoder fatal at ` +
        `${pick(result, ratio, [64, KIB, 64 * KIB, MIB])}; in place ÷ TextDecoder ${pick(result, inPlace, [64, KIB, 64 * KIB, MIB])}.`,
    );
  }
  const mask = byId.mask;
  if (mask !== undefined) {
    lines.push(
      `- Mask: WASM wrapper ÷ JS twin at ${pick(mask, { of: 'forced-wasm-simd', over: 'forced-js' }, [64, KIB, 64 * KIB, MIB, 16 * MIB])}; ` +
        `auto ÷ byte loop at ${pick(mask, { of: 'auto', over: 'byte-loop' }, [KIB, MIB, 16 * MIB])}.`,
    );
  }
  const frames = byId.frames;
  if (frames !== undefined) {
    const scanner = ratioRange(frames, { of: 'views', over: 'frame-scanner-js' });
    const publicScanner = ratioRange(frames, { of: 'frame-scanner', over: 'frame-scanner-js' });
    lines.push(
      `- Frames: staged scanner (views) ÷ JS scanner from ${scanner.low} to ${scanner.high}; ` +
        `FrameScanner auto ÷ JS from ${publicScanner.low} to ${publicScanner.high}.`,
    );
  }
  for (const id of ['mask', 'utf8-ascii', 'utf8-mixed']) {
    if (byId[id] === undefined) continue;
    lines.push(
      `- ${id}: sizes where 'auto' runs below ${AUTO_TOLERANCE}x the better forced backend: ${autoShortfalls(byId[id])}.`,
    );
  }
  return lines.join('\n');
}
