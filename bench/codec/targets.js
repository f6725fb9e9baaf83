// The project's performance targets, read off this run's tables. Reported, never asserted: a benchmark
// informs, it does not fail a build.

import { formatBytes, formatRatio, formatValue } from '../lib/format.js';
import { ratioAt, seriesById } from '../lib/result.js';

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

function describe(worst, format, goal) {
  if (worst === null) return { text: 'not measured', met: false };
  return { text: `lowest ${format(worst.value)} (at ${worst.label})`, met: worst.value >= goal };
}

function byKind(result, id) {
  const index = result.cases.findIndex((c) => c.id === id);
  return index;
}

export function targetsMarkdown(results) {
  const r = Object.fromEntries(results.map((result) => [result.id, result]));
  const rows = [];
  const add = (target, { text, met }) => rows.push(`| ${target} | ${text} | ${met ? 'met' : 'missed'} |`);
  const gbs = (v) => `${formatValue(v)} GB/s`;

  const mask = r.mask;
  add(
    'WASM mask in place >= 30 GB/s, 512 B-1 MiB',
    describe(
      lowest(mask, 512, MIB, (i) => seriesById(mask, 'in-place').values[i]),
      gbs,
      30,
    ),
  );
  add(
    'WASM mask in place >= 2x bufferutil, 512 B-1 MiB',
    describe(lowest(mask, 512, MIB, ratio(mask, 'in-place', 'bufferutil')), formatRatio, 2),
  );
  add(
    'unmask (auto) >= 1.0x bufferutil, 512 B-64 KiB',
    describe(lowest(mask, 512, 64 * KIB, ratio(mask, 'auto', 'bufferutil')), formatRatio, 1),
  );
  add(
    'unmask (auto) >= 0.9x best JS, 2 B-256 B',
    describe(lowest(mask, 2, 256, ratio(mask, 'auto', ['byte-loop', 'forced-js'])), formatRatio, 0.9),
  );
  for (const size of [MIB, 16 * MIB]) {
    const i = mask.cases.findIndex((c) => c.size === size);
    const value = ratioAt(mask, { of: 'auto', over: 'bufferutil' }, i);
    rows.push(`| unmask (auto) ÷ bufferutil at ${formatBytes(size)} (reported) | ${formatRatio(value)} | – |`);
  }
  for (const id of ['utf8-ascii', 'utf8-mixed']) {
    const utf8 = r[id];
    add(
      `${id}: isValidUtf8 >= 2x buffer.isUtf8, <= 256 B`,
      describe(lowest(utf8, 0, 256, ratio(utf8, 'auto', 'host')), formatRatio, 2),
    );
    add(
      `${id}: isValidUtf8 >= 0.9x buffer.isUtf8, all sizes`,
      describe(lowest(utf8, 0, Infinity, ratio(utf8, 'auto', 'host')), formatRatio, 0.9),
    );
  }
  const mixed = r['utf8-mixed'];
  add(
    'WASM validator in place >= 10x TextDecoder fatal, mixed text',
    describe(lowest(mixed, 0, Infinity, ratio(mixed, 'in-place', 'text-decoder')), formatRatio, 10),
  );
  const frames = r.frames;
  for (const id of ['binary-32', 'text-32']) {
    const i = byKind(frames, id);
    const views = ratioAt(frames, { of: 'views', over: 'ws' }, i);
    const copies = ratioAt(frames, { of: 'copies', over: 'ws' }, i);
    rows.push(`| scanner views >= 3x ws Receiver, ${id} | ${formatRatio(views)} | ${views >= 3 ? 'met' : 'missed'} |`);
    rows.push(
      `| scanner copied >= 2x ws Receiver, ${id} | ${formatRatio(copies)} | ${copies >= 2 ? 'met' : 'missed'} |`,
    );
  }
  return ['### Against the targets', '', '| target | this run | |', '| :--- | :--- | :--- |', ...rows].join('\n');
}
