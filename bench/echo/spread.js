// Median and range over the rounds of one cell: the tables show the median, the detail tables and the
// JSON the range, so that a reader can tell a real difference from run-to-run noise.

import { formatValue } from '../lib/format.js';

/** { median, min, max, n } of the finite numbers given, or null when there are none. */
export function spreadOf(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

/** '123 [110–130]' (values divided by `divide` first). */
export function formatSpread(spread, divide = 1) {
  if (spread === null) return '–';
  const f = (v) => formatValue(v / divide);
  return spread.n === 1 ? f(spread.median) : `${f(spread.median)} [${f(spread.min)}–${f(spread.max)}]`;
}
