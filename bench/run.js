// The benchmark runner: `npm run bench` runs every suite; `node bench/run.js codec` runs the named ones;
// `npm start` runs the summary (see --summary below). Needs the built package (`npm run build`): the suites import dist/ through the package's
// own name. For each suite it prints one Markdown table per measure to stdout, shows progress on stderr,
// and writes <suite>.md, <suite>.json and one SVG chart per measure to bench/results/.

import { existsSync } from 'node:fs';
import { markdownTable } from './lib/markdown-table.js';
import { sinkValue } from './lib/measure.js';
import { createProgress } from './lib/progress.js';
import { runMeasure } from './lib/run-measure.js';
import { writeResults } from './lib/write-results.js';
import { SUITES } from './suites.js';

if (!existsSync(new URL('../dist/src/codec/index.js', import.meta.url))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

// `npm start` (--summary): the codec suite, then a short echo run (one round per pairing) summarising the
// end-to-end comparison, in under three minutes. `npm run bench` runs every suite in full.
const summary = process.argv.includes('--summary');
if (summary) {
  process.env.BENCH_ECHO_ROUNDS ??= '1';
  process.env.BENCH_ECHO_ROUND_MS ??= '1000';
  process.env.BENCH_ECHO_WARMUP_MS ??= '300';
}
const requested = summary ? ['codec', 'echo'] : process.argv.slice(2);
const unknown = requested.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
  process.exit(2);
}

const progress = createProgress();
const started = Date.now();
for (const name of requested.length > 0 ? requested : Object.keys(SUITES)) {
  const { suite } = await SUITES[name]();
  progress.note(`bench: suite ${name}: ${suite.title}`);
  const header = suite.header();
  const results = [];
  const sections = [header];
  process.stdout.write(`${header}\n\n`);
  for (const measure of suite.measures) {
    const result = await runMeasure(name, measure, progress);
    results.push(result);
    const table = markdownTable(result);
    sections.push(table);
    process.stdout.write(`${table}\n\n`);
  }
  const summary = suite.summary?.(results);
  if (summary !== undefined) {
    sections.push(summary);
    process.stdout.write(`${summary}\n\n`);
  }
  const json = { suite: name, title: suite.title, environment: suite.environment(), results };
  for (const path of writeResults(name, `${sections.join('\n\n')}\n`, json, results)) {
    progress.note(`bench: wrote ${path}`);
  }
}
progress.note(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s (sink ${sinkValue()})`);
