// Runs code inside Cloudflare's workerd from a vitest (node project) test: bundle a Worker entry the way a
// Workers bundler would, write a workerd config beside it in a temporary directory, start workerd on
// 127.0.0.1, and stop it with SIGKILL (workerd may ignore SIGTERM while requests are open).
//
// workerd refuses to compile WebAssembly from bytes at run time, so every `.wasm` the bundle imports stays
// a separate module of type wasm in the Worker (compiled by workerd when it loads the config), exactly as
// the package's workerd loader (bindings/load.workerd.ts) expects.

import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The workerd npm package exports the path of its binary and the newest compatibility date it supports.
const workerdPackage = createRequire(import.meta.url)('workerd') as { default: string; compatibilityDate: string };

/** The binary installed by the `workerd` dev dependency. */
export const WORKERD_BINARY: string = workerdPackage.default;

/** The newest compatibility date this workerd accepts (a later date makes it refuse the config). */
export const WORKERD_COMPATIBILITY_DATE: string = workerdPackage.compatibilityDate;

/**
 * The export conditions a Workers bundler uses. With platform 'neutral' esbuild adds no 'node' or
 * 'browser' condition of its own, so `#wasm-loader` resolves to the workerd loader and nothing else.
 */
export const WORKERD_CONDITIONS = ['workerd', 'worker', 'import'] as const;

/** How long workerd gets to load the config, compile the Worker and accept connections. */
const DEFAULT_START_TIMEOUT_MS = 15_000;
/** How long to wait for workerd to exit after SIGKILL before giving up on it. */
const STOP_TIMEOUT_MS = 5_000;
/** Another process can take the probed free port before workerd binds it; that many tries, then fail. */
const BIND_ATTEMPTS = 3;
/** The end of workerd's output kept for error messages. */
const OUTPUT_KEPT_CHARS = 16_000;

export interface WasmModuleFile {
  /** The module name the bundle imports it by (`./${name}`) and the name it has in the Worker. */
  name: string;
  /** The .wasm file on disk. */
  path: string;
}

export interface WorkerBundle {
  /** The bundled ES module: the Worker's main module. */
  code: string;
  /** Every .wasm file the bundle imports, each kept as a separate wasm module. */
  wasmModules: WasmModuleFile[];
  /** The files esbuild put into the bundle, relative to the package root with '/' separators. */
  inputs: string[];
}

export interface BundleWorkerOptions {
  /** More module specifiers to leave as imports (workerd built-ins). 'cloudflare:*' always is. */
  external?: string[];
}

/** Keeps each `.wasm` import as an import of a flat module name, and records which file it names. */
function wasmModulesPlugin(found: Map<string, string>): Plugin {
  return {
    name: 'workerd-wasm-modules',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\.wasm$/ }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        let name = found.get(path);
        if (name === undefined) {
          const taken = new Set(found.values());
          const stem = basename(path, '.wasm');
          name = `${stem}.wasm`;
          for (let suffix = 2; taken.has(name); suffix++) name = `${stem}-${suffix}.wasm`;
          found.set(path, name);
        }
        return { path: `./${name}`, external: true };
      });
    },
  };
}

/**
 * Bundles a Worker entry (a .ts or .js file exporting a module Worker) with the Workers export conditions.
 * Package self-references such as 'wasmsocket/codec' resolve through package.json "exports" to dist/, so
 * run `npm run build` first.
 */
export async function bundleWorker(entry: string | URL, options: BundleWorkerOptions = {}): Promise<WorkerBundle> {
  const entryPath = entry instanceof URL ? fileURLToPath(entry) : resolve(entry);
  const wasmFiles = new Map<string, string>();
  const result = await build({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [entryPath],
    outfile: 'worker.js',
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: [...WORKERD_CONDITIONS],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', ...(options.external ?? [])],
    // The repository's tsconfig.json maps '#wasm-loader' to the Node loader for type-checking; esbuild
    // would honour that mapping, so the bundle must not read it.
    tsconfigRaw: {},
    metafile: true,
    logLevel: 'silent',
    plugins: [wasmModulesPlugin(wasmFiles)],
  });
  const [output] = result.outputFiles;
  return {
    code: output.text,
    wasmModules: [...wasmFiles].map(([path, name]) => ({ name, path })),
    inputs: Object.keys(result.metafile.inputs).map((input) => relative(PACKAGE_ROOT, resolve(PACKAGE_ROOT, input))),
  };
}

export interface WorkerdOptions {
  bundle: WorkerBundle;
  /**
   * Route the Worker's outbound connections (connect() from 'cloudflare:sockets', fetch()) through a
   * network service that allows loopback addresses only, so it can reach servers on 127.0.0.1.
   * Without it the Worker keeps workerd's default outbound, which refuses local addresses.
   */
  allowLoopbackOutbound?: boolean;
  /** Text bindings, seen by the Worker as `env[name]`. */
  bindings?: Record<string, string>;
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  startTimeoutMs?: number;
}

export interface RunningWorkerd {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** SIGKILLs workerd, waits for it to exit and removes its temporary directory. Safe to call twice. */
  stop(): Promise<void>;
  /** What workerd printed so far (stdout and stderr, the last few KB), for error messages. */
  output(): string;
}

/** A capnp text literal. JSON's escapes are capnp's too, except \u, which capnp lacks. */
function capnpText(value: string): string {
  const literal = JSON.stringify(value);
  if (literal.includes('\\u')) throw new RangeError(`workerd config: cannot write ${literal} as a capnp literal`);
  return literal;
}

const MODULE_NAME = /^[A-Za-z0-9._-]+$/;
const MAIN_MODULE = 'worker.js';
const WORKER_SERVICE = 'main';
const LOOPBACK_SERVICE = 'loopback';

/** The workerd config (capnp text format) for one Worker served on `address`. */
export function workerdConfig(options: WorkerdOptions, address: string): string {
  const modules = [`(name = "${MAIN_MODULE}", esModule = embed "${MAIN_MODULE}")`];
  for (const { name } of options.bundle.wasmModules) {
    if (!MODULE_NAME.test(name) || name === MAIN_MODULE) {
      throw new RangeError(`workerd config: bad module name ${name}`);
    }
    modules.push(`(name = "${name}", wasm = embed "${name}")`);
  }
  const bindings = Object.entries(options.bindings ?? {}).map(
    ([name, value]) => `(name = ${capnpText(name)}, text = ${capnpText(value)})`,
  );
  const flags = (options.compatibilityFlags ?? []).map(capnpText);
  const services = [`(name = "${WORKER_SERVICE}", worker = .worker)`];
  if (options.allowLoopbackOutbound) services.push(`(name = "${LOOPBACK_SERVICE}", network = (allow = ["local"]))`);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${services.join(',\n    ')},
  ],
  sockets = [(name = "http", address = ${capnpText(address)}, http = (), service = "${WORKER_SERVICE}")],
);

const worker :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')},
  ],
  compatibilityDate = ${capnpText(options.compatibilityDate ?? WORKERD_COMPATIBILITY_DATE)},
  compatibilityFlags = [${flags.join(', ')}],
  bindings = [${bindings.join(', ')}],${options.allowLoopbackOutbound ? `\n  globalOutbound = "${LOOPBACK_SERVICE}",` : ''}
);
`;
}

/** A port that was free a moment ago on 127.0.0.1. */
function probeFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not read the probed port'));
      });
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      answer(true);
    });
    socket.once('error', () => answer(false));
  });
}

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

// A safety net: a test process that exits without calling stop() still takes its workerd with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const giveUp = setTimeout(done, STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(giveUp);
      done();
    });
    child.kill('SIGKILL');
  });
}

class WorkerdStartError extends Error {
  override name = 'WorkerdStartError';
  /** True when workerd failed because another process had bound the port first: worth another try. */
  readonly portTaken: boolean;

  constructor(message: string, portTaken: boolean) {
    super(message);
    this.portTaken = portTaken;
  }
}

async function startOnce(options: WorkerdOptions, directory: string): Promise<RunningWorkerd> {
  const port = await probeFreePort();
  const address = `127.0.0.1:${port}`;
  const configPath = join(directory, 'config.capnp');
  writeFileSync(configPath, workerdConfig(options, address));

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT_CHARS);
  };
  const child = spawn(WORKERD_BINARY, ['serve', configPath, '--verbose'], {
    cwd: directory,
    // workerd warns when PWD and the working directory disagree.
    env: { ...process.env, PWD: directory },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError = null as Error | null;
  child.once('error', (error) => {
    spawnError = error;
  });

  const stop = async () => {
    await killAndWait(child);
    running.delete(child);
  };
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (spawnError !== null) throw new WorkerdStartError(`workerd did not start: ${String(spawnError)}`, false);
      if (child.exitCode !== null || child.signalCode !== null) {
        const reason = child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode;
        throw new WorkerdStartError(
          `workerd exited (${reason}) before accepting connections on ${address}. Its output:\n${output}`,
          /address already in use/i.test(output),
        );
      }
      if (await accepts(port)) break;
      if (Date.now() > deadline) {
        throw new WorkerdStartError(
          `workerd did not accept connections on ${address} within ${timeoutMs} ms. Its output:\n${output}`,
          false,
        );
      }
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://${address}/`, stop, output: () => output };
}

/**
 * Starts workerd serving `options.bundle` on 127.0.0.1 and resolves once it accepts connections.
 * Always pair it with stop() (in afterAll, or use withWorkerd) so that workerd dies with the test.
 */
export async function startWorkerd(options: WorkerdOptions): Promise<RunningWorkerd> {
  const directory = mkdtempSync(join(tmpdir(), 'wasmsocket-workerd-'));
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  try {
    writeFileSync(join(directory, MAIN_MODULE), options.bundle.code);
    for (const { name, path } of options.bundle.wasmModules) copyFileSync(path, join(directory, name));
    for (let attempt = 1; ; attempt++) {
      try {
        const workerd = await startOnce(options, directory);
        let stopped = false;
        return {
          ...workerd,
          async stop() {
            if (stopped) return;
            stopped = true;
            await workerd.stop();
            removeDirectory();
          },
        };
      } catch (error) {
        if (!(error instanceof WorkerdStartError && error.portTaken && attempt < BIND_ATTEMPTS)) throw error;
      }
    }
  } catch (error) {
    removeDirectory();
    throw error;
  }
}

/** Runs `use` against a started workerd and stops workerd afterwards, whether `use` succeeded or not. */
export async function withWorkerd<T>(
  options: WorkerdOptions,
  use: (workerd: RunningWorkerd) => Promise<T>,
): Promise<T> {
  const workerd = await startWorkerd(options);
  try {
    return await use(workerd);
  } finally {
    await workerd.stop();
  }
}

/**
 * fetch() with a deadline whose error names the request and includes workerd's output, so that a Worker
 * that hangs or throws shows why.
 */
export async function fetchFromWorkerd(
  workerd: RunningWorkerd,
  path: string,
  timeoutMs: number,
  init: RequestInit = {},
): Promise<Response> {
  const url = new URL(path, workerd.url);
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`fetch ${url} from workerd failed (${String(error)}). workerd's output:\n${workerd.output()}`);
  }
}
