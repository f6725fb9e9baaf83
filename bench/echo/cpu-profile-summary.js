// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and sums self time per function and per origin
// (our dist/ code, Node internals, the ws package, wasm, GC, native). A sample's time is the interval to
// the next sample; idle samples are left out of the percentages, which are shares of busy time. Samples in
// the first `fromMs` of the profile (start-up, module loading, connection set-up) can be left out.

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatValue } from '../lib/format.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function shortUrl(url) {
  if (url === '') return '';
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  return url;
}

function originOf(callFrame) {
  const { functionName, url } = callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)' || functionName === '(idle)' || functionName === '(root)') return functionName;
  if (url.startsWith('node:')) return 'Node internals (JS)';
  if (url.startsWith('wasm://') || /^(wasm-function|\$)/.test(functionName)) return 'wasm';
  if (url.includes('/node_modules/ws/')) return 'ws package';
  if (url.includes('/dist/')) return 'wasmsocket (dist/)';
  if (url.includes('/bench/')) return 'bench scripts';
  if (url === '') return 'native / builtins';
  return 'other JS';
}

/** { totalMs, busyMs, functions: [{ name, where, origin, selfMs }], origins: [{ origin, selfMs }] } */
export function summarizeCpuProfile(profile, { fromMs = 0 } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  let atUs = 0;
  for (let i = 0; i < samples.length; i++) {
    atUs += timeDeltas[i];
    if (atUs < fromMs * 1e3) continue;
    const interval = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + interval);
  }
  const functions = new Map();
  const origins = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = nodes.get(id);
    const origin = originOf(callFrame);
    totalUs += us;
    if (origin === '(idle)') idleUs += us;
    const where = callFrame.url === '' ? '' : `${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    const name = callFrame.functionName || '(anonymous)';
    const key = `${name}\u0000${where}`;
    const entry = functions.get(key) ?? { name, where, origin, selfMs: 0 };
    entry.selfMs += us / 1e3;
    functions.set(key, entry);
    origins.set(origin, (origins.get(origin) ?? 0) + us / 1e3);
  }
  const byTime = (a, b) => b.selfMs - a.selfMs;
  return {
    totalMs: totalUs / 1e3,
    busyMs: (totalUs - idleUs) / 1e3,
    functions: [...functions.values()].sort(byTime),
    origins: [...origins.entries()].map(([origin, selfMs]) => ({ origin, selfMs })).sort(byTime),
  };
}

/** The summary as Markdown: origins, then the top `count` functions by self time. */
export function cpuProfileMarkdown(summary, title, count = 30) {
  const share = (ms) => `${((100 * ms) / summary.busyMs).toFixed(1)}%`;
  const lines = [
    `### ${title}`,
    '',
    `Sampled ${formatValue(summary.totalMs / 1e3)} s, busy ${formatValue(summary.busyMs / 1e3)} s; shares are of busy time.`,
    '',
    '| origin | self ms | share |',
    '| :--- | ---: | ---: |',
  ];
  for (const { origin, selfMs } of summary.origins) {
    if (origin === '(idle)') continue;
    lines.push(`| ${origin} | ${formatValue(selfMs)} | ${share(selfMs)} |`);
  }
  lines.push('', '| function | where | origin | self ms | share |', '| :--- | :--- | :--- | ---: | ---: |');
  for (const f of summary.functions.filter((f) => f.origin !== '(idle)').slice(0, count)) {
    lines.push(`| ${f.name} | ${f.where} | ${f.origin} | ${formatValue(f.selfMs)} | ${share(f.selfMs)} |`);
  }
  return lines.join('\n');
}
