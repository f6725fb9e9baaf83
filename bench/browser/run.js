// The codec benchmark in headless Chromium: `npm run bench:browser` (after `npm run build`). Bundles
// bench/browser/page/ with Vite against the built package, serves it on 127.0.0.1, loads it in Debian's
// Chromium through Playwright, runs each measure in the page (the page times; this script only drives and
// collects), prints one Markdown table per measure with ratios between rows of this same run, and writes
// bench/results/browser.md, browser.json and one SVG per measure. Progress goes to stderr. The whole run
// is bounded by RUN_DEADLINE_MS. Arguments name measures to run alone (`node bench/browser/run.js mask`).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { sweepTable } from '../codec/runtime-mask/table.js';
import { markdownTable } from '../lib/markdown-table.js';
import { createProgress } from '../lib/progress.js';
import { writeResults } from '../lib/write-results.js';
import { buildPage } from './build-page.js';
import { servePage } from './serve-page.js';
import { summaryMarkdown } from './summary.js';

const SUITE = 'browser';
/** The run takes about a minute on 2 cores; past this something hangs, and the run fails. */
const RUN_DEADLINE_MS = 170_000;
/** One measure in the page: well under the run's deadline, so a hang names its measure. */
const MEASURE_TIMEOUT_MS = 120_000;

// Debian's Chromium, started as test/support/chromium.ts does for the tests (that file is TypeScript,
// which Node 20 cannot import): as root in a sandboxed machine with no outside network it needs no
// sandbox and none of its background services.
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // One page runs flat out: keep its timers and rendering at full rate even without a visible window.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

if (!existsSync(new URL('../../dist/src/codec/index.js', import.meta.url))) {
  process.stderr.write('bench:browser: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

/**
 * `node bench/browser/run.js [measure...] [--sizes=48,64]`: the named measures only (mask, utf8-ascii,
 * utf8-mixed, frames, mask-sweep; --sizes for the mask sweep).
 */
const SIZES_OPTION = '--sizes=';
const sizesArgument = process.argv.find((a) => a.startsWith(SIZES_OPTION));
/** `--sizes=48,64,80`: the mask sweep's sizes (bytes) instead of its own list. */
const sweepSizes = sizesArgument === undefined ? null : sizesArgument.slice(SIZES_OPTION.length).split(',').map(Number);
const requested = process.argv.slice(2).filter((a) => !a.startsWith(SIZES_OPTION));
const progress = createProgress();
const started = Date.now();
// Other processes competing for the cores make every figure noisy: the 1-minute load average before the
// run says how busy the machine was (the value at the end is in the JSON too).
const loadAverageAtStart = loadavg()[0];
const pageDir = mkdtempSync(join(tmpdir(), 'wasmsocket-bench-page-'));
let browser = null;
let server = null;

const deadline = setTimeout(() => {
  process.stderr.write(`bench:browser: not finished after ${RUN_DEADLINE_MS / 1000} s; stopping\n`);
  browser?.close().finally(() => process.exit(1));
  setTimeout(() => process.exit(1), 5_000).unref();
}, RUN_DEADLINE_MS);

function environmentLine(env) {
  const clock = `performance.now() step ${(env.clockStepMs * 1000).toFixed(0)} µs${env.crossOriginIsolated ? ' (cross-origin isolated)' : ''}`;
  const load = `load average ${env.loadAverageAtStart.toFixed(1)} at the start`;
  return `${env.date.slice(0, 10)}, Chromium ${env.chromium} (headless, Playwright ${env.playwright}), ${env.cpu}, ${env.cores} cores (${load}); ${clock}; 'auto' resolves to ${env.autoBackend}.`;
}

try {
  progress.note('bench:browser: building the page with Vite');
  const files = await buildPage(pageDir);
  if (!files.some((file) => /wasmsocket\.simd-[\w-]+\.wasm$/.test(file))) {
    throw new Error(`bench:browser: the page build emitted no SIMD .wasm (${files.join(', ')})`);
  }
  server = await servePage(pageDir);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  page.on('console', (message) => {
    if (message.type() === 'error') progress.note(`bench:browser: page console: ${message.text()}`);
  });
  await page.exposeFunction('benchProgress', (label) => progress.step(label));
  await page.goto(server.url);
  await page.waitForFunction(() => window.bench !== undefined);
  const described = await page.evaluate(() => window.bench.describe());
  if (described.autoBackend !== 'wasm-simd') {
    throw new Error(`bench:browser: 'auto' is ${described.autoBackend} in the page: the SIMD build did not load`);
  }
  const environment = {
    date: new Date().toISOString(),
    chromium: browser.version(),
    playwright: createRequire(import.meta.url)('playwright/package.json').version,
    userAgent: described.userAgent,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: described.hardwareConcurrency,
    crossOriginIsolated: described.crossOriginIsolated,
    clockStepMs: described.clockStepMs,
    autoBackend: described.autoBackend,
    loadAverageAtStart,
  };
  const header = `## Codec benchmark in headless Chromium\n\n${environmentLine(environment)}`;
  process.stdout.write(`${header}\n\n`);
  const sections = [header];
  const results = [];
  const unknown = requested.filter((id) => id !== 'mask-sweep' && !described.measures.some((m) => m.id === id));
  if (unknown.length > 0) {
    const known = described.measures.map((m) => m.id).join(', ');
    throw new Error(`bench:browser: unknown measure ${unknown.join(', ')}; known: ${known}`);
  }
  const chosen = described.measures.filter((m) => requested.length === 0 || requested.includes(m.id));
  for (const measure of chosen) {
    progress.begin(measure.title, measure.cells);
    const result = await Promise.race([
      page.evaluate((id) => window.bench.run(id), measure.id),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`bench:browser: ${measure.id} hung`)), MEASURE_TIMEOUT_MS).unref(),
      ),
    ]);
    progress.end();
    if (pageErrors.length > 0) throw pageErrors[0];
    results.push(result);
    const table = markdownTable(result);
    sections.push(table);
    process.stdout.write(`${table}\n\n`);
  }
  // The mask sweep of every runtime (bench/codec/runtime-mask), here in Chromium: 'mask-sweep' alone or
  // with the full run.
  if (requested.length === 0 || requested.includes('mask-sweep')) {
    progress.note('bench:browser: mask sweep per backend');
    const loadBefore = loadavg()[0];
    const sweep = await Promise.race([
      page.evaluate((sizes) => window.bench.maskSweep(sizes), sweepSizes),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('bench:browser: the mask sweep hung')), MEASURE_TIMEOUT_MS).unref(),
      ),
    ]);
    if (sweep.runtime !== 'browser') throw new Error(`bench:browser: the page took the ${sweep.runtime} table`);
    const table = sweepTable({ ...sweep, loadBefore, loadAfter: loadavg()[0] }, described.hardwareConcurrency);
    sections.push(table);
    process.stdout.write(`${table}\n\n`);
  }
  const summary = summaryMarkdown(results);
  sections.push(summary);
  process.stdout.write(`${summary}\n\n`);
  const sink = await page.evaluate(() => window.bench.sinkValue());
  environment.loadAverageAtEnd = loadavg()[0];
  const json = { suite: SUITE, title: 'wasmsocket/codec in headless Chromium', environment, results };
  for (const path of writeResults(SUITE, `${sections.join('\n\n')}\n`, json, results)) {
    progress.note(`bench:browser: wrote ${path}`);
  }
  progress.note(`bench:browser: done in ${((Date.now() - started) / 1000).toFixed(0)} s (sink ${sink})`);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`${error?.stack ?? error}\n`);
} finally {
  clearTimeout(deadline);
  await browser?.close();
  await server?.close();
  rmSync(pageDir, { recursive: true, force: true });
}
