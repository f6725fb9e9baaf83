// What the size sweep says about the dispatcher: for each message size, which codec backend made our
// server fastest end to end (MB/s, and CPU per MB, which other processes disturb less), how close `auto`
// came to the best forced backend, and from which size WASM SIMD stays within 10 % of JS or ahead of it:
// the evidence to set Node's maskWasmMinBytes and scanWasmMinBytes from (the node table of
// src/codec/dispatch-thresholds.ts: the servers measured here run in Node).

import { RUNTIME, RUNTIME_THRESHOLDS } from '../../dist/src/codec/dispatch.js';
import { formatBytes, formatRatio, formatValue } from '../lib/format.js';
import { seriesById } from '../lib/result.js';
import { SWEEP_BACKENDS } from './cases.js';

/** 'auto' should never fall below this share of the best forced backend (the codec suite's rule too). */
const TOLERANCE = 0.9;

const FORCED = SWEEP_BACKENDS.filter((b) => b !== 'auto');

function values(result, backend) {
  return seriesById(result, `backend-${backend}`).values;
}

/**
 * The smallest size from which `fast` is within TOLERANCE of `slow` (or better) at that size and at every
 * larger one; null when it is not at the largest. lower: smaller values are better (CPU per MB).
 */
function crossover(result, fast, slow, lower) {
  let index = null;
  for (let i = result.cases.length - 1; i >= 0; i--) {
    const ok = lower ? fast[i] <= slow[i] / TOLERANCE : fast[i] >= TOLERANCE * slow[i];
    if (!(typeof fast[i] === 'number' && typeof slow[i] === 'number' && ok)) break;
    index = i;
  }
  return index === null ? null : result.cases[index].size;
}

export function sweepMarkdown(results) {
  const rate = results.find((r) => r.id === 'sweep-throughput');
  const cpu = results.find((r) => r.id === 'sweep-cpu');
  if (rate === undefined || cpu === undefined) return '';
  const lines = [
    '### Size sweep: which backend serves each size best, end to end',
    '',
    'MB/s ratios above 1: the first named moved more bytes per second. CPU/MB ratios below 1: the first named ' +
      'used less server CPU per MB.',
    '',
    '| size | best forced, MB/s | auto ÷ best, MB/s | js ÷ wasm-simd, MB/s | best forced, CPU/MB | auto ÷ best, CPU/MB | js ÷ wasm-simd, CPU/MB |',
    '| :--- | :--- | ---: | ---: | :--- | ---: | ---: |',
  ];
  const below = [];
  const number = (v) => typeof v === 'number';
  const over = (a, b) => (number(a) && number(b) ? a / b : null);
  rate.cases.forEach((c, i) => {
    const best = (result, lower) => {
      const candidates = FORCED.map((b) => ({ b, v: values(result, b)[i] })).filter((x) => number(x.v));
      if (candidates.length === 0) return null;
      return candidates.reduce((a, x) => ((lower ? x.v < a.v : x.v > a.v) ? x : a));
    };
    const bestRate = best(rate, false);
    const bestCpu = best(cpu, true);
    const autoRate = over(values(rate, 'auto')[i], bestRate?.v);
    const autoCpu = over(values(cpu, 'auto')[i], bestCpu?.v);
    if (autoRate !== null && autoCpu !== null && autoRate < TOLERANCE && autoCpu > 1 / TOLERANCE) below.push(c.label);
    const named = (found) => (found === null ? '–' : `${found.b} (${formatValue(found.v)})`);
    lines.push(
      `| ${c.label} | ${named(bestRate)} | ${formatRatio(autoRate)} | ` +
        `${formatRatio(over(values(rate, 'js')[i], values(rate, 'wasm-simd')[i]))} | ${named(bestCpu)} | ` +
        `${formatRatio(autoCpu)} | ${formatRatio(over(values(cpu, 'js')[i], values(cpu, 'wasm-simd')[i]))} |`,
    );
  });
  const simdFromRate = crossover(rate, values(rate, 'wasm-simd'), values(rate, 'js'), false);
  const simdFromCpu = crossover(cpu, values(cpu, 'wasm-simd'), values(cpu, 'js'), true);
  const size = (s) => (s === null ? 'not at the largest size' : `from ${formatBytes(s)}`);
  lines.push(
    '',
    `- WASM SIMD within 10 % of JS or ahead, end to end: by MB/s ${size(simdFromRate)}, by CPU per MB ${size(simdFromCpu)} ` +
      `(the build measured, ${RUNTIME}'s table in src/codec/dispatch-thresholds.ts: maskWasmMinBytes ` +
      `${formatBytes(RUNTIME_THRESHOLDS.maskWasmMinBytes)}, scanWasmMinBytes ${formatBytes(RUNTIME_THRESHOLDS.scanWasmMinBytes)}; ` +
      'each socket read of a large message is one scan, so these sizes are chunk sizes as much as message sizes).',
    below.length === 0
      ? `- auto stayed within ${Math.round(100 * (1 - TOLERANCE))} % of the best forced backend at every size, by MB/s or by CPU per MB.`
      : `- auto was more than ${Math.round(100 * (1 - TOLERANCE))} % behind the best forced backend by both MB/s and CPU per MB at: ${below.join(', ')}.`,
  );
  return lines.join('\n');
}
