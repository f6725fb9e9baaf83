// The mask sweep's table (sweep.js's result), printed by bench/codec/runtime-mask.js for Node, Deno and
// workerd and by bench/browser/run.js for Chromium.

import { formatBytes, formatRatio, formatValue } from '../../lib/format.js';
import { SWEEP_BACKENDS } from './sweep.js';

/** 'auto' should never fall below this share of the best forced backend. */
const TOLERANCE = 0.9;

export function sweepTable(result, cores) {
  const { runtime, version, clock, autoBackend, thresholds, rows, loadBefore, loadAfter } = result;
  const extra = Object.keys(rows[0]?.overBaseline ?? {});
  const columns = [...SWEEP_BACKENDS, ...extra];
  const lines = [
    `### ${runtime}: unmask MB/s per backend (${version}; timed by ${clock})`,
    '',
    `'auto' resolves to ${autoBackend}; thresholds in use: ${JSON.stringify(thresholds)}; ` +
      `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${cores} cores.`,
    '',
    `| size | ${columns.join(' | ')} | best forced | auto ÷ best | js ÷ wasm-simd |${extra.map((b) => ` auto ÷ ${b} |`).join('')}`,
    `| :--- | ${columns.map(() => '---:').join(' | ')} | :--- | ---: | ---: |${extra.map(() => ' ---: |').join('')}`,
  ];
  const below = [];
  for (const { size, mbps, best, autoOverBest: ratio, jsOverSimd, overBaseline } of rows) {
    if (ratio < TOLERANCE) below.push(formatBytes(size));
    const cells = columns.map((b) => formatValue(mbps[b]));
    const baselineCells = extra.map((b) => ` ${formatRatio(overBaseline[b])} |`).join('');
    lines.push(
      `| ${formatBytes(size)} | ${cells.join(' | ')} | ${best} | ${formatRatio(ratio)} | ${formatRatio(jsOverSimd)} |${baselineCells}`,
    );
  }
  lines.push(
    '',
    'MB/s: the median of the rounds; best forced: by that median; the ratios: the median over rounds of the ratio within each round.',
    below.length === 0
      ? `auto within ${Math.round(100 * (1 - TOLERANCE))} % of the best forced backend at every size.`
      : `auto below ${TOLERANCE}x the best forced backend at: ${below.join(', ')}.`,
  );
  return lines.join('\n');
}
