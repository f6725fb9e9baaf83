// Number and size formatting shared by the tables and the charts.

const BINARY_UNITS = [
  [1 << 30, 'GiB'],
  [1 << 20, 'MiB'],
  [1 << 10, 'KiB'],
];

/** 1536 -> '1.5 KiB', 64 -> '64 B'. */
export function formatBytes(bytes) {
  for (const [size, unit] of BINARY_UNITS) {
    if (bytes >= size) return `${trimZeros((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}

function trimZeros(text) {
  return text.replace(/\.0$/, '');
}

/** Three significant digits, without exponent notation for the ranges benchmarks produce. */
export function formatValue(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude >= 0.01) return value.toFixed(3);
  return value.toPrecision(2);
}

/** A ratio as '1.23x' (two significant digits below 0.1: '0.0046x', not '0.00x'). */
export function formatRatio(ratio) {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  if (ratio !== 0 && Math.abs(ratio) < 0.1) return `${ratio.toPrecision(2)}x`;
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}x`;
}
