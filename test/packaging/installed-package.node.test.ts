// wasmsocket as users install it: `npm pack` of this repository installed into a fresh project, then used
// the ways the README promises: Node ESM and CommonJS, TypeScript types, a Vite-built page in Chromium and
// a Worker in workerd. Every check runs against node_modules/wasmsocket of that project, never the working
// tree (the vitest config's aliases to the sources do not reach the child processes, the page or the
// Worker). Needs dist/ built (`npm test` builds first).

import { isUtf8 } from 'node:buffer';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { systemProgram } from '../support/system-programs.ts';
import { bundleWorker, fetchFromWorkerd, startWorkerd, type WorkerBundle } from '../support/workerd.ts';
import { type ConsumerProject, createConsumerProject, REPO_ROOT, runNodeScript } from './consumer-project.ts';
import { serveDirectory } from './static-server.ts';

/** What the tarball is packed from; missing files mean the package was not built. */
const BUILT_FILES = ['dist/src/index.js', 'dist/src/codec/index.js', 'dist/build/wasmsocket.simd.wasm'];

// Bounds that only catch a hang: pack + install take a few seconds, tsc about 2 s, a Vite build about 1 s,
// Chromium's cold start a few seconds on 2 busy cores.
const SETUP_TIMEOUT_MS = 180_000;
const SCRIPT_TIMEOUT_MS = 30_000;
const TSC_TIMEOUT_MS = 60_000;
const PAGE_TIMEOUT_MS = 30_000;
const WORKER_TIMEOUT_MS = 60_000;

const runFile = promisify(execFile);
const requireFromRepo = createRequire(import.meta.url);

let project: ConsumerProject;

beforeAll(async () => {
  const missing = BUILT_FILES.filter((file) => !existsSync(join(REPO_ROOT, file)));
  if (missing.length > 0) {
    throw new Error(`the package is not built (missing ${missing.join(', ')}): run \`npm run build\` first`);
  }
  project = await createConsumerProject();
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  project?.remove();
});

const installed = (...path: string[]) => join(project.dir, 'node_modules', 'wasmsocket', ...path);

// --- What the codec probe (consumer/codec-probe.js) answers, checked against references computed here ---

interface ProbeRun {
  backend: string;
  active: string;
  mask: { size: number; input: number[]; output: number[] }[];
  utf8: { name: string; bytes: number[]; valid: boolean }[];
}

interface ProbeReport {
  autoBackend: string;
  key: number[];
  runs: ProbeRun[];
  error?: string;
}

const PROBE_MASK_SIZES = [1, 15, 97, 300, 4097, 70_001];

/** Each UTF-8 case of the probe and whether it is valid (also confirmed by buffer.isUtf8 below). */
const PROBE_UTF8_VALIDITY: Record<string, boolean> = {
  empty: true,
  'mixed text, one copy': true,
  'mixed text, 100 KB': true,
  'ASCII, 40 KB': true,
  'overlong NUL (C0 80)': false,
  'surrogate half (ED A0 80)': false,
  'above U+10FFFF (F4 90 80 80)': false,
  'truncated emoji at the end': false,
  'lone continuation byte': false,
};

/** RFC 6455 section 5.3: octet i is XORed with key octet i mod 4. */
function maskReference(input: number[], key: number[]): number[] {
  return input.map((byte, i) => byte ^ key[i & 3]);
}

function expectProbeCorrect(report: ProbeReport, where: string): void {
  expect(report.error, `the codec probe threw in ${where}`).toBeUndefined();
  expect(report.autoBackend, `'auto' in ${where}`).toBe('wasm-simd');
  expect(report.runs.map((run) => run.backend)).toEqual(['wasm-simd', 'auto']);
  for (const run of report.runs) {
    expect(run.active, `activeBackend() under ${run.backend} in ${where}`).toBe('wasm-simd');
    expect(run.mask.map((m) => m.size)).toEqual(PROBE_MASK_SIZES);
    for (const { size, input, output } of run.mask) {
      expect(input).toHaveLength(size);
      expect(output, `mask of ${size} B (${run.backend}) in ${where}`).toEqual(maskReference(input, report.key));
    }
    expect(run.utf8.map((c) => c.name)).toEqual(Object.keys(PROBE_UTF8_VALIDITY));
    for (const { name, bytes, valid } of run.utf8) {
      const expected = PROBE_UTF8_VALIDITY[name];
      expect(isUtf8(Uint8Array.from(bytes)), `the probe's input "${name}"`).toBe(expected);
      expect(valid, `isValidUtf8 of "${name}" (${run.backend}) in ${where}`).toBe(expected);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('the tarball', () => {
  it('ships dist/ (with both .wasm builds), README, LICENSE and package.json, and nothing of the workspace', () => {
    const paths = project.packedFiles.map((file) => file.path);
    expect(paths).toContain('package.json');
    expect(paths).toContain('README.md');
    expect(paths).toContain('LICENSE');
    expect(paths).toContain('dist/build/wasmsocket.simd.wasm');
    expect(paths).toContain('dist/build/wasmsocket.wasm');
    const outsideDist = paths.filter((path) => !path.startsWith('dist/'));
    expect(outsideDist.sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    // No tests, benchmarks, build scripts, sources or dependencies, wherever they might hide.
    const workspace = paths.filter((path) => /(^|\/)(test|bench|node_modules|assembly|scripts)\//.test(path));
    expect(workspace).toEqual([]);
    // Only compiled output: TypeScript sources are not shipped (the .d.ts files are).
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('ships source maps only with their sources inside (the TypeScript sources are not in the tarball)', () => {
    const maps = project.packedFiles.map((file) => file.path).filter((path) => path.endsWith('.map'));
    const unresolved: string[] = [];
    for (const path of maps) {
      const map = JSON.parse(readFileSync(installed(path), 'utf8')) as {
        sources: string[];
        sourcesContent?: unknown[];
      };
      map.sources.forEach((source, index) => {
        const shipped = existsSync(join(dirname(installed(path)), source));
        if (!shipped && typeof map.sourcesContent?.[index] !== 'string') unresolved.push(`${path} -> ${source}`);
      });
    }
    expect(unresolved).toEqual([]);
  });

  it('holds every file that package.json "exports", "imports", "main", "types" and "bin" name', () => {
    const manifest = requireFromRepo(installed('package.json')) as Record<string, unknown>;
    const targets = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value);
      else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
    };
    collect(manifest.exports);
    collect(manifest.imports);
    collect(manifest.bin);
    collect([manifest.main, manifest.types]);
    expect(targets.size).toBeGreaterThan(10);
    const missing = [...targets].filter((target) => !existsSync(installed(target)));
    expect(missing).toEqual([]);
    // Every export's "types" is a declaration file (.d.cts: the entry's CommonJS face).
    const typeTargets = [...targets].filter((target) => target.includes('.d.'));
    expect(typeTargets.every((target) => /\.d\.c?ts$/.test(target))).toBe(true);
    expect(typeTargets).toContain('./dist/src/index.d.cts');
  });

  it('installs offline with no dependencies, no install scripts run, and the CLI linked', async () => {
    expect(project.installOutput).not.toMatch(/npm (error|ERR!)/);
    // npm 11 warns about every install-time script it finds (a `prepare` build included): there is none.
    expect(project.installOutput).not.toMatch(/install-scripts|prepare/);
    const manifest = requireFromRepo(installed('package.json')) as {
      dependencies?: object;
      scripts?: Record<string, string>;
    };
    expect(manifest.dependencies ?? {}).toEqual({});
    const installTime = ['preinstall', 'install', 'postinstall', 'prepare'];
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => installTime.includes(name))).toEqual([]);
    const { stdout } = await runFile(join(project.dir, 'node_modules', '.bin', 'wasmsocket'), ['--help'], {
      timeout: SCRIPT_TIMEOUT_MS,
    });
    expect(stdout).toMatch(/^Usage: wasmsocket <command>/);
  });
});

describe('Node, ES modules', () => {
  interface EsmReport {
    defaultExport: string;
    serverClass: string;
    sameServer: boolean;
    backend: string;
    masked: number[];
    validUtf8: boolean;
    invalidUtf8: boolean;
    protocolAccept: string;
    webConnector: string;
    echoes: ({ text: string } | { binary: boolean })[];
    streamEcho: string;
    streamClose: { closeCode: number; reason: string };
    resolved: { root: string; codec: string };
  }

  let report: EsmReport;
  beforeAll(async () => {
    report = await runNodeScript<EsmReport>(project, ['esm-check.mjs'], SCRIPT_TIMEOUT_MS);
  }, SCRIPT_TIMEOUT_MS + 5_000);

  it('resolves every entry to the installed copy', () => {
    expect(report.resolved.root).toBe(installed('dist', 'src', 'index.js'));
    expect(report.resolved.codec).toBe(installed('dist', 'src', 'codec', 'index.js'));
  });

  it('imports the default WebSocket with WebSocketServer, the codec on wasm-simd, /web and /protocol', () => {
    expect(report.defaultExport).toBe('WebSocket');
    expect(report.serverClass).toBe('WebSocketServer');
    expect(report.sameServer).toBe(true);
    expect(report.backend).toBe('wasm-simd');
    expect(report.masked).toEqual([1, 2, 3, 4, 0xff ^ 1]);
    expect(report.validUtf8).toBe(true);
    expect(report.invalidUtf8).toBe(false);
    // RFC 6455 section 1.3's worked example.
    expect(report.protocolAccept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(report.webConnector).toBe('function');
  });

  it('echoes over loopback: the ws-style client and a WebSocketStream against the WebSocketServer', () => {
    expect(report.echoes).toEqual([{ text: 'héllo, wörld' }, { binary: true }]);
    expect(report.streamEcho).toBe('from a WebSocketStream');
    expect(report.streamClose).toEqual({ closeCode: 1000, reason: '' });
  });
});

describe('Node, CommonJS', () => {
  it("require('wasmsocket') is the WebSocket class carrying Server, WebSocketServer and createWebSocketStream", async () => {
    const report = await runNodeScript<Record<string, unknown>>(project, ['cjs-check.cjs'], SCRIPT_TIMEOUT_MS);
    expect(report).toMatchObject({
      typeofExport: 'function',
      name: 'WebSocket',
      server: 'WebSocketServer',
      sameServer: true,
      createWebSocketStream: 'function',
      readyStates: [0, 1, 2, 3],
      backend: 'wasm-simd',
      masked: [1, 2, 3, 4, 0xff ^ 1],
      invalidUtf8: false,
    });
    expect(report.codecExports).toEqual(
      expect.arrayContaining(['mask', 'unmask', 'isValidUtf8', 'parseFrameHeader', 'FrameScanner', 'activeBackend']),
    );
  });
});

describe('TypeScript (moduleResolution nodenext)', () => {
  const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  const compilerOptions = {
    target: 'es2022',
    lib: ['es2023', 'dom'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    types: ['node'],
  };

  /** Type-checks `files` (name -> source) in the consumer project; resolves to tsc's exit code and output. */
  async function typeCheck(name: string, files: Record<string, string>): Promise<{ code: number; output: string }> {
    for (const [file, source] of Object.entries(files)) writeFileSync(join(project.dir, file), source);
    const config = `tsconfig.${name}.json`;
    writeFileSync(join(project.dir, config), JSON.stringify({ compilerOptions, files: Object.keys(files) }, null, 2));
    try {
      const { stdout, stderr } = await runFile(tsc, ['-p', config], { cwd: project.dir, timeout: TSC_TIMEOUT_MS });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  it('type-checks a program using every entry, from ESM and from CommonJS', async () => {
    const result = await typeCheck('entries', {
      'entries.ts': `import WebSocket, { createWebSocketStream, ReconnectingWebSocket, WebSocketServer } from 'wasmsocket';
import { type ActiveBackend, activeBackend, FrameScanner, isValidUtf8, mask, unmask } from 'wasmsocket/codec';
import { Connection, computeAcceptAsync, Opcode } from 'wasmsocket/protocol';
import { nodeConnector, ReconnectingWebSocket as WebReconnecting, socketStreams, WebSocketStream } from 'wasmsocket/web';

const backend: ActiveBackend = activeBackend();
const valid: boolean = isValidUtf8(new Uint8Array(4));
mask(new Uint8Array(8), Uint8Array.of(1, 2, 3, 4));
unmask(new Uint8Array(8), Uint8Array.of(1, 2, 3, 4));
const server: WebSocketServer = new WebSocketServer({ noServer: true });
const client: WebSocket = new WebSocket('ws://127.0.0.1:1', { handshakeTimeout: 1000 });
const stream: WebSocketStream = new WebSocketStream('ws://127.0.0.1:1', { connector: nodeConnector });
const accept: Promise<string> = computeAcceptAsync('dGhlIHNhbXBsZSBub25jZQ==');
const reconnecting = new ReconnectingWebSocket('ws://127.0.0.1:1', { maxRetries: 3, handshakeTimeout: 1000 });
reconnecting.on('reconnecting', ({ attempt, delayMs }) => console.log(attempt + delayMs));
reconnecting.on('close', (code: number, reason: Buffer) => console.log(code, reason.length));
const webReconnecting = new WebReconnecting('ws://127.0.0.1:1', undefined, { connectTimeoutMs: 500 });
webReconnecting.addEventListener('reconnecting', (event) => console.log(event.attempt + event.delayMs));
export { backend, valid, server, client, stream, accept, createWebSocketStream, socketStreams, Connection, Opcode, FrameScanner, reconnecting, webReconnecting };
`,
      'entries.cts': `import WebSocket = require('wasmsocket');
import codec = require('wasmsocket/codec');

const server: InstanceType<typeof WebSocket.Server> = new WebSocket.WebSocketServer({ noServer: true });
const client = new WebSocket('ws://127.0.0.1:1');
const valid: boolean = codec.isValidUtf8(new Uint8Array(1));
const reconnecting = new WebSocket.ReconnectingWebSocket('ws://127.0.0.1:1', { minDelayMs: 10 });
export = { server, client, valid, reconnecting, duplex: WebSocket.createWebSocketStream };
`,
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('the declarations really constrain (a misuse fails with a type error, not a missing module)', async () => {
    const result = await typeCheck('misuse', {
      'misuse.ts': `import WebSocket, { ReconnectingWebSocket } from 'wasmsocket';
import { isValidUtf8 } from 'wasmsocket/codec';
import { WebSocketStream } from 'wasmsocket/web';
export const a: number = WebSocket;
export const b: string = isValidUtf8(new Uint8Array(1));
export const c: number = WebSocketStream;
new ReconnectingWebSocket('ws://127.0.0.1:1', { minDelayMs: '10' });
export const d: string = new ReconnectingWebSocket('ws://127.0.0.1:1').readyState;
`,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/misuse\.ts\(4,\d+\): error TS2322/);
    expect(result.output).toMatch(/misuse\.ts\(5,\d+\): error TS2322/);
    expect(result.output).toMatch(/misuse\.ts\(6,\d+\): error TS2322/);
    expect(result.output).toMatch(/misuse\.ts\(7,\d+\): error TS2345: .*\{ minDelayMs: string; \}/);
    expect(result.output).toMatch(/misuse\.ts\(8,\d+\): error TS2322/);
    expect(result.output).not.toMatch(/TS2307|TS7016/);
  });
});

describe.skipIf(!systemProgram('chromium').available)(
  "a Vite-built page importing 'wasmsocket/codec', in headless Chromium",
  () => {
    let built: { files: string[] };
    let report: ProbeReport;
    let requests: { path: string; status: number }[];
    /** Each WebAssembly compile the page started (a fetched or inlined .wasm), by the API called. */
    let compiles: string[];
    let browser: Browser | undefined;

    beforeAll(async () => {
      const viteUrl = pathToFileURL(requireFromRepo.resolve('vite')).href;
      const outDir = join(project.root, 'vite-dist');
      built = await runNodeScript<{ files: string[] }>(project, ['vite-build.mjs', viteUrl, outDir], SCRIPT_TIMEOUT_MS);
      const server = await serveDirectory(outDir);
      try {
        browser = await launchChromium();
        const page = await browser.newPage();
        // Vite inlines assets under 4 KiB (the scalar build is 2.7 KiB) as data: URLs, which reach no
        // server: count compilations in the page instead, before any of its scripts runs.
        await page.addInitScript(() => {
          const calls: string[] = [];
          (window as unknown as { wasmCompiles: string[] }).wasmCompiles = calls;
          const api = WebAssembly as unknown as Record<string, (...args: unknown[]) => unknown>;
          for (const name of ['instantiateStreaming', 'instantiate', 'compileStreaming', 'compile']) {
            const original = api[name];
            api[name] = function (this: unknown, ...args: unknown[]) {
              calls.push(name);
              return original.apply(this, args);
            };
          }
        });
        await page.goto(server.url, { timeout: PAGE_TIMEOUT_MS });
        report = (await page.evaluate('window.codecProbe')) as ProbeReport;
        compiles = (await page.evaluate('window.wasmCompiles')) as string[];
        requests = server.requests;
      } finally {
        await browser?.close();
        await server.close();
      }
    }, SETUP_TIMEOUT_MS);

    it('emits the SIMD .wasm as an asset and the page fetches it, and only it', () => {
      const wasmAssets = built.files.filter((file) => /^assets\/wasmsocket\.simd-[\w-]+\.wasm$/.test(file));
      expect(wasmAssets).toHaveLength(1);
      expect(requests).toContainEqual({ path: `/${wasmAssets[0]}`, status: 200 });
      // The scalar build is an asset too (prepareBackend('wasm') may fetch it), but Chromium has SIMD.
      expect(requests.filter((request) => request.path.endsWith('.wasm'))).toEqual([
        { path: `/${wasmAssets[0]}`, status: 200 },
      ]);
      expect(compiles).toEqual(['instantiateStreaming']);
    });

    it('answers from wasm-simd once `ready` resolves, with correct masks and UTF-8 verdicts', () => {
      expectProbeCorrect(report, 'Chromium');
    });
  },
);

describe('a Worker bundled from the installed package, in workerd', () => {
  let bundle: WorkerBundle;
  let report: ProbeReport & { userAgent: string };

  beforeAll(async () => {
    bundle = await bundleWorker(join(project.dir, 'worker.js'));
    const workerd = await startWorkerd({ bundle });
    try {
      const response = await fetchFromWorkerd(workerd, '/', WORKER_TIMEOUT_MS);
      if (!response.ok) throw new Error(`the Worker answered ${response.status}: ${await response.text()}`);
      report = (await response.json()) as typeof report;
    } finally {
      await workerd.stop();
    }
  }, SETUP_TIMEOUT_MS);

  it("bundles the installed package's workerd loader with both .wasm builds as modules", () => {
    const installedDist = relative(REPO_ROOT, installed('dist'));
    expect(bundle.inputs).toContain(`${installedDist}/bindings/load.workerd.js`);
    expect(bundle.inputs.filter((input) => /\/load\.(node|browser)\.js$/.test(input))).toEqual([]);
    // Nothing from the working tree: only the consumer's files and its node_modules.
    const fromRepo = bundle.inputs.filter((input) => !input.startsWith(relative(REPO_ROOT, project.dir)));
    expect(fromRepo).toEqual([]);
    expect(bundle.wasmModules.map(({ path }) => path).sort()).toEqual([
      installed('dist', 'build', 'wasmsocket.simd.wasm'),
      installed('dist', 'build', 'wasmsocket.wasm'),
    ]);
  });

  it('answers from wasm-simd in workerd, with correct masks and UTF-8 verdicts', () => {
    expect(report.userAgent).toBe('Cloudflare-Workers');
    expectProbeCorrect(report, 'workerd');
  });
});
