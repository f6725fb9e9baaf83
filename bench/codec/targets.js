// The project's codec performance targets, read off this run's tables. Reported, never asserted: a
// benchmark informs, it does not fail a build. A target whose measure did not run (`npm start` runs only
// some of them) is left out; a missed one says by how much and what the machine's load was.

import { formatBytes, formatRatio, formatValue } from '../lib/format.js';
import { ratioAt, seriesById } from '../lib/result.js';
import { verdict } from '../lib/verdict.js';

const KIB = 1024;
const MIB = 1024 * KIB;

/** The lowest value of fn(i) over the cases whose size is within [from, to], and where it occurs. */
function lowest(result, from, to, fn) {
  let worst = null;
  result.cases.forEach((c, i) => {
    if (c.size < from || c.size > to) return;
    const value = fn(i);
    if (value !== null && (worst === null || value < worst.value)) worst = { value, label: c.label };
  });
  return worst;
}

function ratio(result, of, over) {
  return (i) => ratioAt(result, { of, over }, i);
}

/**
 * Every target this run measured: [{ label, worst: { value, label } | null, goal, format, reported? }].
 * A `reported` row has no goal (a figure shown beside the targets).
 */
export function codecTargets(results) {
  const r = Object.fromEntries(results.map((result) => [result.id, result]));
  const rows = [];
  const gbs = (v) => `${formatValue(v)} GB/s`;
  const mask = r.mask;
  if (mask !== undefined) {
    const inPlace = (i) => seriesById(mask, 'in-place').values[i];
    rows.push({
      label: 'WASM mask in place >= 30 GB/s, 512 B-1 MiB',
      worst: lowest(mask, 512, MIB, inPlace),
      goal: 30,
      format: gbs,
    });
    rows.push({
      label: 'WASM mask in place >= 2x bufferutil, 512 B-1 MiB',
      worst: lowest(mask, 512, MIB, ratio(mask, 'in-place', 'bufferutil')),
      goal: 2,
    });
    rows.push({
      label: 'unmask (auto) >= 1.0x bufferutil, 16 B-64 KiB',
      worst: lowest(mask, 16, 64 * KIB, ratio(mask, 'auto', 'bufferutil')),
      goal: 1,
    });
    rows.push({
      label: 'unmask (auto) >= 0.9x best JS, 2 B-256 B',
      worst: lowest(mask, 2, 256, ratio(mask, 'auto', ['byte-loop', 'forced-js'])),
      goal: 0.9,
    });
    rows.push({
      label: 'unmask (auto) >= 0.9x the JS loop, all sizes',
      worst: lowest(mask, 0, Infinity, ratio(mask, 'auto', 'byte-loop')),
      goal: 0.9,
    });
    for (const size of [MIB, 16 * MIB]) {
      const i = mask.cases.findIndex((c) => c.size === size);
      const value = ratioAt(mask, { of: 'auto', over: 'bufferutil' }, i);
      rows.push({
        label: `unmask (auto) ÷ bufferutil at ${formatBytes(size)}`,
        worst: { value, label: '' },
        reported: true,
      });
    }
  }
  for (const id of ['utf8-ascii', 'utf8-mixed']) {
    const utf8 = r[id];
    if (utf8 === undefined) continue;
    rows.push({
      label: `${id}: isValidUtf8 >= 2x buffer.isUtf8, <= 256 B`,
      worst: lowest(utf8, 0, 256, ratio(utf8, 'auto', 'host')),
      goal: 2,
    });
    rows.push({
      label: `${id}: isValidUtf8 >= 0.9x buffer.isUtf8, all sizes`,
      worst: lowest(utf8, 0, Infinity, ratio(utf8, 'auto', 'host')),
      goal: 0.9,
    });
  }
  const mixed = r['utf8-mixed'];
  if (mixed !== undefined) {
    rows.push({
      label: 'WASM validator in place >= 10x TextDecoder fatal, mixed text',
      worst: lowest(mixed, 0, Infinity, ratio(mixed, 'in-place', 'text-decoder')),
      goal: 10,
    });
  }
  const frames = r.frames;
  if (frames !== undefined) {
    for (const id of ['binary-32', 'text-32']) {
      const i = frames.cases.findIndex((c) => c.id === id);
      const views = ratioAt(frames, { of: 'views', over: 'ws' }, i);
      const copies = ratioAt(frames, { of: 'copies', over: 'ws' }, i);
      rows.push({ label: `scanner views >= 3x ws Receiver, ${id}`, worst: { value: views, label: '' }, goal: 3 });
      rows.push({ label: `scanner copied >= 2x ws Receiver, ${id}`, worst: { value: copies, label: '' }, goal: 2 });
    }
  }
  return rows.map((row) => ({ format: formatRatio, ...row }));
}

export function targetsMarkdown(results) {
  const lines = codecTargets(results).map(({ label, worst, goal, format, reported }) => {
    if (reported) return `| ${label} (reported) | ${format(worst.value)} | – |`;
    const text =
      worst === null ? 'not measured' : `lowest ${format(worst.value)}${worst.label ? ` (at ${worst.label})` : ''}`;
    return `| ${label} | ${text} | ${verdict(worst?.value ?? null, goal, { format })} |`;
  });
  return ['### Against the targets', '', '| target | this run | |', '| :--- | :--- | :--- |', ...lines].join('\n');
}

/** The codec's lines of the one-screen summary (at most 100 columns each). */
export function codecHeadline(results) {
  const lines = ['Codec (wasmsocket/codec on arbitrary buffers; worst size of each range):'];
  for (const { label, worst, goal, format, reported } of codecTargets(results)) {
    if (reported) continue;
    const text = verdict(worst?.value ?? null, goal, { format, short: true });
    const at = worst?.label ? ` at ${worst.label}` : '';
    lines.push(`  ${label}: ${text}${at}`.slice(0, 100));
  }
  return lines;
}
