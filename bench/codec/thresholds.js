// The dispatcher thresholds the measured figures imply, beside the values the built codec uses now (Node's
// table: this suite runs in Node; other runtimes' tables come from bench/codec/runtime-mask.js and bench:browser).
// A crossover is the smallest size from which switching to the path that wins at large sizes costs at most
// 10% (the 'auto' rows' goal: never below ~0.9x the best alternative) at that size and at every larger
// size measured, so one lucky small size does not count and a tie within noise does not block it.

const TOLERANCE = 0.9;

import { HOST_UTF8_MIN_BYTES } from '../../dist/src/codec/api-utf8.js';
import { MASK_WASM_MIN_BYTES, SCAN_WASM_MIN_BYTES, UTF8_WASM_MIN_BYTES } from '../../dist/src/codec/dispatch.js';
import { formatBytes, formatRatio } from '../lib/format.js';
import { seriesById } from '../lib/result.js';

/** The best of several series at each case. */
function bestOf(result, ids) {
  return result.cases.map((_, i) => Math.max(...ids.map((id) => seriesById(result, id).values[i] ?? 0)));
}

/** { size, index } of the crossover of `fast` over `slow` (value arrays), or null when `fast` loses at the top. */
function crossover(result, fast, slow) {
  let index = null;
  for (let i = result.cases.length - 1; i >= 0; i--) {
    if (!(fast[i] >= TOLERANCE * slow[i])) break;
    index = i;
  }
  return index === null ? null : { size: result.cases[index].size, index };
}

function evidence(result, fast, slow, found, fastName, slowName) {
  const at = (i) => `${formatBytes(result.cases[i].size)}: ${formatRatio(fast[i] / slow[i])}`;
  if (found === null) return `${result.id}: ${fastName} never overtakes ${slowName} (${at(result.cases.length - 1)})`;
  const below = found.index > 0 ? `, ${at(found.index - 1)}` : ' (the smallest size measured)';
  return `${result.id}: ${fastName} ÷ ${slowName} ${at(found.index)}${below}`;
}

/** The larger of several crossovers (the dispatcher must not lose on any of the texts or frame kinds). */
function largest(found) {
  if (found.some((f) => f === null)) return null;
  return Math.max(...found.map((f) => f.size));
}

function rule(constant, file, current, pairs) {
  const found = pairs.map(({ result, fast, slow }) => crossover(result, fast, slow));
  return {
    constant,
    file,
    current,
    measured: largest(found),
    evidence: pairs.map((p, i) => evidence(p.result, p.fast, p.slow, found[i], p.fastName, p.slowName)),
  };
}

export function thresholdRules(results) {
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  const values = (id, series) => seriesById(byId[id], series).values;
  const wrapperOverJs = (id) => ({
    result: byId[id],
    fast: values(id, 'forced-wasm-simd'),
    slow: values(id, 'forced-js'),
    fastName: 'WASM wrapper',
    slowName: 'JS twin',
  });
  const hostOverOurs = (id) => ({
    result: byId[id],
    fast: values(id, 'host'),
    slow: bestOf(byId[id], ['forced-js', 'forced-wasm-simd']),
    fastName: 'buffer.isUtf8',
    slowName: 'best of JS DFA and WASM wrapper',
  });
  return [
    rule('MASK_WASM_MIN_BYTES', 'src/codec/dispatch-thresholds.ts (node maskWasmMinBytes)', MASK_WASM_MIN_BYTES, [
      wrapperOverJs('mask'),
    ]),
    rule('UTF8_WASM_MIN_BYTES', 'src/codec/dispatch-thresholds.ts (node utf8WasmMinBytes)', UTF8_WASM_MIN_BYTES, [
      wrapperOverJs('utf8-ascii'),
      wrapperOverJs('utf8-mixed'),
    ]),
    rule('HOST_UTF8_MIN_BYTES', 'src/codec/api-utf8.ts', HOST_UTF8_MIN_BYTES, [
      hostOverOurs('utf8-ascii'),
      hostOverOurs('utf8-mixed'),
    ]),
    rule('SCAN_WASM_MIN_BYTES', 'src/codec/dispatch-thresholds.ts (node scanWasmMinBytes)', SCAN_WASM_MIN_BYTES, [
      wrapperOverJs('scan-chunk-binary'),
      wrapperOverJs('scan-chunk-text'),
    ]),
  ];
}

export function thresholdsMarkdown(results) {
  const lines = [
    '### Dispatcher thresholds implied by this run',
    '',
    '| constant | file | in the build measured | crossover (within 10%) | evidence |',
    '| :--- | :--- | ---: | ---: | :--- |',
  ];
  for (const r of thresholdRules(results)) {
    const measured = r.measured === null ? 'none' : formatBytes(r.measured);
    lines.push(`| ${r.constant} | ${r.file} | ${formatBytes(r.current)} | ${measured} | ${r.evidence.join('; ')} |`);
  }
  return lines.join('\n');
}
