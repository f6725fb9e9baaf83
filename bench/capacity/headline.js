// The capacity suite's part of the one-screen summary `npm start` prints (at most 100 columns): one line
// per case with our server, ws with bufferutil and Bun, the same-run ratios of rates and of server CPU per
// message, what they mean, and the targets with their verdicts.

import { formatRatio, formatValue } from '../lib/format.js';
import { ratioAt, seriesById } from '../lib/result.js';
import { loadText, verdict } from '../lib/verdict.js';
import { cellFlag, GENERATOR_BUSY, SERVER_SATURATED } from './detail.js';
import { evaluateTargets } from './targets.js';

const SHOWN = [
  { id: 'ours', label: 'wasmsocket' },
  { id: 'ws', label: 'ws+bu' },
  { id: 'bun', label: 'Bun.serve' },
];
/** Cases shown in MB/s (large messages); the rest in messages per second. */
const BY_BYTES = new Set(['binary-64k', 'binary-1m']);
const LABEL_WIDTH = 26;
const CELL_WIDTH = 12;
const RATIO_WIDTH = 8;

function perSecond(messages) {
  if (messages >= 1e6) return `${formatValue(messages / 1e6)} M/s`;
  return `${formatValue(messages / 1e3)} k/s`;
}

const pad = (text, width) => text.padStart(width);

export function capacityHeadline(results, state) {
  const rate = results.find((r) => r.id === 'capacity-rate');
  const bytes = results.find((r) => r.id === 'capacity-throughput');
  const cpu = results.find((r) => r.id === 'capacity-cpu');
  const sessions = state.outcome?.sessions ?? [];
  if (rate === undefined || cpu === undefined || state.outcome === null) {
    return ['Capacity: not measured (the run failed; see stderr).'];
  }
  const { pinning, bun } = state.outcome;
  const ratioHeads = ['÷ws+bu', '÷Bun'].map((h) => pad(h, RATIO_WIDTH)).join('');
  const lines = [
    pinning.pinned
      ? `Capacity of one server core (servers pinned to core ${pinning.server}, load generator to core ${pinning.generator}):`
      : `Capacity per server (NOT pinned: ${pinning.reason}):`,
    '',
    `${''.padEnd(LABEL_WIDTH + SHOWN.length * CELL_WIDTH)}${pad('ours, msgs/s', 2 * RATIO_WIDTH)}${pad('ours, CPU/msg', 2 * RATIO_WIDTH)}`,
    // Value cells end with a flag or a space: the headers leave the same column.
    `${'case'.padEnd(LABEL_WIDTH)}${SHOWN.map((s) => pad(`${s.label} `, CELL_WIDTH)).join('')}${ratioHeads}${ratioHeads}`,
  ];
  const flagsSeen = new Set();
  rate.cases.forEach((c, i) => {
    const cells = SHOWN.map((s) => {
      const value = seriesById(rate, s.id).values[i];
      if (typeof value !== 'number') return pad('– ', CELL_WIDTH);
      const text = BY_BYTES.has(c.id)
        ? `${formatValue(seriesById(bytes, s.id).values[i])} MB/s`
        : perSecond(value * 1e3);
      const flag = cellFlag(sessions, c.id, s.id);
      if (flag !== ' ') flagsSeen.add(flag);
      return pad(`${text}${flag}`, CELL_WIDTH);
    });
    const ratio = (result, over) => pad(formatRatio(ratioAt(result, { of: 'ours', over }, i)), RATIO_WIDTH);
    lines.push(
      `${c.label.padEnd(LABEL_WIDTH).slice(0, LABEL_WIDTH)}${cells.join('')}` +
        `${ratio(rate, 'ws')}${ratio(rate, 'bun')}${ratio(cpu, 'ws')}${ratio(cpu, 'bun')}`,
    );
  });
  lines.push(
    '',
    'msgs/s ratio above 1: wasmsocket served more per second than the other server, same run.',
    'CPU/msg ratio below 1: it used less of its core per message (steadier when other work shares it).',
    'Publish counts deliveries (messages x subscribers): ours wss.publish, ws a loop over clients.',
  );
  if (flagsSeen.has('*')) {
    lines.push(
      `* generator above ${Math.round(100 * GENERATOR_BUSY)} % busy: the cell may be its limit, not the server's.`,
    );
  }
  if (flagsSeen.has('~')) {
    lines.push(
      `~ server below ${Math.round(100 * SERVER_SATURATED)} % of its core: not its capacity (other work took the core).`,
    );
  }
  if (bun.path === null) lines.push(`Bun.serve not measured: ${bun.reason}.`.slice(0, 100));
  lines.push('', `Targets (issue 15), worst case of each; ${loadText()}:`);
  let marked = false;
  for (const { target, worst, flag } of evaluateTargets(results, sessions)) {
    const text = verdict(worst?.value ?? null, target.goal, { lowerIsBetter: target.lower, short: true });
    // A verdict on rates that were not capacities carries the cells' flag; CPU per message needs none.
    const mark = target.metric === 'capacity-cpu' ? '' : flag.trim();
    marked ||= mark !== '';
    lines.push(`  ${target.label}: ${text}${mark === '' ? '' : ` ${mark}`}`.slice(0, 100));
  }
  if (marked) lines.push('  (~ or *: judged on rates that were not capacities; the CPU/msg ratios above hold better.)');
  return lines;
}
