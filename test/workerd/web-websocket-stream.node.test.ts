// wasmsocket/web inside Cloudflare workerd, from the built package as a Workers bundler sees it: the
// "workerd" export condition picks the entry that installs the cloudflare:sockets connector, and the
// codec is the workerd build. A Worker opens WebSocketStreams to our Node server and to a ws-package
// server on loopback, echoes text and binary up to 16 MiB, and closes with a code and a reason; both
// sides are checked. Needs `npm run build` first.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from '../support/waits.ts';
import {
  bundleWorker,
  fetchFromWorkerd,
  type RunningWorkerd,
  startWorkerd,
  type WorkerBundle,
} from '../support/workerd.ts';
import { ECHO_SIZES, SCENARIO_CLOSE, SCENARIO_PROTOCOL, type ScenarioReport } from '../web/client-scenario.ts';
import { type EchoServer, startOurServer, startWsPackageServer } from '../web/echo-servers.ts';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const BUILT_FILES = [
  'dist/src/web/index.workerd.js',
  'dist/bindings/load.workerd.js',
  'dist/build/wasmsocket.simd.wasm',
];

/** One scenario moves about 70 MiB each way through workerd; these bounds only catch a hang. */
const SCENARIO_TIMEOUT_MS = 60_000;
const SETUP_TIMEOUT_MS = 60_000;

let bundle: WorkerBundle;
let workerd: RunningWorkerd | undefined;
let ours: EchoServer | undefined;
let wsPackage: EchoServer | undefined;

beforeAll(async () => {
  const missing = BUILT_FILES.filter((file) => !existsSync(join(packageRoot, file)));
  if (missing.length > 0) {
    throw new Error(`the package is not built (missing ${missing.join(', ')}): run \`npm run build\` first`);
  }
  [ours, wsPackage] = await Promise.all([startOurServer(), startWsPackageServer()]);
  bundle = await bundleWorker(new URL('./web-worker.ts', import.meta.url));
  workerd = await startWorkerd({
    bundle,
    allowLoopbackOutbound: true,
    bindings: { OUR_PORT: String(ours.port), WS_PORT: String(wsPackage.port) },
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await workerd?.stop();
  await ours?.close();
  await wsPackage?.close();
});

type WorkerReport = ScenarioReport & { backend: string; userAgent: string };

async function runIn(target: 'ours' | 'ws'): Promise<WorkerReport> {
  const response = await fetchFromWorkerd(workerd as RunningWorkerd, `/?target=${target}`, SCENARIO_TIMEOUT_MS);
  const body = await response.text();
  if (!response.ok) throw new Error(`the Worker answered ${response.status}: ${body}\n${workerd?.output()}`);
  return JSON.parse(body) as WorkerReport;
}

describe('wasmsocket/web in workerd', () => {
  it('bundles the workerd entry and the workerd codec from dist/, with no Node module', () => {
    expect(bundle.inputs).toContain('dist/src/web/index.workerd.js');
    expect(bundle.inputs).toContain('dist/src/web/connect-workerd.js');
    expect(bundle.inputs).toContain('dist/bindings/load.workerd.js');
    expect(bundle.inputs.filter((input) => input.startsWith('src/') || input.startsWith('bindings/'))).toEqual([]);
    expect(bundle.inputs.filter((input) => input.startsWith('dist/src/node/'))).toEqual([]);
    expect(bundle.code).not.toMatch(/from ["']node:/);
    expect(bundle.code).toMatch(/from ["']cloudflare:sockets["']/);
  });

  for (const target of ['ours', 'ws'] as const) {
    it(
      `echoes text and binary up to 16 MiB with ${target === 'ours' ? 'our Node server' : 'a ws-package server'}, then closes with a code and reason`,
      async () => {
        const server = (target === 'ours' ? ours : wsPackage) as EchoServer;
        const before = server.record.messages.length;
        const serverClose = server.nextClose();
        const report = await runIn(target);
        expect(report.userAgent).toBe('Cloudflare-Workers');
        expect(report.backend).toBe('wasm-simd');
        expect(report.protocol).toBe(SCENARIO_PROTOCOL);
        expect(report.extensions).toBe('');
        expect(report.echoes.filter((echo) => !echo.ok)).toEqual([]);
        expect(report.echoes.map(({ kind, bytes }) => `${kind}:${bytes}`)).toEqual(
          ECHO_SIZES.flatMap((bytes) => [`text:${bytes}`, `binary:${bytes}`]),
        );
        expect(report.closed).toEqual(SCENARIO_CLOSE);
        // The server's side: every message arrived whole, with its type, and the close carried our code and reason.
        const received = server.record.messages.slice(before);
        expect(received.map(({ isBinary, bytes }) => `${isBinary ? 'binary' : 'text'}:${bytes}`)).toEqual(
          ECHO_SIZES.flatMap((bytes) => [`text:${bytes}`, `binary:${bytes}`]),
        );
        const close = await within(serverClose, 'the close on the server');
        expect(close).toEqual({ code: SCENARIO_CLOSE.closeCode, reason: SCENARIO_CLOSE.reason });
      },
      SCENARIO_TIMEOUT_MS + 10_000,
    );
  }
});
