// What an idle subscriber on every diagnostics channel costs the server at 32 B (issue 14: at most 2 %),
// measured so that a shared, loaded machine cannot fake it: the two servers (plain `wasmsocket serve`, and
// the same with capacity/idle-diagnostics.js preloaded) take turns in every round, in an order that
// alternates, under the capacity load generator; the figure compared is the server's CPU time per checked
// message (/proc/<pid>/stat), which other processes disturb far less than a rate. Each round gives one
// paired ratio (with ÷ without, measured back to back); the median of those is the answer, beside the
// ratio of the medians.
//
//   npm run build && node bench/capacity/diagnostics-cost.js
//
// BENCH_DIAGNOSTICS_ROUNDS (8) and BENCH_DIAGNOSTICS_ROUND_MS (1000) set the budget (with the defaults,
// about 1.5 minutes for the three cases); BENCH_DIAGNOSTICS_CASES narrows the cases (comma-separated ids).

import { loadavg } from 'node:os';
import { CAPACITY_CASES } from './cases.js';
import { runCapacity } from './run-capacity.js';

const positive = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`bench: ${name} must be a positive integer`);
  return value;
};

const ROUNDS = positive('BENCH_DIAGNOSTICS_ROUNDS', 8);
const ROUND_MS = positive('BENCH_DIAGNOSTICS_ROUND_MS', 1000);
const WANTED = (process.env.BENCH_DIAGNOSTICS_CASES ?? 'text-32-c1,text-32-c16,rr-256').split(',');
const CASES = CAPACITY_CASES.filter((c) => WANTED.includes(c.id));
const SERIES = ['ours', 'ours-diagnostics'];

const median = (values) => {
  const sorted = values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const progress = {
  begin: (what, total) => process.stderr.write(`${what}: ${total}\n`),
  step: (text) => process.stderr.write(`  ${text}\n`),
  end() {},
  note: (text) => process.stderr.write(`${text}\n`),
};

const loadBefore = loadavg();
const outcome = await runCapacity(
  progress,
  { rounds: ROUNDS, warmupMs: 300, roundMs: ROUND_MS, sweep: false, parse: false },
  { cases: CASES, seriesIds: SERIES, sweep: false },
);
const loadAfter = loadavg();

const format = (value, digits = 3) => (value === null ? '–' : value.toFixed(digits));
const percent = (ratio) => (ratio === null ? '–' : `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`);

const lines = [
  `## Idle diagnostics subscribers at 32 B: ${ROUNDS} rounds of ${ROUND_MS} ms, the two servers alternating`,
  '',
  `pinning: ${outcome.pinning.pinned ? `server on core ${outcome.pinning.server}, generator on core ${outcome.pinning.generator}` : 'not pinned'}; ` +
    `load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`,
  '',
  '| case | CPU-µs/msg, serve | CPU-µs/msg, + subscribers | paired ratio (median of rounds) | ratio of medians | k msgs/s, serve | k msgs/s, + subscribers | rate ratio |',
  '|---|---|---|---|---|---|---|---|',
];
for (const c of CASES) {
  const of = (seriesId) => outcome.sessions.filter((s) => s.caseId === c.id && s.seriesId === seriesId);
  const plain = of('ours');
  const subscribed = of('ours-diagnostics');
  const paired = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = plain.find((s) => s.round === round)?.serverCpuUsPerMessage;
    const b = subscribed.find((s) => s.round === round)?.serverCpuUsPerMessage;
    if (a > 0 && b > 0) paired.push(b / a);
  }
  const cpuPlain = median(plain.map((s) => s.serverCpuUsPerMessage));
  const cpuSubscribed = median(subscribed.map((s) => s.serverCpuUsPerMessage));
  const ratePlain = median(plain.map((s) => s.messagesPerSecond));
  const rateSubscribed = median(subscribed.map((s) => s.messagesPerSecond));
  const pairedRatio = median(paired);
  lines.push(
    `| ${c.label} | ${format(cpuPlain)} | ${format(cpuSubscribed)} | ${format(pairedRatio)} (${percent(pairedRatio)}) | ` +
      `${format(cpuPlain && cpuSubscribed / cpuPlain)} | ${format(ratePlain && ratePlain / 1e3, 1)} | ` +
      `${format(rateSubscribed && rateSubscribed / 1e3, 1)} | ${format(ratePlain && rateSubscribed / ratePlain)} |`,
  );
}
const problems = [
  ...outcome.failures,
  ...outcome.sessions
    .filter((s) => s.mismatches > 0 || s.outstandingAfterDrain > 0 || s.messages === 0)
    .map((s) => `${s.caseId} / ${s.seriesId} round ${s.round + 1}: replies missing or wrong`),
];
if (problems.length > 0) lines.push('', ...problems.map((p) => `ANOMALY ${p}`));
console.log(lines.join('\n'));
