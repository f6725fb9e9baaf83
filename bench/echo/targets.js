// The echo suite's detail table (every cell's range, CPU split and contention) and the project's echo
// targets read off this run. Reported, never asserted: a benchmark informs, it does not fail a build.

import { formatRatio, formatValue } from '../lib/format.js';
import { ratioAt } from '../lib/result.js';
import { verdict } from '../lib/verdict.js';
import { ECHO_CASES, PAIRINGS } from './matrix.js';
import { formatSpread, spreadOf } from './spread.js';

/** A load generator above this many cores was the bottleneck: its row says more about the client. */
const CLIENT_BOUND_CORES = 0.9;
/** Other processes above this many cores (of 2) during the sessions: the run was contended. */
const CONTENDED_CORES = 0.2;

function spreadOfSessions(sessions, figure) {
  return spreadOf(sessions.map((s) => s[figure]));
}

export function echoDetailMarkdown(sessions) {
  const other = spreadOfSessions(sessions, 'otherCores');
  const lines = [
    '### Every cell: median [min–max] over rounds',
    '',
    `Other processes on the machine used ${formatSpread(other)} cores during the sessions` +
      (other !== null && other.median > CONTENDED_CORES
        ? ': this run was taken under contention, so rates are low and noisy; CPU per message holds up better.'
        : '.'),
    '',
    'Cores: CPU time over wall time during the round (1.00 = one core busy throughout). "other" is what the ' +
      'rest of the machine used meanwhile (busy time in /proc/stat less the server and the load generator): ' +
      'on 2 cores, other > 0.2 means the figures were taken under contention.',
    '',
    'Server reads/writes: read and write system calls per echoed message (/proc/<pid>/io), i.e. how many ' +
      'messages share one socket read or one write/writev.',
    '',
    '| messages | client -> server | k msgs/s | MB/s | server CPU-µs/msg | client CPU-µs/msg | server reads/msg | server writes/msg | server cores | client cores | other cores |',
    '| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of ECHO_CASES) {
    for (const p of PAIRINGS) {
      const cell = sessions.filter((s) => s.caseId === c.id && s.pairingId === p.id);
      if (cell.length === 0) continue;
      const f = (figure, divide = 1) => formatSpread(spreadOfSessions(cell, figure), divide);
      lines.push(
        `| ${c.label} | ${p.label} | ${f('messagesPerSecond', 1e3)} | ${f('megabytesPerSecond')} | ` +
          `${f('serverCpuUsPerMessage')} | ${f('clientCpuUsPerMessage')} | ${f('serverReadsPerMessage')} | ` +
          `${f('serverWritesPerMessage')} | ${f('serverCores')} | ` +
          `${f('clientCores')} | ${f('otherCores')} |`,
      );
    }
  }
  return lines.join('\n');
}

function byId(results, id) {
  const result = results.find((r) => r.id === id);
  if (result === undefined) throw new Error(`bench: no ${id} result`);
  return result;
}

function caseIndex(result, id) {
  return result.cases.findIndex((c) => c.id === id);
}

/** The worst ratio over the given case ids (highest when lower is better), with where it occurred. */
function worst(result, ratio, caseIds, lowerIsBetter) {
  let found = null;
  for (const id of caseIds) {
    const value = ratioAt(result, ratio, caseIndex(result, id));
    if (value === null) continue;
    if (found === null || (lowerIsBetter ? value > found.value : value < found.value)) found = { value, id };
  }
  return found;
}

function clientBound(results, caseId, seriesId) {
  const sessions = byId(results, 'echo-rate').sessions ?? [];
  const cores = spreadOf(
    sessions.filter((s) => s.caseId === caseId && s.pairingId === seriesId).map((s) => s.clientCores),
  );
  return cores !== null && cores.median > CLIENT_BOUND_CORES
    ? ` (client-bound: load generator at ${formatValue(cores.median)} cores)`
    : '';
}

export function echoTargetsMarkdown(results) {
  const rate = byId(results, 'echo-rate');
  const throughput = byId(results, 'echo-throughput');
  const cpu = byId(results, 'echo-server-cpu');
  const clients = byId(results, 'echo-clients');
  const rows = [];
  const verdictOf = (value, goal, stretch, lowerIsBetter) => {
    if (value === null) return 'not measured';
    const meets = (g) => (lowerIsBetter ? value <= g : value >= g);
    if (stretch !== undefined && meets(stretch)) return 'met (stretch too)';
    return verdict(value, goal, { lowerIsBetter });
  };
  const add = (target, found, goal, stretch, lowerIsBetter, extra = '') => {
    const text = found === null ? '–' : `${formatRatio(found.value)} (worst case: ${found.id})${extra}`;
    rows.push(`| ${target} | ${text} | ${verdictOf(found?.value ?? null, goal, stretch, lowerIsBetter)} |`);
  };

  const small = ['text-32-c1', 'text-32-c16', 'text-32-c64'];
  const large = ['binary-64k', 'binary-1m'];
  add(
    '32 B echo: server CPU-µs per message <= 0.8x ws+bufferutil (stretch 0.5x)',
    worst(cpu, { of: 'ours', over: 'ws' }, small, true),
    0.8,
    0.5,
    true,
  );
  for (const id of small) {
    const value = ratioAt(cpu, { of: 'ours', over: 'ws' }, caseIndex(cpu, id));
    rows.push(`| … at ${id} (reported) | ${formatRatio(value)} | – |`);
  }
  add(
    '32 B echo: our client + our server >= 1.3x ws<->ws msgs/s (64 conn x 100)',
    worst(clients, { of: 'ours-ours', over: 'ws' }, ['text-32-c64'], false),
    1.3,
    undefined,
    false,
    clientBound(results, 'text-32-c64', 'ours-ours'),
  );
  rows.push(
    `| 32 B echo, ws client: ours ÷ ws+bufferutil msgs/s (reported) | ${small
      .map((id) => `${id} ${formatRatio(ratioAt(rate, { of: 'ours', over: 'ws' }, caseIndex(rate, id)))}`)
      .join(', ')} | – |`,
  );
  add(
    '64 KiB-1 MiB: >= 1.0x ws+bufferutil MB/s (stretch 1.5x)',
    worst(throughput, { of: 'ours', over: 'ws' }, large, false),
    1.0,
    1.5,
    false,
  );
  add(
    '64 KiB-1 MiB: >= 2.5x ws without bufferutil MB/s',
    worst(throughput, { of: 'ours', over: 'ws-js' }, large, false),
    2.5,
    undefined,
    false,
  );
  for (const id of large) {
    const value = ratioAt(cpu, { of: 'ours', over: 'ws' }, caseIndex(cpu, id));
    const js = ratioAt(cpu, { of: 'ours', over: 'ws-js' }, caseIndex(cpu, id));
    rows.push(
      `| … server CPU per message at ${id}, ours ÷ ws+bufferutil / ÷ ws no bufferutil (reported) | ` +
        `${formatRatio(value)} / ${formatRatio(js)}${clientBound(results, id, 'ours')} | – |`,
    );
  }
  return ['### Against the targets', '', '| target | this run | |', '| :--- | :--- | :--- |', ...rows].join('\n');
}
