// Runs cases modelled on Autobahn|Testsuite's against wasmsocket in both roles over real sockets on
// 127.0.0.1. The peer is our own, not Autobahn's fuzzingserver or fuzzingclient (those are run outside
// this suite, against `wasmsocket autobahn-client` and `wasmsocket serve`), and the test titles say so:
//   server role: our WebSocketServer echoing every message with its type (what the fuzzingclient expects),
//                driven by a raw client (test/support/raw-peer.ts) that masks its frames;
//   client role: our WebSocket echoing every message (as `wasmsocket autobahn-client` does), connected to
//                a raw server that answers the upgrade by hand and sends unmasked frames.
// Each case is written once against the raw peer and runs for every role, every way of cutting the bytes
// into socket writes it lists, and every codec backend (the frame reader has separate JS and WASM paths).
// One endpoint serves all the cases of a block, as one server serves a whole Autobahn run, and the block
// ends by checking that it still echoes and that no connection was left open.
//
// WASMSOCKET_FULL=1 (npm run test:full) selects Autobahn's own sizes where CI uses smaller ones, and the
// scalar WASM backend besides js, wasm-simd and auto.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeBackend, type BackendName, selection, setBackend } from '../../src/codec/backend.ts';
import type { ClientOptions, WebSocketServerOptions } from '../../src/index.ts';
import WebSocket, { type CloseEvent, WebSocketServer } from '../../src/index.ts';
import {
  type Chunking,
  describeEvent,
  type FrameSpec,
  Op,
  openRawClient,
  type PeerEvent,
  type RawPeer,
  type RawServer,
  startRawServer,
} from '../support/raw-peer.ts';
import { until, within } from '../support/waits.ts';

export type { Chunking, FrameSpec, RawPeer };
export { Op };

/** Autobahn's sizes (npm run test:full) instead of the reduced CI ones. */
export const FULL = process.env.WASMSOCKET_FULL === '1';

export type Role = 'server' | 'client';

/** Every frame-level case runs in one write, one byte per write, and in writes of random sizes. */
const DEFAULT_CHUNKINGS: readonly Chunking[] = ['whole', 'bytes', 'random'];
export const ROLES: readonly Role[] = ['server', 'client'];

/**
 * The backends every group runs with: the JS reader, the SIMD build forced for every chunk, and 'auto'
 * (what users get: JS or WASM per chunk by size); the full run adds the scalar WASM build.
 */
export const BACKENDS: readonly BackendName[] = FULL
  ? ['js', 'wasm', 'wasm-simd', 'auto']
  : ['js', 'wasm-simd', 'auto'];

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** Our side of one connection: the WebSocket and what it reported. */
export interface Ours {
  ws: WebSocket;
  /** 'open' and 'message' events in the order our side emitted them. */
  order: string[];
  errors: (Error & { closeCode?: number })[];
  /** Resolves with the 'close' event (bounded waits are the caller's). */
  closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | null;
}

export interface CaseRun {
  role: Role;
  chunking: Chunking;
  peer: RawPeer;
  ours: Ours;
  /** Opens one more connection to the same endpoint (closed after the case whatever happens). */
  openAnother(): Promise<CaseRun>;
  /** In the client role, the raw server our client connects to. */
  rawServer?: RawServer;
}

export interface ConformanceCase {
  /** Autobahn's case number ('5.19'), or 'x.n' for a case of our own. */
  id: string;
  /** What is sent and what must happen, in a line. */
  title: string;
  /** The ways to cut the bytes into writes; default ['whole', 'bytes', 'random']. */
  chunkings?: readonly Chunking[];
  /** Default both. */
  roles?: readonly Role[];
  timeoutMs?: number;
  run(t: CaseRun): Promise<void>;
}

export interface GroupOptions {
  backends?: readonly BackendName[];
  /** Options for our server (server role). */
  serverOptions?: WebSocketServerOptions;
  /** Options for our client (client role). */
  clientOptions?: ClientOptions;
}

/** An endpoint of ours (a server, or a factory of clients) and the raw peers that talk to it. */
interface Endpoint {
  open(): Promise<{ peer: RawPeer; ours: Ours }>;
  rawServer?: RawServer;
  /** Our connections that have not reported 'close' yet. */
  openConnections(): number;
  close(): Promise<void>;
}

function track(ws: WebSocket, open: Set<Ours>): Ours {
  const ours: Ours = {
    ws,
    order: [],
    errors: [],
    closeInfo: null,
    closed: new Promise((resolve) => {
      ws.addEventListener('close', (event) => {
        const { code, reason, wasClean } = event as CloseEvent;
        ours.closeInfo = { code, reason, wasClean };
        open.delete(ours);
        resolve(ours.closeInfo);
      });
    }),
  };
  open.add(ours);
  // An application listens for 'error'; without a listener an EventEmitter would throw.
  ws.on('error', (error: Error) => ours.errors.push(error));
  ws.on('open', () => ours.order.push('open'));
  // The echo of the Autobahn fuzzers: every message back with its type.
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    ours.order.push('message');
    if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: isBinary });
  });
  return ours;
}

async function startEchoServer(options: WebSocketServerOptions = {}): Promise<Endpoint> {
  const server = new WebSocketServer({ ...options, host: '127.0.0.1', port: 0 });
  await within(new Promise((resolve) => server.once('listening', resolve)), 'our server to listen');
  const port = (server.address() as { port: number }).port;
  const open = new Set<Ours>();
  const byPeerPort = new Map<number, Ours>();
  server.on('connection', (ws: WebSocket) => {
    const remotePort = (ws._socket as { remotePort?: number }).remotePort as number;
    byPeerPort.set(remotePort, track(ws, open));
  });
  return {
    async open() {
      const peer = await openRawClient(port);
      // 'connection' is emitted before the 101 leaves, so it has happened by the time the peer read it.
      const ours = byPeerPort.get(peer.socket.localPort as number);
      if (ours === undefined) throw new Error('no connection event for this peer');
      byPeerPort.delete(peer.socket.localPort as number);
      return { peer, ours };
    },
    openConnections: () => Math.max(open.size, server.clients?.size ?? 0),
    async close() {
      for (const ws of server.clients ?? []) ws.terminate();
      await within(new Promise((resolve) => server.close(() => resolve(undefined))), 'our server to close');
    },
  };
}

async function startClientSide(options: ClientOptions = {}): Promise<Endpoint> {
  const raw: RawServer = await startRawServer();
  const open = new Set<Ours>();
  return {
    rawServer: raw,
    async open() {
      const ws = new WebSocket(raw.url, options);
      const ours = track(ws, open);
      await within(new Promise((resolve) => ws.once('open', resolve)), "our client's 'open'");
      const peer = await raw.peerFrom((ws._socket as { localPort?: number }).localPort as number);
      return { peer, ours };
    },
    openConnections: () => open.size,
    async close() {
      for (const ours of open) ours.ws.terminate();
      await raw.close();
    },
  };
}

/**
 * Defines the tests of one group: for each backend, each role and each chunking a case lists, one test
 * per case, then the check that the endpoint still serves and left nothing open.
 */
export function conformanceGroup(group: string, cases: readonly ConformanceCase[], options: GroupOptions = {}): void {
  for (const backend of options.backends ?? BACKENDS) {
    describe(`${group}, against our raw peer [backend ${backend}]`, () => {
      const before = selection.requested;
      beforeAll(() => {
        setBackend(backend);
        if (backend !== 'auto') expect(activeBackend()).toBe(backend);
      });
      afterAll(() => setBackend(before));
      for (const role of ROLES) {
        describe(`wasmsocket as ${role}`, () => {
          let endpoint: Endpoint;
          beforeAll(async () => {
            endpoint =
              role === 'server'
                ? await startEchoServer(options.serverOptions)
                : await startClientSide(options.clientOptions);
          });
          afterAll(async () => endpoint?.close());
          for (const testCase of cases) {
            if (testCase.roles !== undefined && !testCase.roles.includes(role)) continue;
            for (const chunking of testCase.chunkings ?? DEFAULT_CHUNKINGS) {
              it(`${testCase.id} ${testCase.title} (${chunking})`, { timeout: testCase.timeoutMs }, async () => {
                const runs: CaseRun[] = [];
                const open = async (): Promise<CaseRun> => {
                  const { peer, ours } = await endpoint.open();
                  peer.chunking = chunking;
                  // Each test cuts its bytes its own way, the same on every run.
                  peer.randomSeed = seedOf(`${testCase.id} ${role} ${runs.length}`);
                  const run: CaseRun = { role, chunking, peer, ours, openAnother: open, rawServer: endpoint.rawServer };
                  runs.push(run);
                  return run;
                };
                try {
                  await testCase.run(await open());
                  for (const { peer } of runs) {
                    expect(peer.violations, 'RFC 6455 section 5 breaches in what wasmsocket sent').toEqual([]);
                  }
                } finally {
                  for (const { peer, ours } of runs) {
                    peer.destroy();
                    await within(ours.closed, "our side's 'close' after the peer went away").catch(() => {});
                  }
                }
              });
            }
          }
          it('still echoes after every case above, and left no connection open', async () => {
            const { peer, ours } = await endpoint.open();
            const t: CaseRun = {
              role,
              chunking: 'whole',
              peer,
              ours,
              openAnother: () => Promise.reject(new Error('unused')),
            };
            await peer.send([{ opcode: Op.TEXT, payload: 'still here' }]);
            await expectMessage(peer, Op.TEXT, 'still here');
            await closeNormally(t);
            await until(() => endpoint.openConnections() === 0, 'every connection of ours to close', {
              describe: () => `${endpoint.openConnections()} still open`,
            });
          });
        });
      }
    });
  }
}

/** A 32-bit seed from a name (FNV-1a), so a test's random cuts are the same on every run. */
function seedOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0 || 1;
}

// Frame builders, in the words of section 5.2.
export const textFrame = (payload: Uint8Array | string, fin = true): FrameSpec => ({ opcode: Op.TEXT, payload, fin });
export const binaryFrame = (payload: Uint8Array | string, fin = true): FrameSpec => ({
  opcode: Op.BINARY,
  payload,
  fin,
});
export const continuation = (payload: Uint8Array | string, fin = true): FrameSpec => ({
  opcode: Op.CONTINUATION,
  payload,
  fin,
});
export const pingFrame = (payload: Uint8Array | string = ''): FrameSpec => ({ opcode: Op.PING, payload });
export const pongFrame = (payload: Uint8Array | string = ''): FrameSpec => ({ opcode: Op.PONG, payload });

/** A close frame: no payload without a code; a code, and optionally a reason (string or raw bytes). */
export function closeFrame(code?: number, reason: string | Uint8Array = ''): FrameSpec {
  if (code === undefined) return { opcode: Op.CLOSE };
  const reasonBytes = typeof reason === 'string' ? Buffer.from(reason) : reason;
  const payload = Buffer.alloc(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  payload.set(reasonBytes, 2);
  return { opcode: Op.CLOSE, payload };
}

const asBuffer = (payload: Uint8Array | string) =>
  typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);

async function expectKind<K extends PeerEvent['kind']>(
  peer: RawPeer,
  kind: K,
  what: string,
): Promise<Extract<PeerEvent, { kind: K }>> {
  const event = await peer.next(what);
  if (event.kind !== kind) throw new Error(`expected ${what}, got ${describeEvent(event)}; ${peer.describe()}`);
  return event as Extract<PeerEvent, { kind: K }>;
}

/** The next thing received is a whole message of this type and payload (however it was fragmented). */
export async function expectMessage(peer: RawPeer, opcode: number, payload: Uint8Array | string): Promise<void> {
  const expected = asBuffer(payload);
  const what = `the echo: ${opcode === Op.TEXT ? 'text' : 'binary'} message of ${expected.length} bytes`;
  const event = await expectKind(peer, 'message', what);
  expect(event.opcode, what).toBe(opcode);
  expect(event.payload.length, what).toBe(expected.length);
  // Compare as a whole first: a failing toEqual on megabytes would print them all.
  if (!event.payload.equals(expected)) {
    const at = event.payload.findIndex((byte, index) => byte !== expected[index]);
    expect.fail(`${what}: payload differs from byte ${at} on`);
  }
}

export async function expectPong(peer: RawPeer, payload: Uint8Array | string): Promise<void> {
  const expected = asBuffer(payload);
  const event = await expectKind(peer, 'pong', `a pong echoing ${expected.length} bytes`);
  expect(event.payload.toString('hex')).toBe(expected.toString('hex'));
}

/** The next thing received is a close frame; returns it. */
export async function expectCloseFrame(peer: RawPeer, what: string): Promise<Extract<PeerEvent, { kind: 'close' }>> {
  return expectKind(peer, 'close', what);
}

/**
 * The implementation failed the connection (section 7.1.7): a close frame with `code`, nothing after it,
 * and the end of its TCP stream, without the peer doing anything more. Our side reports the error with
 * that close code, and 'close' with 1006: no close frame was received (section 7.1.5; ws does the same).
 */
export async function expectFailure(t: CaseRun, code: number): Promise<void> {
  const { peer, ours } = t;
  const close = await expectCloseFrame(peer, `a close frame with code ${code}`);
  expect(close.code, `close code; ${peer.describe()}`).toBe(code);
  await expectKind(peer, 'end', 'the implementation to close the TCP connection after failing it');
  peer.end();
  await within(peer.socketClosed, 'the TCP connection to close');
  const closed = await within(ours.closed, "our side's 'close' event");
  expect(closed.code).toBe(1006);
  expect(ours.errors.map((error) => error.closeCode)).toEqual([code]);
}

/**
 * The closing handshake started by the raw peer (section 7.1.2), with `code` and `reason` (none: an empty
 * close frame, reported as 1005), and `framesAfter` right behind it: the implementation echoes the code and
 * reason and nothing else, the server closes TCP first (section 7.1.1), and our side reports a clean
 * close with the peer's code.
 */
export async function closeNormally(
  t: CaseRun,
  code: number | undefined = 1000,
  reason = '',
  framesAfter: FrameSpec[] = [],
): Promise<void> {
  const { peer, ours, role } = t;
  // Whatever follows the close frame is never read (section 5.5.1): no answer may come to it.
  await peer.send([closeFrame(code, reason), ...framesAfter]);
  const echo = await expectCloseFrame(peer, `the echo of our close frame (${code ?? 'no code'})`);
  expect(echo.code).toBe(code ?? null);
  expect(echo.reason.toString()).toBe(reason);
  if (role === 'server') {
    await expectKind(peer, 'end', 'our server to close the TCP connection after the closing handshake');
    peer.end();
  } else {
    // The raw peer is the server: it closes TCP once the handshake is done (section 7.1.1).
    peer.end();
  }
  await within(peer.socketClosed, 'the TCP connection to close');
  expect(peer.unread().filter((event) => event.kind !== 'end')).toEqual([]);
  const closed = await within(ours.closed, "our side's 'close' event");
  expect(closed).toEqual({ code: code ?? 1005, reason, wasClean: true });
  expect(ours.errors).toEqual([]);
}

/** The bytes of `text` as UTF-8. */
export const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Bytes with no short period (seeded xorshift), so a dropped, repeated or misplaced byte shows. */
export function patternBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Valid UTF-8 of exactly `length` bytes mixing 1- to 4-byte characters, padded with ASCII at the end. */
export function patternText(length: number): Buffer {
  const unit = utf8('Hello-µ@ßöäüàá-κόσμε-✓-😀|');
  const whole = repeatBytes(unit, length - (length % unit.length));
  return Buffer.concat([whole, Buffer.alloc(length % unit.length, 0x2a)]);
}

/** Repeats `unit` to exactly `length` bytes (the last copy cut short). */
export function repeatBytes(unit: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += unit.length) out.set(unit.subarray(0, Math.min(unit.length, length - at)), at);
  return out;
}
