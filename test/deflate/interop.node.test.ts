// permessage-deflate against implementations nobody here wrote, with a tap on the TCP connection in
// between, so that each test sees what crossed the wire: the offer and the agreement, RSV1 on every data
// message both ways (RFC 7692 section 6), and fewer bytes than the messages hold. Peers: the ws package
// (both roles), Python's websockets 10.4 (both roles; it negotiates permessage-deflate by default) and
// headless Chromium (which offers "permessage-deflate; client_max_window_bits") against our server.
// Every pairing runs with our side in both memory modes.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer as PeerServer, WebSocket as PeerWebSocket } from 'ws';
import WebSocket, { WebSocketServer } from '../../src/index.ts';
import { deflateOffers, type PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.ts';
import { launchChromium } from '../support/browser.ts';
import { runPythonForJson, startPython, stopPythonProcesses } from '../support/python.ts';
import { systemProgram } from '../support/system-programs.ts';
import { WAIT_MS, within } from '../support/waits.ts';
import { inspectDeflate } from './deflate-inspector.ts';
import { type Memory, parseAgreement } from './harness.ts';
import { eightBitWindowProbe, jsonLikeText } from './messages.ts';
import { OPCODE, RSV1, type Tap, tapProxy } from './wire.ts';

const MEMORY: Memory[] = ['dedicated', 'shared'];
const PYTHON_PEER = fileURLToPath(new URL('./python-peer.py', import.meta.url));
const PYTHON_TIMEOUT_MS = 30_000;

/** Compressible messages of 2 KiB to 1 MiB (JSON-like), text and binary, each above ws's 1 KiB threshold. */
const MESSAGES: Array<string | Buffer> = [
  jsonLikeText(2048, 1),
  Buffer.from(jsonLikeText(16 * 1024, 2)),
  jsonLikeText(256 * 1024, 3),
  Buffer.from(jsonLikeText(1024 * 1024, 4)),
];
const MESSAGE_BYTES = MESSAGES.reduce((n, message) => n + Buffer.byteLength(message), 0);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(stopPythonProcesses);

/** Every data message crossed compressed both ways, and the wire carried far fewer bytes than the data. */
function expectCompressedBothWays(tap: Tap, messages: number, dataBytes: number): void {
  for (const direction of ['fromClient', 'fromServer'] as const) {
    const firstFrames = tap[direction].filter(
      (frame) => frame.opcode === OPCODE.TEXT || frame.opcode === OPCODE.BINARY,
    );
    expect(firstFrames.length, direction).toBe(messages);
    expect(
      firstFrames.every((frame) => (frame.rsv & RSV1) !== 0),
      `RSV1 on every message ${direction}`,
    ).toBe(true);
    expect(tap.bytes[direction], `bytes ${direction}`).toBeLessThan(dataBytes / 2);
  }
}

async function ourServer(memory: Memory): Promise<{ port: number; server: WebSocketServer }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { memory } });
  cleanups.push(() => {
    for (const client of server.clients ?? []) client.terminate();
    server.close();
  });
  server.on('connection', (socket: WebSocket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
  });
  await within(new Promise((resolve) => server.once('listening', resolve)), 'our server to listen');
  return { port: (server.address() as { port: number }).port, server };
}

async function tapTo(port: number): Promise<Tap> {
  const tap = await tapProxy(port);
  cleanups.push(() => tap.close());
  return tap;
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * The part of ws's API echoAll uses, which our WebSocket and the ws package's both have (a union of the
 * two would not be callable: both declare per-event listener signatures).
 */
interface EchoSocket {
  once(event: 'message', listener: (data: Buffer) => void): unknown;
  send(data: Buffer | string): unknown;
}

/** Sends each message and waits for its echo, one at a time; returns whether each echo matched. */
async function echoAll(socket: EchoSocket): Promise<boolean[]> {
  const same: boolean[] = [];
  for (const message of MESSAGES) {
    const echoed = within(
      new Promise<Buffer>((resolve) => socket.once('message', (data: Buffer) => resolve(data))),
      'an echo',
    );
    socket.send(message);
    same.push(sha(await echoed) === sha(message));
  }
  return same;
}

/** Without these programs their tests are skipped (vitest.config.ts says so in one line), or fail under CI. */
const python = systemProgram('python3-websockets');
const chromium = systemProgram('chromium');

describe.each(MEMORY)('our side in %s memory', (memory) => {
  it('ws client -> our server: both ends report permessage-deflate, every message compressed both ways', async () => {
    const { port, server } = await ourServer(memory);
    const tap = await tapTo(port);
    const connection = within(new Promise<WebSocket>((resolve) => server.once('connection', resolve)), 'connection');
    const client = new PeerWebSocket(`ws://127.0.0.1:${tap.port}`);
    cleanups.push(() => client.terminate());
    await within(new Promise((resolve) => client.once('open', resolve)), 'ws to open');
    const ours = await connection;
    expect(client.extensions).toBe('permessage-deflate');
    expect(ours.extensions).toBe(tap.agreed());
    expect(tap.offered()).toBe('permessage-deflate; client_max_window_bits');
    parseAgreement(tap.agreed());
    expect(await echoAll(client)).toEqual(MESSAGES.map(() => true));
    expectCompressedBothWays(tap, MESSAGES.length, MESSAGE_BYTES);
  });

  it('our client -> ws server: both ends report permessage-deflate, every message compressed both ways', async () => {
    const server = new PeerServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
    cleanups.push(() => {
      for (const client of server.clients) client.terminate();
      server.close();
    });
    let peerExtensions = '';
    server.on('connection', (socket: PeerWebSocket) => {
      peerExtensions = socket.extensions;
      socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
    });
    await within(new Promise((resolve) => server.once('listening', resolve)), 'ws to listen');
    const tap = await tapTo((server.address() as { port: number }).port);
    const client = new WebSocket(`ws://127.0.0.1:${tap.port}`, { perMessageDeflate: { memory } });
    cleanups.push(() => client.terminate());
    await within(new Promise((resolve) => client.once('open', resolve)), 'our client to open');
    expect(peerExtensions).toBe('permessage-deflate');
    expect(client.extensions).toBe(tap.agreed());
    expect(tap.offered()).toMatch(/^permessage-deflate/);
    expect(await echoAll(client)).toEqual(MESSAGES.map(() => true));
    expectCompressedBothWays(tap, MESSAGES.length, MESSAGE_BYTES);
  });

  it.skipIf(!python.available)(
    'Python websockets client -> our server: permessage-deflate agreed, every message compressed both ways',
    async () => {
      const { port } = await ourServer(memory);
      const tap = await tapTo(port);
      const result = await runPythonForJson<{
        extensions: string | null;
        echoed: Array<{ kind: string; size: number; same: boolean }>;
        close_code: number;
      }>(PYTHON_PEER, ['client', `ws://127.0.0.1:${tap.port}/`], PYTHON_TIMEOUT_MS);
      expect(tap.offered()).toMatch(/^permessage-deflate/);
      expect(result.extensions).toBe(tap.agreed());
      parseAgreement(result.extensions ?? undefined);
      expect(result.echoed.map((entry) => entry.same)).toEqual([true, true, true, true]);
      expect(result.close_code).toBe(1000);
      const pythonBytes = result.echoed.reduce((n, entry) => n + entry.size, 0);
      expectCompressedBothWays(tap, result.echoed.length, pythonBytes);
    },
  );

  it.skipIf(!python.available)(
    'our client -> Python websockets server: permessage-deflate agreed, every message compressed both ways',
    async () => {
      const python = startPython(PYTHON_PEER, ['server'], PYTHON_TIMEOUT_MS);
      cleanups.push(() => void python.kill());
      const { port } = await python.waitForJson<{ port: number }>((entry) => typeof entry.port === 'number', WAIT_MS);
      const tap = await tapTo(port);
      const client = new WebSocket(`ws://127.0.0.1:${tap.port}`, { perMessageDeflate: { memory } });
      cleanups.push(() => client.terminate());
      await within(new Promise((resolve) => client.once('open', resolve)), 'our client to open');
      expect(client.extensions).toBe(tap.agreed());
      const agreement = parseAgreement(client.extensions);
      if (memory === 'shared') {
        expect(agreement.serverNoContextTakeover && agreement.clientNoContextTakeover).toBe(true);
      }
      expect(await echoAll(client)).toEqual(MESSAGES.map(() => true));
      expectCompressedBothWays(tap, MESSAGES.length, MESSAGE_BYTES);
    },
  );
});

describe.skipIf(!chromium.available)('headless Chromium -> our server', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(MEMORY)('negotiates permessage-deflate (%s memory) and every message crosses compressed', async (memory) => {
    const { port } = await ourServer(memory);
    const tap = await tapTo(port);
    const page = await browser.newPage();
    cleanups.push(() => void page.close());
    const sizes = [2048, 64 * 1024, 1024 * 1024];
    const result = await within(
      page.evaluate(
        async ({ url, sizes }) => {
          // globalThis: the bundler would take a bare WebSocket for the one this file imports.
          const socket = new globalThis.WebSocket(url);
          socket.binaryType = 'arraybuffer';
          await new Promise((resolve, reject) => {
            socket.onopen = resolve;
            socket.onerror = () => reject(new Error('the WebSocket failed to open'));
          });
          const next = () =>
            new Promise<string | ArrayBuffer>((resolve) =>
              socket.addEventListener('message', (event) => resolve(event.data), { once: true }),
            );
          const same: boolean[] = [];
          for (const size of sizes) {
            let text = '';
            for (let i = 0; text.length < size; i++) text += `{"id":${i},"name":"user-${i % 89}","ok":true},`;
            text = text.slice(0, size);
            const textEcho = next();
            socket.send(text);
            same.push((await textEcho) === text);
            const bytes = new TextEncoder().encode(text);
            const binaryEcho = next();
            socket.send(bytes);
            const echoed = new Uint8Array((await binaryEcho) as ArrayBuffer);
            same.push(echoed.length === bytes.length && echoed.every((byte, index) => byte === bytes[index]));
          }
          const extensions = socket.extensions;
          socket.close(1000);
          return { extensions, same };
        },
        { url: `ws://127.0.0.1:${tap.port}/`, sizes },
      ),
      'the page',
    );
    expect(tap.offered()).toBe('permessage-deflate; client_max_window_bits');
    expect(result.extensions).toBe(tap.agreed());
    parseAgreement(result.extensions);
    expect(result.same).toEqual(sizes.flatMap(() => [true, true]));
    expectCompressedBothWays(
      tap,
      sizes.length * 2,
      sizes.reduce((n, size) => n + 2 * size, 0),
    );
  });
});

/**
 * Our client offering several configurations at once (RFC 7692 section 5): each peer is set up to decline
 * the first offer, so the connection runs on the second, and the two offers differ in `threshold` (a
 * local option) so that the messages show which one configured our side: 100 B messages go compressed
 * only under the second offer's threshold 0.
 */
describe('our client offers a list of configurations', () => {
  const SMALL = Array.from({ length: 4 }, (_, index) => jsonLikeText(100, index));

  /** Opens our client through a tap, checks the offer on the wire, sends SMALL and checks the echoes. */
  async function connectWithList(port: number, offers: PerMessageDeflateOptions[]) {
    const tap = await tapTo(port);
    const client = new WebSocket(`ws://127.0.0.1:${tap.port}`, { perMessageDeflate: offers });
    cleanups.push(() => client.terminate());
    await within(
      new Promise<void>((resolve, reject) => {
        client.once('open', () => resolve());
        client.once('error', reject);
      }),
      'our client to open',
    );
    expect(tap.offered()).toBe(deflateOffers(offers));
    expect(client.extensions).toBe(tap.agreed());
    for (const text of SMALL) {
      const echoed = within(new Promise<Buffer>((resolve) => client.once('message', resolve)), 'an echo');
      client.send(text);
      expect((await echoed).toString()).toBe(text);
    }
    const ours = tap.fromClient.filter((frame) => frame.opcode === OPCODE.TEXT);
    return { tap, client, ours };
  }

  it('our server declines an offer that limits its window (serverMaxWindowBits: false) and takes the next', async () => {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: { serverMaxWindowBits: false },
    });
    cleanups.push(() => {
      for (const client of server.clients ?? []) client.terminate();
      server.close();
    });
    server.on('connection', (socket: WebSocket) => {
      socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
    });
    await within(new Promise((resolve) => server.once('listening', resolve)), 'our server to listen');
    const { tap, ours } = await connectWithList((server.address() as { port: number }).port, [
      { serverMaxWindowBits: 10, threshold: 100_000 },
      { serverNoContextTakeover: true, threshold: 0 },
    ]);
    expect(tap.agreed()).toBe('permessage-deflate; server_no_context_takeover');
    expect(ours.map((frame) => (frame.rsv & RSV1) !== 0)).toEqual(SMALL.map(() => true));
  });

  it('a ws server that requires client_max_window_bits declines the offer without it and takes the next', async () => {
    const server = new PeerServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { clientMaxWindowBits: 10 } });
    cleanups.push(() => {
      for (const client of server.clients) client.terminate();
      server.close();
    });
    server.on('connection', (socket: PeerWebSocket) => {
      socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
    });
    await within(new Promise((resolve) => server.once('listening', resolve)), 'ws to listen');
    const { tap, ours } = await connectWithList((server.address() as { port: number }).port, [
      { clientMaxWindowBits: false, threshold: 100_000 },
      { threshold: 0 },
    ]);
    expect(tap.agreed()).toBe('permessage-deflate; client_max_window_bits=10');
    expect(ours.map((frame) => (frame.rsv & RSV1) !== 0)).toEqual(SMALL.map(() => true));
    // Within the 10-bit window ws asked for, context taken over from message to message.
    let history: Uint8Array = new Uint8Array(0);
    for (const frame of ours) {
      const inspection = inspectDeflate(frame.payload, history);
      expect(inspection.maxDistance).toBeLessThanOrEqual(1024);
      history = inspection.output;
    }
  });

  it.skipIf(!python.available)(
    'a Python websockets server that wants an 8-bit client window takes the second offer, and reads what we compress into 256 bytes',
    async () => {
      // websockets inflates with zlib's wbits=-8: a window of 256 bytes, which fails on any longer distance.
      const config = { client_max_window_bits: 8, require_client_max_window_bits: true };
      const peer = startPython(PYTHON_PEER, ['server', JSON.stringify(config)], PYTHON_TIMEOUT_MS);
      cleanups.push(() => void peer.kill());
      const { port } = await peer.waitForJson<{ port: number }>((entry) => typeof entry.port === 'number', 15_000);
      const { tap, client, ours } = await connectWithList(port, [
        { clientMaxWindowBits: false, threshold: 100_000 },
        { serverNoContextTakeover: true, threshold: 0 },
      ]);
      expect(tap.agreed()).toBe('permessage-deflate; server_no_context_takeover; client_max_window_bits=8');
      expect(ours.map((frame) => (frame.rsv & RSV1) !== 0)).toEqual(SMALL.map(() => true));
      // Messages that tempt longer matches, compressed with context takeover: every one read back whole.
      let history: Uint8Array = new Uint8Array(0);
      const before = tap.fromClient.length;
      for (let seed = 0; seed < 6; seed++) {
        const probe = eightBitWindowProbe(seed);
        const echoed = within(new Promise<Buffer>((resolve) => client.once('message', resolve)), 'the probe echo');
        client.send(probe);
        expect((await echoed).equals(probe)).toBe(true);
      }
      for (const frame of tap.fromClient.slice(before).filter((each) => each.opcode === OPCODE.BINARY)) {
        expect(frame.rsv & RSV1).toBe(RSV1);
        const inspection = inspectDeflate(frame.payload, history);
        expect(inspection.maxDistance).toBeGreaterThan(0);
        expect(inspection.maxDistance).toBeLessThanOrEqual(256);
        history = inspection.output;
      }
      expect(await echoAll(client)).toEqual(MESSAGES.map(() => true));
    },
  );
});

describe('an 8-bit window agreed for our side (zlib compresses with 9 bits, reaching back at most 250 bytes)', () => {
  it.skipIf(!python.available)(
    'Python websockets client asking server_max_window_bits=8: our server compresses, Python reads every message',
    async () => {
      for (const memory of MEMORY) {
        const { port } = await ourServer(memory);
        const tap = await tapTo(port);
        const result = await runPythonForJson<{
          extensions: string | null;
          echoed: Array<{ kind: string; size: number; same: boolean }>;
          close_code: number;
        }>(
          PYTHON_PEER,
          ['client', `ws://127.0.0.1:${tap.port}/`, JSON.stringify([{ server_max_window_bits: 8 }])],
          PYTHON_TIMEOUT_MS,
        );
        expect(tap.offered(), memory).toBe('permessage-deflate; server_max_window_bits=8; client_max_window_bits');
        expect(parseAgreement(result.extensions ?? undefined).serverMaxWindowBits, memory).toBe(8);
        expect(
          result.echoed.map((entry) => entry.same),
          memory,
        ).toEqual([true, true, true, true]);
        expect(result.close_code, memory).toBe(1000);
        const ours = tap.fromServer.filter((frame) => frame.opcode === OPCODE.TEXT || frame.opcode === OPCODE.BINARY);
        expect(
          ours.map((frame) => (frame.rsv & RSV1) !== 0),
          memory,
        ).toEqual([true, true, true, true]);
        let history: Uint8Array = new Uint8Array(0);
        const agreement = parseAgreement(result.extensions ?? undefined);
        for (const [index, frame] of ours.entries()) {
          const inspection = inspectDeflate(frame.payload, agreement.serverNoContextTakeover ? undefined : history);
          expect(inspection.maxDistance, memory).toBeLessThanOrEqual(256);
          // The text repeats within a few dozen bytes; the binary only every 4 KiB, out of an 8-bit window's reach.
          if (result.echoed[index].kind === 'text') expect(inspection.maxDistance, memory).toBeGreaterThan(0);
          history = inspection.output;
        }
      }
    },
  );
});
