// The benchmark runner: `npm run bench` runs every suite; `node bench/run.js codec` runs the named ones;
// `npm start` runs the summary (see --summary below). Needs the built package (`npm start` and
// `npm run bench` build it first): the suites import dist/ through the package's own name. For each suite it
// prints one Markdown table per measure to stdout, shows progress on stderr, and writes <suite>.md,
// <suite>.json and one SVG chart per measure to bench/results/.

import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { markdownTable } from './lib/markdown-table.js';
import { sinkValue } from './lib/measure.js';
import { createProgress } from './lib/progress.js';
import { runMeasure } from './lib/run-measure.js';
import { RESULTS_DIR, writeResults } from './lib/write-results.js';
import { SUITES, SUMMARY_SUITES } from './suites.js';

if (!existsSync(new URL('../dist/src/codec/index.js', import.meta.url))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

// `npm start` (--summary): the codec suite's masking and frame measures, then a short capacity run (three
// rounds of 500 ms per server, no size sweep), in under three minutes. Stdout gets only a one-screen summary
// at the end; the full tables go to bench/results/ as in `npm run bench`, which runs every suite in full.
const summary = process.argv.includes('--summary');
if (summary) {
  process.env.BENCH_CODEC_MEASURES ??= 'mask,frames';
  process.env.BENCH_CAPACITY_ROUNDS ??= '3';
  process.env.BENCH_CAPACITY_ROUND_MS ??= '500';
  process.env.BENCH_CAPACITY_WARMUP_MS ??= '250';
  process.env.BENCH_CAPACITY_SWEEP ??= '0';
}
const requested = summary ? SUMMARY_SUITES : process.argv.slice(2);
const unknown = requested.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
  process.exit(2);
}

const progress = createProgress();
const started = Date.now();
const loadAtStart = loadavg();
const headlines = [];
for (const name of requested.length > 0 ? requested : Object.keys(SUITES)) {
  const { suite } = await SUITES[name]();
  progress.note(`bench: suite ${name}: ${suite.title}`);
  // In summary mode the tables go to the files only; stdout keeps the one screen.
  const print = (text) => {
    if (!summary) process.stdout.write(`${text}\n\n`);
  };
  const header = suite.header();
  const results = [];
  const sections = [header];
  print(header);
  for (const measure of suite.measures) {
    const result = await runMeasure(name, measure, progress);
    results.push(result);
    const table = markdownTable(result);
    sections.push(table);
    print(table);
  }
  const suiteSummary = suite.summary?.(results);
  if (suiteSummary !== undefined) {
    sections.push(suiteSummary);
    print(suiteSummary);
  }
  const json = { suite: name, title: suite.title, environment: suite.environment(), results };
  for (const path of writeResults(name, `${sections.join('\n\n')}\n`, json, results)) {
    progress.note(`bench: wrote ${path}`);
  }
  if (summary && suite.headline !== undefined) headlines.push(suite.headline(results));
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
// What every cell returned, folded together (lib/measure.js): kept in a file so that no timed work is dead
// code to the compiler, and off the screen, where it would mean nothing to a reader.
writeFileSync(new URL('sink.txt', RESULTS_DIR), `${sinkValue()}\n`);
progress.note(`bench: done in ${seconds} s`);

if (summary) {
  const load = (values) => values.map((v) => v.toFixed(2)).join(' ');
  const busy = loadAtStart[0] > availableParallelism() / 2;
  const lines = [
    (
      `wasmsocket benchmark summary: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores`
    ).slice(0, 100),
    `Load average (1, 5, 15 min): ${load(loadAtStart)} at the start, ${load(loadavg())} at the end.`,
    busy ? 'A busy (shared) machine: figures are low and noisy, only ratios within this run mean much.' : '',
    '',
    ...headlines.flatMap((lines) => [...lines, '']),
    `Full tables, every round and charts: ${RESULTS_DIR.pathname}`,
    `  (${requested.map((name) => `${name}.md`).join(', ')}, *.json, *.svg). This summary took ${seconds} s.`,
    '`npm run bench` runs every suite in full (about a quarter of an hour): bench/README.md says how.',
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
  process.stdout.write(`${lines.join('\n')}\n`);
}
