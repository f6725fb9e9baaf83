// The capacity suite's part of the one-screen summary `npm start` prints (at most 100 columns): one line
// per case with our server, ws with bufferutil and Bun, the two same-run ratios, what they mean, and the
// targets with their verdicts.

import { formatRatio, formatValue } from '../lib/format.js';
import { ratioAt, seriesById } from '../lib/result.js';
import { loadText, verdict } from '../lib/verdict.js';
import { GENERATOR_BUSY, generatorBusy } from './detail.js';
import { evaluateTargets } from './targets.js';

const SHOWN = [
  { id: 'ours', label: 'wasmsocket' },
  { id: 'ws', label: 'ws+bufferutil' },
  { id: 'bun', label: 'Bun.serve' },
];
/** Cases shown in MB/s (large messages); the rest in messages per second. */
const BY_BYTES = new Set(['binary-64k', 'binary-1m']);
const LABEL_WIDTH = 27;
const CELL_WIDTH = 14;
const RATIO_WIDTH = 12;

function perSecond(messages) {
  if (messages >= 1e6) return `${formatValue(messages / 1e6)} M/s`;
  return `${formatValue(messages / 1e3)} k/s`;
}

const pad = (text, width) => text.padStart(width);

export function capacityHeadline(results, state) {
  const rate = results.find((r) => r.id === 'capacity-rate');
  const bytes = results.find((r) => r.id === 'capacity-throughput');
  const sessions = state.outcome?.sessions ?? [];
  if (rate === undefined || state.outcome === null) return ['Capacity: not measured (the run failed; see stderr).'];
  const { pinning, bun } = state.outcome;
  const lines = [
    pinning.pinned
      ? `Capacity of one server core (servers pinned to core ${pinning.server}, load generator to core ${pinning.generator}):`
      : `Capacity per server (NOT pinned: ${pinning.reason}):`,
    '',
    // Value cells end with '*' or a space (the generator flag): the headers leave the same column.
    `${'case'.padEnd(LABEL_WIDTH)}${SHOWN.map((s) => pad(`${s.label} `, CELL_WIDTH)).join('')}` +
      `${pad('ours÷ws+bu', RATIO_WIDTH)}${pad('ours÷Bun', RATIO_WIDTH)}`,
  ];
  let busyMarked = false;
  rate.cases.forEach((c, i) => {
    const cells = SHOWN.map((s) => {
      const value = seriesById(rate, s.id).values[i];
      if (typeof value !== 'number') return pad('–', CELL_WIDTH);
      const text = BY_BYTES.has(c.id)
        ? `${formatValue(seriesById(bytes, s.id).values[i])} MB/s`
        : perSecond(value * 1e3);
      const busy = generatorBusy(sessions, c.id, s.id);
      busyMarked ||= busy;
      return pad(`${text}${busy ? '*' : ' '}`, CELL_WIDTH);
    });
    const ratio = (over) => pad(formatRatio(ratioAt(rate, { of: 'ours', over }, i)), RATIO_WIDTH);
    lines.push(`${c.label.padEnd(LABEL_WIDTH).slice(0, LABEL_WIDTH)}${cells.join('')}${ratio('ws')}${ratio('bun')}`);
  });
  lines.push(
    '',
    'ours÷X above 1: wasmsocket serves more per core than X in the same run; below 1, less.',
    'Publish counts deliveries (messages x subscribers): ours wss.publish, ws a loop over clients.',
  );
  if (busyMarked) {
    lines.push(
      `* load generator above ${Math.round(100 * GENERATOR_BUSY)} % busy: that cell may be its limit, not the server's.`,
    );
  }
  if (bun.path === null) lines.push(`Bun.serve not measured: ${bun.reason}.`.slice(0, 100));
  lines.push('', `Targets (issue 15), worst case of each; ${loadText()}:`);
  for (const { target, worst } of evaluateTargets(results)) {
    const text = verdict(worst?.value ?? null, target.goal, { lowerIsBetter: target.lower, short: true });
    lines.push(`  ${target.label}: ${text}`.slice(0, 100));
  }
  return lines;
}
