// Runs attack-server.ts in a child process: bundled from the TypeScript sources with esbuild (once per
// test file), the two .wasm builds copied beside the bundle where the Node loader looks for them, and
// started with --expose-gc so that memory figures are taken after a collection. The parent reads the
// child's reports, waits for them with bounds, and stops every child in afterAll.

import { type ChildProcess, fork } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { WAIT_MS } from '../../support/waits.ts';
import type { ServerReport, ServerRequest } from './attack-server.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The Node loader for '#wasm-loader' (package.json maps it to dist/, which may not be built). */
const wasmLoaderPlugin: Plugin = {
  name: 'wasm-loader',
  setup(builder) {
    builder.onResolve({ filter: /^#wasm-loader$/ }, () => ({ path: join(PACKAGE_ROOT, 'bindings/load.node.ts') }));
  },
};

let bundlePath: Promise<string> | null = null;
let bundleDir: string | null = null;

/** Bundles the attack server once per test file; the loader finds the wasm files at ../build/ from it. */
function bundle(): Promise<string> {
  bundlePath ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmsocket-attack-'));
    bundleDir = dir;
    mkdirSync(join(dir, 'build'));
    mkdirSync(join(dir, 'bundle'));
    for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
      copyFileSync(join(PACKAGE_ROOT, 'build', file), join(dir, 'build', file));
    }
    const outfile = join(dir, 'bundle', 'attack-server.mjs');
    await build({
      absWorkingDir: PACKAGE_ROOT,
      entryPoints: [fileURLToPath(new URL('./attack-server.ts', import.meta.url))],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      tsconfigRaw: {},
      logLevel: 'silent',
      plugins: [wasmLoaderPlugin],
    });
    return outfile;
  })();
  return bundlePath;
}

const running = new Set<ServerProcess>();

export interface Memory {
  rss: number;
  arrayBuffers: number;
  heapUsed: number;
  connections: number;
  /** Bytes the server has read from the sockets of the connections still open. */
  bytesRead: number;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every report, in order of arrival. */
  readonly reports: ServerReport[] = [];
  private readonly waiters = new Set<() => void>();
  private nextRequest = 0;

  private constructor(child: ChildProcess, port: number, reports: ServerReport[]) {
    this.child = child;
    this.port = port;
    this.reports = reports;
    child.on('message', () => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  static async start(options: Record<string, unknown> = {}): Promise<ServerProcess> {
    const path = await bundle();
    const child = fork(path, [], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, ATTACK_SERVER_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const reports: ServerReport[] = [];
    child.on('message', (message) => reports.push(message as ServerReport));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the attack server did not start')), WAIT_MS);
      child.on('message', (message) => {
        const report = message as ServerReport;
        if (report.type === 'listening') {
          clearTimeout(timer);
          resolve(report.port);
        }
      });
      child.once('exit', (code) => reject(new Error(`the attack server exited with ${code} before listening`)));
    });
    const server = new ServerProcess(child, port, reports);
    running.add(server);
    return server;
  }

  /** Resolves with the first report (from `from` on) that matches, or rejects after timeoutMs. */
  waitFor<T extends ServerReport = ServerReport>(
    match: ((report: ServerReport) => report is T) | ((report: ServerReport) => boolean),
    what: string,
    timeoutMs = WAIT_MS,
    from = 0,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = this.reports.slice(from).find(match);
        if (found === undefined) return false;
        done();
        resolve(found as T);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the server to report ${what}`));
      }, timeoutMs);
      const wake = () => void check();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      check();
    });
  }

  private send(request: ServerRequest): void {
    this.child.send(request);
  }

  /** The child's memory after a garbage collection. */
  async memory(): Promise<Memory> {
    const requestId = ++this.nextRequest;
    this.send({ type: 'memory', requestId });
    return this.waitFor(
      (r): r is Extract<ServerReport, { type: 'memory' }> => r.type === 'memory' && r.requestId === requestId,
      'its memory',
    );
  }

  /** Has the server close every client with `code` (a server-initiated closing handshake). */
  async closeAll(code = 1001): Promise<void> {
    const requestId = ++this.nextRequest;
    this.send({ type: 'close-all', code, requestId });
    await this.waitFor(
      (r): r is Extract<ServerReport, { type: 'closing-all' }> => r.type === 'closing-all' && r.requestId === requestId,
      'closing every client',
    );
  }

  /** Reports of one kind, for one connection when `id` is given. */
  reportsOf<K extends ServerReport['type']>(type: K, id?: number): Extract<ServerReport, { type: K }>[] {
    return this.reports.filter(
      (r): r is Extract<ServerReport, { type: K }> =>
        r.type === type && (id === undefined || ('id' in r && r.id === id)),
    );
  }

  async stop(): Promise<void> {
    running.delete(this);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Stops every server a test file started, and removes the bundle (afterAll). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
  if (bundleDir !== null) rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = null;
  bundlePath = null;
}
