// How each documentation snippet is run (test/docs/snippets.node.test.ts). Snippets run as a user would
// run them: as ES modules in a project where the packed tarball of this repository is installed (so
// `import ... from 'wasmsocket'` resolves to node_modules/wasmsocket), on loopback, with the port of the
// example (8080, 8443, 6379) swapped for a free one. Where a snippet is a fragment of a larger program, a
// runner adds what the surrounding application would have (a prelude) and what a user would then do with
// it (an epilogue that prints something to check); the snippet's own text is never changed otherwise.
// Then the runner checks what the snippet promises, from outside: the echo comes back with its type,
// the handler survives a client's clean close, Redis carries a publish across processes, and so on.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createSecureServer, connect as http2Connect } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { expect } from 'vitest';
import { WebSocket as WsClient, WebSocketServer as WsPackageServer } from 'ws';
import OurWebSocket, { WebSocketServer } from '../../src/index.ts';
import { TLS_CERT, TLS_KEY } from '../http2/tls-fixture.ts';
import { type ConsumerProject, createConsumerProject, REPO_ROOT } from '../packaging/consumer-project.ts';
import { denoBinary } from '../support/deno.ts';
import { Op, openRawClient } from '../support/raw-peer.ts';
import type { systemProgram } from '../support/system-programs.ts';
import { WAIT_MS, within } from '../support/waits.ts';
import { bundleWorker, fetchFromWorkerd, startWorkerd } from '../support/workerd.ts';
import { type EchoServer, startOurServer } from '../web/echo-servers.ts';
import { type Snippet, withPorts } from './markdown-snippets.ts';
import { SnippetProcess } from './snippet-process.ts';

/** A snippet that runs to its end (the codec tour, Deno's client, workerd's fetch). */
const RUN_MS = 60_000;
/** How long the generic runner lets a snippet that keeps running (a server) run before stopping it. */
const GENERIC_RUN_MS = 3_000;
/** Another process may take a probed free port before the snippet binds it: that many tries. */
const BIND_ATTEMPTS = 3;

const TLS_KEY_PATH = fileURLToPath(new URL('../http2/fixtures/localhost-key.pem', import.meta.url));
const TLS_CERT_PATH = fileURLToPath(new URL('../http2/fixtures/localhost-cert.pem', import.meta.url));

export interface RunnerContext {
  /** The project with the packed tarball installed (made once per test file). */
  project(): Promise<ConsumerProject>;
  /** Runs `cleanup` after the test, whatever happened. */
  defer(cleanup: () => Promise<unknown> | unknown): void;
}

export type Runner = (snippet: Snippet, context: RunnerContext) => Promise<void>;

/** Blocks that are not programs: allowed only with a marker that names them and says why. */
export const EXCLUDED_KINDS: Record<string, string> = {
  outline: 'an outline of an API in TypeScript notation, which no runtime runs',
};

// --- The project the snippets run in -------------------------------------------------------------------

/** The tarball installed in a fresh project, plus the `redis` package the Redis example imports. */
export async function createSnippetProject(): Promise<ConsumerProject> {
  const project = await createConsumerProject();
  // A user of the Redis example installs `redis`; the project borrows the repository's copy.
  symlinkSync(join(REPO_ROOT, 'node_modules', 'redis'), join(project.dir, 'node_modules', 'redis'), 'dir');
  return project;
}

let written = 0;

/** Writes `code` as a module of the project and returns its file name. */
function writeModule(project: ConsumerProject, snippet: Snippet, code: string, extension = '.mjs'): string {
  const name = `snippet-${snippet.file.replace(/\W+/g, '-')}-${snippet.line}-${++written}${extension}`;
  writeFileSync(join(project.dir, name), code);
  return name;
}

function runNode(project: ConsumerProject, file: string, env: Record<string, string | undefined> = {}) {
  // The codec's backend is the package's own choice, not one forced for the test run.
  return new SnippetProcess(process.execPath, [file], {
    cwd: project.dir,
    env: { WASMSOCKET_BACKEND: undefined, ...env },
  });
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs a snippet that binds a port of its own (the example's 8080): picks a free port, writes the code
 * for it and waits for `ready`; tries again with another port if the snippet lost it (EADDRINUSE).
 */
async function runOnFreePort(
  project: ConsumerProject,
  snippet: Snippet,
  context: RunnerContext,
  codeFor: (port: number) => string,
  ready: (process: SnippetProcess, port: number) => Promise<unknown>,
  env: Record<string, string | undefined> = {},
): Promise<{ process: SnippetProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const process = runNode(project, writeModule(project, snippet, codeFor(port)), env);
    context.defer(() => process.stop());
    try {
      await ready(process, port);
      return { process, port };
    } catch (error) {
      await process.stop();
      if (attempt >= BIND_ATTEMPTS || !process.stderr.includes('EADDRINUSE')) throw error;
    }
  }
}

// --- Clients the runners check with --------------------------------------------------------------------

interface Received {
  data: string | number[];
  isBinary: boolean;
}

/** A ws-package client with a queue of what it received. */
class Client {
  readonly ws: WsClient;
  readonly received: Received[] = [];
  /** How many of `received` next() has handed out. */
  private taken = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(url: string, options: ConstructorParameters<typeof WsClient>[2] = {}) {
    this.ws = new WsClient(url, options);
    this.ws.on('error', () => {});
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.received.push({ data: isBinary ? [...data] : data.toString(), isBinary });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  opened(): Promise<void> {
    return within(
      new Promise<void>((resolve, reject) => {
        this.ws.once('open', () => resolve());
        this.ws.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
        this.ws.once('unexpected-response', (_request, response: IncomingMessage) =>
          reject(new Error(`answered ${response.statusCode}`)),
        );
      }),
      'the WebSocket to open',
    );
  }

  /** The next message not yet taken (bounded). */
  async next(what = 'a message'): Promise<Received> {
    const taken = this.taken;
    while (this.received.length <= taken) {
      await within(new Promise<void>((wake) => this.waiters.push(wake)), what);
    }
    this.taken++;
    return this.received[taken];
  }

  closed(): Promise<{ code: number; reason: string }> {
    return within(
      new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
      'the close',
    );
  }
}

async function openClient(url: string, options: ConstructorParameters<typeof WsClient>[2] = {}): Promise<Client> {
  const client = new Client(url, options);
  await client.opened();
  return client;
}

/** Tries to open a WebSocket until the snippet's server answers (bounded in time and tries). */
async function untilServing(process: SnippetProcess, url: string, options = {}): Promise<Client> {
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; attempt < 400; attempt++) {
    if (!process.running) throw new Error(`the snippet exited before serving\n${process.describe()}`);
    try {
      return await openClient(url, options);
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${String(error)}: the snippet never served ${url}\n${process.describe()}`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
  }
  throw new Error(`the snippet never served ${url}\n${process.describe()}`);
}

function expectQuiet(process: SnippetProcess): void {
  expect(process.running, `the snippet died\n${process.describe()}`).toBe(true);
  expect(process.stderr, 'the snippet wrote to stderr').toBe('');
}

// --- The runners -----------------------------------------------------------------------------------------

/**
 * A snippet the tests know nothing about yet: run as written, with 8080 swapped for a free port (and an
 * echo server there when it starts no server of its own). It passes when it exits with 0, or keeps
 * running (a server) for a few seconds without writing to stderr. Give it a runner of its own to check
 * what it promises.
 */
const generic: Runner = async (snippet, context) => {
  const project = await context.project();
  const code =
    snippet.language === 'ts' || snippet.language === 'typescript'
      ? (await transform(snippet.code, { loader: 'ts', format: 'esm' })).code
      : snippet.code;
  const run = async (port: number) => {
    const process = runNode(project, writeModule(project, snippet, withPorts(code, { 8080: port })));
    context.defer(() => process.stop());
    const exit = await Promise.race([
      process.exited,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), GENERIC_RUN_MS)),
    ]);
    return { process, exit };
  };
  let outcome: Awaited<ReturnType<typeof run>>;
  if (/new\s+WebSocketServer\s*\(/.test(code)) {
    for (let attempt = 1; ; attempt++) {
      outcome = await run(await freePort());
      if (outcome.exit === null || !outcome.process.stderr.includes('EADDRINUSE') || attempt >= BIND_ATTEMPTS) break;
    }
  } else {
    const echo = await startOurServer();
    context.defer(() => echo.close());
    outcome = await run(echo.port);
  }
  const { process, exit } = outcome;
  if (exit === null) expect(process.stderr, process.describe()).toBe('');
  else expect(exit.code, process.describe()).toBe(0);
};

/** README, "a drop-in for ws": the client's echo is printed, and the server keeps text and binary apart. */
const dropIn: Runner = async (snippet, context) => {
  const project = await context.project();
  const { process, port } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => withPorts(snippet.code, { 8080: port }),
    (process) => process.waitForLine(/^hello$/, "the snippet's client printing the echo", WAIT_MS),
  );
  const client = await openClient(`ws://127.0.0.1:${port}`);
  client.ws.send('héllo');
  expect(await client.next()).toEqual({ data: 'héllo', isBinary: false });
  client.ws.send(Buffer.from([1, 2, 3]));
  expect(await client.next()).toEqual({ data: [1, 2, 3], isBinary: true });
  client.ws.close(1000);
  expect(await client.closed()).toEqual({ code: 1000, reason: '' });
  expectQuiet(process);
};

/**
 * README, topics: the application around it has a server whose clients are all subscribed to 'chat'.
 * A text message published from one client reaches the other as text (the example used to drop
 * isBinary, turning text into binary), a binary one as binary, and never the sender itself.
 */
const topics: Runner = async (snippet, context) => {
  const project = await context.project();
  const prelude = (port: number) => `import { WebSocketServer as ApplicationServer } from 'wasmsocket';
// What the example takes from its application.
const wss = new ApplicationServer({ port: ${port} });
await new Promise((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject); });
wss.on('connection', (ws) => ws.subscribe('chat'));
const tick = { symbol: 'WSKT', price: 42 };
const bigPayload = new Uint8Array(64 * 1024).fill(7);
const someClients = [];
`;
  const { process, port } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => `${prelude(port)}\n${snippet.code}\nconsole.log('ready');\n`,
    (process) => process.waitForLine(/^ready$/, 'ready', WAIT_MS),
  );
  const a = await openClient(`ws://127.0.0.1:${port}`);
  const b = await openClient(`ws://127.0.0.1:${port}`);
  a.ws.send('hello, chat');
  expect(await b.next('the text publish')).toEqual({ data: 'hello, chat', isBinary: false });
  a.ws.send(Buffer.from([1, 2, 3]));
  expect(await b.next('the binary publish')).toEqual({ data: [1, 2, 3], isBinary: true });
  b.ws.send('from b');
  // Had a's own publishes come back to it, they would have come before this one.
  expect(await a.next('the publish from b')).toEqual({ data: 'from b', isBinary: false });
  expect(a.received).toEqual([{ data: 'from b', isBinary: false }]);
  expectQuiet(process);
};

/**
 * README, Redis: two processes running the example with a real redis-server; a publish in one reaches a
 * subscriber of the other. Without a reachable Redis the example stops with ECONNREFUSED, as the README
 * says.
 */
const redis: Runner = async (snippet, context) => {
  const project = await context.project();
  const redisServer = await startRedis(context);
  const epilogue = `wss.on('connection', (ws) => {
  ws.subscribe('news');
  ws.on('message', (data) => wss.publish('news', String(data)));
});
wss.once('listening', () => console.log('ready'));
`;
  const start = () =>
    runOnFreePort(
      project,
      snippet,
      context,
      (port) => `${withPorts(snippet.code, { 8080: port, 6379: redisServer.port })}\n${epilogue}`,
      (process) => process.waitForLine(/^ready$/, 'ready', WAIT_MS),
    );
  const [first, second] = [await start(), await start()];
  const subscriber = await openClient(`ws://127.0.0.1:${first.port}`);
  const publisher = await openClient(`ws://127.0.0.1:${second.port}`);
  // The first process subscribes to Redis's channel when its first local subscriber appears; until
  // Redis has that subscription a publish from the other process reaches nobody, so publish until one
  // arrives (bounded: every 100 ms, for at most WAIT_MS).
  const arrived = subscriber.next('a publish from the other process');
  const repeat = setInterval(() => publisher.ws.send('across processes'), 100);
  try {
    expect(await arrived).toEqual({ data: 'across processes', isBinary: false });
  } finally {
    clearInterval(repeat);
  }
  expectQuiet(first.process);
  expectQuiet(second.process);

  // No Redis there: the README says connect() rejects with ECONNREFUSED and the process stops.
  const closedPort = await freePort();
  const alone = runNode(project, writeModule(project, snippet, withPorts(snippet.code, { 8080: 0, 6379: closedPort })));
  context.defer(() => alone.stop());
  const exit = await alone.waitForExit(WAIT_MS);
  expect(exit.code).not.toBe(0);
  expect(alone.stderr).toContain('ECONNREFUSED');
};

async function startRedis(context: RunnerContext): Promise<{ port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = new SnippetProcess(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: REPO_ROOT },
    );
    context.defer(() => server.stop());
    try {
      await server.waitForLine(/Ready to accept/, 'redis-server to be ready', WAIT_MS);
      return { port };
    } catch (error) {
      await server.stop();
      if (attempt >= BIND_ATTEMPTS) throw error;
    }
  }
}

/**
 * README, the codec: a tour that runs to its end; each console.log prints what its comment says (a
 * comment may add a note in parentheses after the value), and the backend is wasm-simd.
 */
const codec: Runner = async (snippet, context) => {
  const project = await context.project();
  const process = runNode(project, writeModule(project, snippet, snippet.code));
  context.defer(() => process.stop());
  const exit = await process.waitForExit(RUN_MS);
  expect(exit.code, process.describe()).toBe(0);
  const promised = snippet.code
    .split('\n')
    .map((line) => /^\s*console\.log\(.*\);\s*\/\/\s*(.+)$/.exec(line)?.[1])
    .filter((comment): comment is string => comment !== undefined);
  const printed = process.lines();
  expect(printed).toHaveLength(promised.length);
  printed.forEach((line, index) => {
    const comment = promised[index];
    expect(
      comment === line || comment.startsWith(`${line} (`),
      `line ${index + 1}: "${line}" against // ${comment}`,
    ).toBe(true);
  });
  expect(printed[0]).toBe('wasm-simd');
  expect(process.stderr).toBe('');
};

/**
 * The Workers example (README, docs/web.md) names a server on the internet; the test points it at our
 * server on loopback, bundles it from the installed package as a Workers bundler would, and runs it in
 * workerd: the Worker's answer is the echo, and the server sees the close with its code and reason.
 */
const workerd: Runner = async (snippet, context) => {
  const project = await context.project();
  const echo = await startOurServer();
  context.defer(() => echo.close());
  const code = snippet.code.replace('wss://echo.example.com/', `ws://127.0.0.1:${echo.port}/`);
  expect(code, 'the snippet connects to wss://echo.example.com/').not.toBe(snippet.code);
  const entry = join(project.dir, writeModule(project, snippet, code, '.js'));
  const bundle = await bundleWorker(entry);
  expect(bundle.inputs).toContain(
    `${relative(REPO_ROOT, project.dir)}/node_modules/wasmsocket/dist/bindings/load.workerd.js`,
  );
  const running = await startWorkerd({ bundle, allowLoopbackOutbound: true });
  context.defer(() => running.stop());
  const serverClose = echo.nextClose();
  const response = await fetchFromWorkerd(running, '/', RUN_MS);
  expect(response.status, running.output()).toBe(200);
  expect(await response.text()).toBe('hello');
  expect(await within(serverClose, "the server's close")).toEqual({ code: 1000, reason: 'done' });
};

/**
 * The Deno example (README, docs/web.md), run with the README's command, `deno run --allow-net`, in the
 * project where the tarball is installed (Deno resolves `npm:wasmsocket/web` from its node_modules), against
 * our server. It must print the echo, and the codec must be on wasm-simd: with only --allow-net.
 */
const deno: Runner = async (snippet, context) => {
  const project = await context.project();
  const echo = await startOurServer();
  context.defer(() => echo.close());
  const code = `${withPorts(snippet.code, { 8080: echo.port })}
console.log('backend', (await import('npm:wasmsocket/codec')).activeBackend());
`;
  const file = writeModule(project, snippet, code, '.js');
  const process = new SnippetProcess(denoBinary(), ['run', '--allow-net', file], {
    cwd: project.dir,
    env: { DENO_DIR: join(project.root, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  context.defer(() => process.stop());
  const exit = await process.waitForExit(RUN_MS);
  expect(exit.code, process.describe()).toBe(0);
  expect(process.stdout).toContain('{ value: Uint8Array(3) [ 1, 2, 3 ], done: false }');
  if (snippet.code.includes('await wss.closed')) expect(process.stdout).toContain('{ closeCode: 1005, reason: "" }');
  expect(process.lines().at(-1)).toBe('backend wasm-simd');
};

/**
 * The streams echo handler (README, docs/web.md): it echoes, and it survives every way a client leaves:
 * a clean close with 1000, with 4001 and a reason, with no code, a message and the close frame in one
 * write, and a dropped connection, which it reports with closeCode 1006. It used to die at the first
 * clean close (an unhandled rejection from pipeTo).
 */
const streamsHandler: Runner = async (snippet, context) => {
  const project = await context.project();
  const { process, port } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => withPorts(snippet.code, { 8080: port }),
    async (process, port) => {
      const probe = await untilServing(process, `ws://127.0.0.1:${port}/`);
      probe.ws.close(1000);
      await probe.closed();
    },
  );
  const url = `ws://127.0.0.1:${port}/`;
  const closes: Array<[(ws: WsClient) => void, number, string]> = [
    [(ws) => ws.close(1000), 1000, ''],
    [(ws) => ws.close(4001, 'bye'), 4001, 'bye'],
    [(ws) => ws.close(), 1005, ''],
  ];
  for (const [close, code, reason] of closes) {
    const client = await openClient(url);
    client.ws.send('echo me');
    expect(await client.next('the echo')).toEqual({ data: 'echo me', isBinary: false });
    close(client.ws);
    expect(await client.closed()).toEqual({ code, reason });
  }
  const peer = await openRawClient(port);
  context.defer(() => peer.destroy());
  await peer.send(
    [
      { opcode: Op.TEXT, payload: 'last words' },
      { opcode: Op.CLOSE, payload: new Uint8Array([0x03, 0xe8]) },
    ],
    'whole',
  );
  let event = await peer.next('the echo or the close frame');
  if (event.kind === 'message') event = await peer.next('the close frame');
  expect(event).toMatchObject({ kind: 'close', code: 1000 });
  peer.end();
  const dropped = await openClient(url);
  dropped.ws.send('then gone');
  await dropped.next('the echo');
  dropped.ws.terminate();
  await process.waitForLine(/^connection lost: 1006$/, "the handler's report of the dropped connection", WAIT_MS);
  // The clean closes before it, long settled by now, were no losses: the pipe ended without an error.
  expect(process.lines().filter((line) => line.startsWith('connection lost'))).toEqual(['connection lost: 1006']);
  // Still serving, and nothing went to stderr (an unhandled rejection would have).
  const last = await openClient(url);
  last.ws.send(Buffer.from([9, 9]));
  expect(await last.next('the echo')).toEqual({ data: [9, 9], isBinary: true });
  last.ws.close(1000);
  await last.closed();
  expectQuiet(process);
};

/**
 * docs/compression.md: the server in shared memory mode and the two clients; the compressing client
 * agrees on no context takeover both ways (what shared mode answers), the other on no extension.
 */
const compression: Runner = async (snippet, context) => {
  const project = await context.project();
  const epilogue = `await Promise.all([client, plain].map((socket) => new Promise((resolve, reject) => {
  socket.once('open', resolve);
  socket.once('error', reject);
})));
console.log(JSON.stringify({ client: client.extensions, plain: plain.extensions }));
process.exit(0);
`;
  const { process } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => `${withPorts(snippet.code, { 8080: port })}\n${epilogue}`,
    (process) => process.waitForLine(/^\{/, 'the agreed extensions', WAIT_MS),
  );
  const { client, plain } = JSON.parse(process.lines().at(-1) as string) as { client: string; plain: string };
  const parameters = client.split(';').map((part) => part.trim());
  expect(parameters[0]).toBe('permessage-deflate');
  expect(parameters).toEqual(expect.arrayContaining(['server_no_context_takeover', 'client_no_context_takeover']));
  expect(plain).toBe('');
  expect((await process.waitForExit(WAIT_MS)).code).toBe(0);
};

/**
 * README, Compression: a client offering two configurations to a server that declines the first. The
 * snippet prints the agreed extension and exits by itself; it must be the second offer's.
 */
const deflateOffers: Runner = async (snippet, context) => {
  const project = await context.project();
  const { process } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => withPorts(snippet.code, { 8080: port }),
    (process) => process.waitForLine(/^permessage-deflate/, 'the agreed extension', WAIT_MS),
  );
  expect(process.lines().at(-1)).toBe('permessage-deflate; client_no_context_takeover');
  expect((await process.waitForExit(WAIT_MS)).code, process.describe()).toBe(0);
  expect(process.stderr, 'the snippet wrote to stderr').toBe('');
};

/** A prelude giving a fragment the loopback test certificate as `key` and `cert`. */
const tlsPrelude = `import { readFileSync as readPem } from 'node:fs';
const key = readPem(${JSON.stringify(TLS_KEY_PATH)});
const cert = readPem(${JSON.stringify(TLS_CERT_PATH)});
`;

/** Reads a path over HTTP/2 with the test certificate trusted. */
async function http2Get(port: number, path: string): Promise<{ status: number; body: string }> {
  const session = http2Connect(`https://127.0.0.1:${port}`, { ca: TLS_CERT });
  session.on('error', () => {});
  try {
    return await within(
      new Promise((resolve, reject) => {
        const request = session.request({ ':path': path });
        let status = 0;
        let body = '';
        request.on('response', (headers) => {
          status = Number(headers[':status']);
        });
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => {
          body += chunk;
        });
        request.on('end', () => resolve({ status, body }));
        request.on('error', reject);
      }),
      `GET ${path} over HTTP/2`,
    );
  } finally {
    session.close();
  }
}

/** Our client over HTTP/2 (RFC 8441): opens, checks the answer came over HTTP/2, echoes once, closes. */
async function echoOverHttp2(port: number): Promise<void> {
  const ws = new OurWebSocket(`wss://127.0.0.1:${port}/`, { http2: true, ca: TLS_CERT });
  const upgrade = new Promise<{ httpVersion: string }>((resolve) => ws.once('upgrade', resolve));
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    'the WebSocket over HTTP/2 to open',
  );
  expect((await upgrade).httpVersion).toBe('2.0');
  const echoed = new Promise<[Buffer, boolean]>((resolve) =>
    ws.once('message', (data, isBinary) => resolve([data as Buffer, isBinary])),
  );
  ws.send('over h2');
  const [data, isBinary] = await within(echoed, 'the echo over HTTP/2');
  expect([String(data), isBinary]).toEqual(['over h2', false]);
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  ws.close(1000);
  expect(await within(closed, 'the close over HTTP/2')).toBe(1000);
}

/**
 * docs/http2.md, the server: WebSockets over HTTP/2 and over HTTP/1.1 on the same server echo with
 * their type, and other requests reach the request handler.
 */
const http2Server: Runner = async (snippet, context) => {
  const project = await context.project();
  const { process, port } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) =>
      `${tlsPrelude}\n${withPorts(snippet.code, { 8443: port })}\nserver.once('listening', () => console.log('ready'));\n`,
    (process) => process.waitForLine(/^ready$/, 'ready', WAIT_MS),
  );
  await echoOverHttp2(port);
  const http1 = await openClient(`wss://127.0.0.1:${port}/`, { ca: TLS_CERT });
  http1.ws.send(Buffer.from([4, 5, 6]));
  expect(await http1.next('the echo over HTTP/1.1')).toEqual({ data: [4, 5, 6], isBinary: true });
  http1.ws.close(1000);
  await http1.closed();
  expect(await http2Get(port, '/')).toEqual({ status: 200, body: 'the rest of the site' });
  expectQuiet(process);
};

/**
 * docs/http2.md, the client: it names a server on the internet; the test points it at an HTTP/2 server
 * of ours on loopback (the test certificate trusted through NODE_EXTRA_CA_CERTS). It must arrive as an
 * extended CONNECT over HTTP/2 and agree on the subprotocol and permessage-deflate.
 */
const http2Client: Runner = async (snippet, context) => {
  const project = await context.project();
  const server = createSecureServer({ key: TLS_KEY, cert: TLS_CERT, allowHTTP1: true });
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: true,
    handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
  });
  const requests: Array<{ httpVersion: string; url: string | undefined }> = [];
  wss.on('connection', (_ws, request: IncomingMessage) =>
    requests.push({ httpVersion: request.httpVersion, url: request.url }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  context.defer(async () => {
    for (const client of wss.clients ?? []) client.terminate();
    wss.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const port = (server.address() as { port: number }).port;
  const code = snippet.code.replace('wss://example.com/', `wss://127.0.0.1:${port}/`);
  expect(code, 'the snippet connects to wss://example.com/').not.toBe(snippet.code);
  const epilogue = `ws.on('open', () => {
  console.log(JSON.stringify({ protocol: ws.protocol, extensions: ws.extensions }));
  ws.close(1000);
});
ws.on('close', (code) => {
  console.log('closed', code);
  process.exit(0);
});
ws.on('error', (error) => {
  console.error(error.message);
  process.exit(1);
});
`;
  const process = runNode(project, writeModule(project, snippet, `${code}\n${epilogue}`), {
    NODE_EXTRA_CA_CERTS: TLS_CERT_PATH,
  });
  context.defer(() => process.stop());
  const exit = await process.waitForExit(RUN_MS);
  expect(exit.code, process.describe()).toBe(0);
  const [agreed, closed] = process.lines();
  const { protocol, extensions } = JSON.parse(agreed) as { protocol: string; extensions: string };
  expect(protocol).toBe('chat.v2');
  expect(extensions).toMatch(/^permessage-deflate/);
  expect(closed).toBe('closed 1000');
  expect(requests).toEqual([{ httpVersion: '2.0', url: '/chat' }]);
};

/**
 * docs/http2.md, a `stream` handler beside the WebSocketServer: given the server of the example above,
 * ordinary streams get the handler's answer and WebSocket streams still reach the WebSocketServer.
 */
const http2StreamHandler: Runner = async (snippet, context) => {
  const project = await context.project();
  const prelude = `${tlsPrelude}import http2 from 'node:http2';
import { WebSocketServer as ApplicationWebSocketServer } from 'wasmsocket';
// The server of the example above, with an echo.
const server = http2.createSecureServer({ key, cert, allowHTTP1: true });
const wss = new ApplicationWebSocketServer({ server });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
`;
  const epilogue = "server.listen(0, '127.0.0.1', () => console.log('ready', server.address().port));\n";
  const process = runNode(project, writeModule(project, snippet, `${prelude}\n${snippet.code}\n${epilogue}`));
  context.defer(() => process.stop());
  const [, port] = await process.waitForLine(/^ready (\d+)$/, 'ready', WAIT_MS);
  expect(await http2Get(Number(port), '/anything')).toEqual({ status: 200, body: 'hello' });
  await echoOverHttp2(Number(port));
  expectQuiet(process);
};

/**
 * docs/security.md, the recommended server: the listed origin opens, another gets 403, and SIGTERM
 * closes the open client with 1012 and ends the process with 0.
 */
const recommendedServer: Runner = async (snippet, context) => {
  const project = await context.project();
  const origin = 'https://app.example.com';
  let first: Client | undefined;
  const { process, port } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => withPorts(snippet.code, { 8080: port }),
    async (process, port) => {
      first = await untilServing(process, `ws://127.0.0.1:${port}/`, { origin });
    },
  );
  const client = first as Client;
  const refused = new WsClient(`ws://127.0.0.1:${port}/`, { origin: 'https://elsewhere.example.com' });
  refused.on('error', () => {});
  const status = await within(
    new Promise<number | undefined>((resolve) => {
      refused.once('unexpected-response', (_request, response: IncomingMessage) => resolve(response.statusCode));
      refused.once('open', () => resolve(undefined));
    }),
    'the answer to another origin',
  );
  expect(status).toBe(403);
  const closed = client.closed();
  process.child.kill('SIGTERM');
  expect(await closed).toEqual({ code: 1012, reason: '' });
  expect((await process.waitForExit(WAIT_MS)).code).toBe(0);
  expect(process.stderr).toBe('');
};

/** The bytes of the "file" the streamMessages example sends: 300,000 bytes with no short period. */
const FILE_BYTES = 300_000;
const fileBytes = () => Uint8Array.from({ length: FILE_BYTES }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

/**
 * docs/web.md, messages as streams: `fileStream` and `hash` come from the application (a 300,000-byte
 * stream in 64 KiB chunks and a SHA-256). A server echoes the message and closes; the loop then ends,
 * and the hash of what came back is the file's.
 */
const streamMessages: Runner = async (snippet, context) => {
  const project = await context.project();
  const server = new WsPackageServer({ port: 0, host: '127.0.0.1', maxPayload: 2 * FILE_BYTES });
  server.on('connection', (ws) =>
    ws.on('message', (data, isBinary) => {
      ws.send(data, { binary: isBinary });
      ws.close(1000);
    }),
  );
  await once(server, 'listening');
  context.defer(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as { port: number }).port;
  const prelude = `import { createHash } from 'node:crypto';
import { WebSocketStream } from 'wasmsocket/web';
// What the example takes from its application.
const bytes = Uint8Array.from({ length: ${FILE_BYTES} }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
const fileStream = new ReadableStream({
  start(controller) {
    for (let at = 0; at < bytes.length; at += 65536) controller.enqueue(bytes.subarray(at, at + 65536));
    controller.close();
  },
});
const hash = createHash('sha256');
`;
  const code = `${prelude}\n${withPorts(snippet.code, { 8080: port })}\nconsole.log(hash.digest('hex'));\n`;
  const process = runNode(project, writeModule(project, snippet, code));
  context.defer(() => process.stop());
  const exit = await process.waitForExit(RUN_MS);
  expect(exit.code, process.describe()).toBe(0);
  expect(process.lines().at(-1)).toBe(createHash('sha256').update(fileBytes()).digest('hex'));
};

/**
 * README and docs/reconnect.md, the reconnecting client with a server of its own: the process ends by
 * itself (close() left no timer or socket behind), the message it sent comes back and is printed, and
 * where the server closes the first connection (1012) the client says it reconnects.
 */
const reconnectingClient: Runner = async (snippet, context) => {
  const project = await context.project();
  const sent = /ws\.send\('([^']+)'\)/.exec(snippet.code)?.[1];
  expect(sent, 'the snippet sends a string literal').toBeDefined();
  const { process } = await runOnFreePort(
    project,
    snippet,
    context,
    (port) => withPorts(snippet.code, { 8080: port }),
    (process) => process.waitForExit(RUN_MS),
  );
  expect((await process.exited).code, process.describe()).toBe(0);
  expect(process.stderr, process.describe()).toBe('');
  const lines = process.lines();
  expect(
    lines.some((line) => line.endsWith(sent as string)),
    process.describe(),
  ).toBe(true);
  if (snippet.code.includes('close(1012')) {
    expect(
      lines.some((line) => /attempt 1 in \d+ ms/.test(line)),
      process.describe(),
    ).toBe(true);
  }
};

export const RUNNERS: Record<string, Runner> = {
  generic,
  'drop-in': dropIn,
  topics,
  redis,
  codec,
  workerd,
  deno,
  'streams-handler': streamsHandler,
  compression,
  'deflate-offers': deflateOffers,
  'http2-server': http2Server,
  'http2-client': http2Client,
  'http2-stream-handler': http2StreamHandler,
  'recommended-server': recommendedServer,
  'stream-messages': streamMessages,
  'reconnecting-client': reconnectingClient,
};

/** The system program a runner needs beyond Node and npm, if any (skipped with one line without it). */
export const RUNNER_NEEDS: Partial<Record<string, Parameters<typeof systemProgram>[0]>> = {
  redis: 'redis-server',
};

export type { EchoServer };
