// `node bench/codec/runtime-mask.js [node] [deno] [workerd] [--sizes=48,64,80]` (all three runtimes by default;
// after `npm run build`):
// the mask sweep of runtime-mask/sweep.js in each runtime named, from the built package bundled as that
// runtime's users would bundle it (Deno: the "deno" condition, its .wasm imports left to Deno; workerd:
// the Workers conditions, each .wasm a wasm module of the Worker, run by `workerd test`). Prints, per
// runtime, MB/s of unmask with js, wasm and wasm-simd forced and on auto, and auto ÷ the best forced
// backend (per round, the median over rounds): the figures each runtime's table in src/codec/dispatch-thresholds.ts is set from. Chromium has
// its own run (`npm run bench:browser`, the mask measure). Writes bench/results/runtime-mask.md and .json.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { formatBytes } from '../lib/format.js';
import { sweepTable } from './runtime-mask/table.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const RUNTIMES = ['node', 'deno', 'workerd'];
/** A whole sweep takes 1-2 minutes on 2 cores; past this a runtime is stuck. */
const RUN_TIMEOUT_MS = 300_000;

const entry = (name) => fileURLToPath(new URL(`./runtime-mask/${name}`, import.meta.url));

async function bundle(entryName, conditions, plugins = []) {
  const result = await build({
    // The sizes to sweep (--sizes), as the entries read them: null for the sweep's own list.
    define: { MASK_SWEEP_SIZES: JSON.stringify(sizes) },
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [entry(entryName)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions,
    mainFields: ['module', 'main'],
    external: ['node:*', '*.wasm'],
    tsconfigRaw: {},
    logLevel: 'silent',
    plugins,
  });
  return result.outputFiles[0].text;
}

/** Runs a command to its end (bounded), resolving with its stdout; rejects with its stderr on failure. */
function run(command, args, cwd, env = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done({ stdout, stderr });
      else fail(new Error(`${basename(command)} ended with ${signal ?? `code ${code}`}:\n${stderr.slice(-4000)}`));
    });
  });
}

/** The last line of the output that is a JSON object: the sweep's report. */
function report(text) {
  const line = text
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no report in the output:\n${text.slice(-4000)}`);
  return JSON.parse(line);
}

async function inNode() {
  const codec = await import('../../dist/src/codec/index.js');
  const { RUNTIME, RUNTIME_THRESHOLDS } = await import('../../dist/src/codec/dispatch.js');
  const { maskSweep, sweepClock } = await import('./runtime-mask/sweep.js');
  const clock = sweepClock();
  // bufferutil (the native addon ws uses) in the same rounds: the issue's bar for unmask in Node.
  const bufferutil = require('bufferutil');
  const result = await maskSweep({
    codec,
    sizes: sizes ?? undefined,
    baselines: { bufferutil: (data, key) => bufferutil.unmask(data, key) },
    now: clock.now,
    progress: (size) => process.stderr.write(`node: ${formatBytes(size)}\n`),
  });
  return {
    runtime: RUNTIME,
    thresholds: RUNTIME_THRESHOLDS,
    version: `Node ${process.version}`,
    clock: clock.name,
    ...result,
  };
}

async function inDeno(directory) {
  const deno = require('deno/install_api.cjs').runInstall();
  mkdirSync(join(directory, 'bundle'));
  mkdirSync(join(directory, 'build'));
  writeFileSync(join(directory, 'bundle', 'sweep.js'), await bundle('deno-entry.js', ['deno', 'import']));
  for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
    copyFileSync(join(PACKAGE_ROOT, 'dist/build', file), join(directory, 'build', file));
  }
  const { stdout } = await run(deno, ['run', 'bundle/sweep.js'], directory, {
    DENO_DIR: join(directory, 'deno-dir'),
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
  });
  return report(stdout);
}

/** Keeps each .wasm import as an import of a flat module name (the Worker's wasm module), noting the file. */
function wasmModules(found) {
  return {
    name: 'workerd-wasm-modules',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\.wasm$/ }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        const name = basename(path);
        found.set(name, path);
        return { path: `./${name}`, external: true };
      });
    },
  };
}

async function inWorkerd(directory) {
  const workerd = require('workerd');
  const found = new Map();
  const code = await bundle('workerd-entry.js', ['workerd', 'worker', 'import'], [wasmModules(found)]);
  writeFileSync(join(directory, 'worker.js'), code);
  const modules = ['(name = "worker.js", esModule = embed "worker.js")'];
  for (const [name, path] of found) {
    copyFileSync(path, join(directory, name));
    modules.push(`(name = "${name}", wasm = embed "${name}")`);
  }
  writeFileSync(
    join(directory, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = "${workerd.compatibilityDate}",
);
`,
  );
  const { stdout, stderr } = await run(workerd.default, ['test', 'config.capnp'], directory, { PWD: directory });
  return report(`${stdout}\n${stderr}`);
}

const SIZES_OPTION = '--sizes=';
const sizesArgument = process.argv.find((a) => a.startsWith(SIZES_OPTION));
/** `--sizes=48,64,80`: sweep these sizes (bytes) instead of the sweep's own list (a closer look at a threshold). */
const sizes = sizesArgument === undefined ? null : sizesArgument.slice(SIZES_OPTION.length).split(',').map(Number);
if (sizes !== null && !sizes.every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write(`runtime-mask: ${sizesArgument} is not a list of sizes in bytes\n`);
  process.exit(2);
}
const requested = process.argv.slice(2).filter((a) => !a.startsWith(SIZES_OPTION));
const unknown = requested.filter((r) => !RUNTIMES.includes(r));
if (unknown.length > 0) {
  process.stderr.write(`runtime-mask: unknown runtime ${unknown.join(', ')}; use ${RUNTIMES.join(', ')}\n`);
  process.exit(2);
}
const chosen = requested.length === 0 ? RUNTIMES : requested;
const sections = [`## Mask sweep per runtime, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? ''}`];
process.stdout.write(`${sections[0]}\n\n`);
const results = [];
for (const runtime of chosen) {
  const directory = mkdtempSync(join(tmpdir(), `wasmsocket-mask-${runtime}-`));
  try {
    process.stderr.write(`runtime-mask: ${runtime}\n`);
    const loadBefore = loadavg()[0];
    const result =
      runtime === 'node' ? await inNode() : runtime === 'deno' ? await inDeno(directory) : await inWorkerd(directory);
    const full = { ...result, loadBefore, loadAfter: loadavg()[0] };
    if (full.runtime !== runtime) throw new Error(`runtime-mask: ${runtime} ran with the ${full.runtime} table`);
    results.push(full);
    const text = sweepTable(full, cpus().length);
    sections.push(text);
    process.stdout.write(`${text}\n\n`);
  } catch (error) {
    process.exitCode = 1;
    process.stderr.write(`runtime-mask: ${runtime} failed: ${error?.stack ?? error}\n`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
const out = join(PACKAGE_ROOT, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'runtime-mask.md'), `${sections.join('\n\n')}\n`);
writeFileSync(join(out, 'runtime-mask.json'), `${JSON.stringify(results, null, 2)}\n`);
