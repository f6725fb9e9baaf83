// wasmsocket against Python's websockets (Debian's package, run by /usr/bin/python3), in both roles: the
// client script in python/client.py talks to our server, and our client talks to python/echo_server.py.
// With and without permessage-deflate, since websockets offers and accepts it by default.

import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from '../../src/index.ts';
import { LARGE_MESSAGE_BYTES, patternBytes, sha256Hex } from '../support/payloads.ts';
import { type PythonProcess, runPythonForJson, startPython, stopPythonProcesses } from '../support/python.ts';
import { systemProgram } from '../support/system-programs.ts';
import { nextEvent, WAIT_MS, within } from '../support/waits.ts';

const CLIENT_SCRIPT = fileURLToPath(new URL('./python/client.py', import.meta.url));
const SERVER_SCRIPT = fileURLToPath(new URL('./python/echo_server.py', import.meta.url));

/** A Python client run covers a 16 MiB round trip in pure-Python framing: generous, only catches hangs. */
const CLIENT_RUN_MS = 90_000;
/** The Python server exits by itself after this long, should afterAll not get to kill it. */
const SERVER_LIFETIME_S = 300;

interface ClientReport {
  websockets_version: string;
  subprotocol: string | null;
  extensions: string[];
  text: string;
  binary: { type: string; hex: string };
  empty_text: string;
  empty_binary: { type: string; length: number };
  fragmented: string;
  large: { bytes: number; sha256: string; intact: boolean };
  ping_answered: boolean;
  close: { code: number; reason: string };
}

interface ServerClosedReport {
  event: 'closed';
  code: number;
  reason: string;
  path: string;
  subprotocol: string | null;
  extensions: string[];
  headers: Record<string, string>;
}

/** What our server saw of one connection. */
interface OurSide {
  request: IncomingMessage;
  socket: WebSocket;
  received: { isBinary: boolean; bytes: number; text?: string; sha256?: string }[];
  closed: Promise<{ code: number; reason: string }>;
}

const OUR_SERVER_CLOSE = { code: 4001, reason: 'wasmsocket server says goodbye ✓' };
const PYTHON_CLIENT_CLOSE = { code: 4000, reason: 'python is done ✓' };
const PYTHON_SERVER_CLOSE = { code: 4002, reason: 'python server says goodbye ✓' };
const PYTHON_LARGE = patternBytes(LARGE_MESSAGE_BYTES, 'python client');

afterAll(async () => {
  await stopPythonProcesses();
});

/** Starts our echo server; `close me` makes it close with OUR_SERVER_CLOSE. */
async function startOurServer(options: { perMessageDeflate?: boolean }) {
  const connections: OurSide[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    ...options,
    handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
  });
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const side: OurSide = {
      request,
      socket,
      received: [],
      closed: new Promise((resolve) =>
        socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
      ),
    };
    connections.push(side);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      side.received.push(
        isBinary
          ? { isBinary, bytes: data.length, sha256: sha256Hex(data) }
          : { isBinary, bytes: data.length, text: data.length > 1000 ? undefined : data.toString() },
      );
      if (!isBinary && data.toString() === 'close me') socket.close(OUR_SERVER_CLOSE.code, OUR_SERVER_CLOSE.reason);
      else socket.send(data, { binary: isBinary });
    });
  });
  await nextEvent(server, 'listening');
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/interop?from=python`;
  const stop = () => {
    for (const client of server.clients ?? []) client.terminate();
    server.close();
  };
  return { server, url, connections, stop };
}

/** Without Python's websockets these tests are skipped (vitest.config.ts says so), or fail under CI. */
const python = systemProgram('python3-websockets');

describe.skipIf(!python.available).each([
  { name: 'without compression', perMessageDeflate: false, extensions: [] },
  { name: 'with permessage-deflate', perMessageDeflate: true, extensions: ['permessage-deflate'] },
])('Python websockets client talking to our server, $name', ({ perMessageDeflate, extensions }) => {
  let ours: Awaited<ReturnType<typeof startOurServer>>;

  beforeAll(async () => {
    ours = await startOurServer({ perMessageDeflate });
  });

  afterAll(() => ours?.stop());

  it('echoes text, binary, empty, fragmented and 16 MiB messages, answers a ping, and closes with 4000', async () => {
    const report = await runPythonForJson<ClientReport>(CLIENT_SCRIPT, [ours.url, 'exchange'], CLIENT_RUN_MS);

    expect(report.subprotocol).toBe('chat.v2');
    expect(report.extensions).toEqual(extensions);
    expect(report.text).toBe('héllo from python ✓ 🐍');
    expect(report.binary).toEqual({
      type: 'bytes',
      hex: Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex'),
    });
    expect(report.empty_text).toBe('');
    expect(report.empty_binary).toEqual({ type: 'bytes', length: 0 });
    expect(report.fragmented).toBe('fragmented ✓');
    expect(report.large).toEqual({ bytes: LARGE_MESSAGE_BYTES, sha256: sha256Hex(PYTHON_LARGE), intact: true });
    expect(report.ping_answered).toBe(true);
    // Our server echoes the client's close code and reason (RFC 6455 section 5.5.1).
    expect(report.close).toEqual(PYTHON_CLIENT_CLOSE);

    const side = ours.connections.at(-1) as OurSide;
    expect(side.request.headers['x-peer']).toBe('python-websockets');
    expect(side.request.url).toBe('/interop?from=python');
    expect(side.socket.protocol).toBe('chat.v2');
    expect(side.socket.extensions.startsWith('permessage-deflate')).toBe(perMessageDeflate);
    // What arrived at our server, message by message: the three fragments joined into one text message,
    // and the 16 MiB message byte for byte as Python generated it.
    expect(side.received).toEqual([
      { isBinary: false, bytes: Buffer.byteLength('héllo from python ✓ 🐍'), text: 'héllo from python ✓ 🐍' },
      { isBinary: true, bytes: 256, sha256: sha256Hex(Buffer.from(Array.from({ length: 256 }, (_, i) => i))) },
      { isBinary: false, bytes: 0, text: '' },
      { isBinary: true, bytes: 0, sha256: sha256Hex(Buffer.alloc(0)) },
      { isBinary: false, bytes: Buffer.byteLength('fragmented ✓'), text: 'fragmented ✓' },
      { isBinary: true, bytes: LARGE_MESSAGE_BYTES, sha256: sha256Hex(PYTHON_LARGE) },
    ]);
    expect(await within(side.closed, 'the server-side close')).toEqual(PYTHON_CLIENT_CLOSE);
  });

  it('reports our close code and reason (4001) in the Python client', async () => {
    const report = await runPythonForJson<{ close: { code: number; reason: string } }>(
      CLIENT_SCRIPT,
      [ours.url, 'server-closes'],
      CLIENT_RUN_MS,
    );
    expect(report.close).toEqual(OUR_SERVER_CLOSE);
    const side = ours.connections.at(-1) as OurSide;
    expect(await within(side.closed, 'the server-side close')).toEqual(OUR_SERVER_CLOSE);
  });
});

describe.skipIf(!python.available)('our client talking to a Python websockets server', () => {
  let python: PythonProcess;
  let url: string;
  /** Our clients, terminated after each test whatever happened. */
  const opened: WebSocket[] = [];

  beforeAll(async () => {
    python = startPython(SERVER_SCRIPT, [String(SERVER_LIFETIME_S)], SERVER_LIFETIME_S * 1000);
    const started = await python.waitForJson<{ port?: number; websockets_version: string }>(
      (entry) => entry.port !== undefined,
      WAIT_MS,
    );
    url = `ws://127.0.0.1:${started.port}`;
  });

  afterEach(() => {
    for (const socket of opened.splice(0)) {
      socket.on('error', () => {});
      socket.terminate();
    }
  });

  afterAll(async () => {
    await python?.kill();
  });

  async function connect(path: string, options: Record<string, unknown> = {}): Promise<WebSocket> {
    const socket = new WebSocket(`${url}${path}`, ['chat.v1', 'chat.v2'], {
      headers: { 'X-Peer': 'wasmsocket' },
      ...options,
    });
    opened.push(socket);
    await nextEvent(socket, 'open');
    return socket;
  }

  function receive(socket: WebSocket, count: number): Promise<{ data: Buffer; isBinary: boolean }[]> {
    return within(
      new Promise((resolve) => {
        const received: { data: Buffer; isBinary: boolean }[] = [];
        const onMessage = (data: Buffer, isBinary: boolean) => {
          received.push({ data, isBinary });
          if (received.length === count) {
            socket.off('message', onMessage);
            resolve(received);
          }
        };
        socket.on('message', onMessage);
      }),
      `${count} message(s) from python`,
    );
  }

  /** The server's report of the connection to `path` closing. */
  function pythonSawClose(path: string, from: number): Promise<ServerClosedReport> {
    return python.waitForJson<ServerClosedReport>(
      (entry) => entry.event === 'closed' && entry.path === path,
      WAIT_MS,
      from,
    );
  }

  describe.each([
    { name: 'with permessage-deflate (offered by default)', perMessageDeflate: undefined, deflate: true },
    { name: 'without compression', perMessageDeflate: false, deflate: false },
  ])('$name', ({ perMessageDeflate, deflate }) => {
    const options = perMessageDeflate === undefined ? {} : { perMessageDeflate };

    it('exchanges text, binary, empty, fragmented and 16 MiB messages, and closes with our 4000', async () => {
      const path = `/exchange-${deflate ? 'deflate' : 'plain'}`;
      const from = python.lines.length;
      const socket = await connect(path, options);
      expect(socket.protocol).toBe('chat.v2');
      expect(socket.extensions.startsWith('permessage-deflate')).toBe(deflate);

      const large = patternBytes(LARGE_MESSAGE_BYTES, 'our client');
      const binary = patternBytes(1000, 'small binary');
      const echoes = receive(socket, 6);
      socket.send('grüße from wasmsocket ✓ 😀');
      socket.send(binary);
      socket.send('');
      socket.send(new Uint8Array(0));
      socket.send('frag', { fin: false });
      socket.send('ment', { fin: false });
      socket.send('ed ✓', { fin: true });
      socket.send(large);
      const [text, bytes, emptyText, emptyBinary, joined, largeBack] = await echoes;
      expect([text.data.toString(), text.isBinary]).toEqual(['grüße from wasmsocket ✓ 😀', false]);
      expect([bytes.data, bytes.isBinary]).toEqual([binary, true]);
      expect([emptyText.data.length, emptyText.isBinary]).toEqual([0, false]);
      expect([emptyBinary.data.length, emptyBinary.isBinary]).toEqual([0, true]);
      expect([joined.data.toString(), joined.isBinary]).toEqual(['fragmented ✓', false]);
      expect([largeBack.data.length, sha256Hex(largeBack.data), largeBack.isBinary]).toEqual([
        LARGE_MESSAGE_BYTES,
        sha256Hex(large),
        true,
      ]);

      const pong = nextEvent<[Buffer]>(socket, 'pong');
      socket.ping('wasmsocket ping');
      expect((await pong)[0].toString()).toBe('wasmsocket ping');

      // The server pings us (with a payload) and tells us once our automatic pong arrived.
      const ping = nextEvent<[Buffer]>(socket, 'ping');
      const confirmed = receive(socket, 1);
      socket.send('ping me');
      expect((await ping)[0].toString()).toBe('python server ping');
      expect((await confirmed)[0].data.toString()).toBe('pong received');

      const closed = nextEvent<[number, Buffer]>(socket, 'close');
      socket.close(4000, 'wasmsocket is done ✓');
      const [code, reason] = await closed;
      expect([code, reason.toString()]).toEqual([4000, 'wasmsocket is done ✓']);
      const seen = await pythonSawClose(path, from);
      expect(seen).toMatchObject({ code: 4000, reason: 'wasmsocket is done ✓', subprotocol: 'chat.v2' });
      expect(seen.extensions).toEqual(deflate ? ['permessage-deflate'] : []);
      expect(seen.headers['x-peer']).toBe('wasmsocket');
    });

    it("reports the Python server's close code and reason (4002)", async () => {
      const path = `/server-closes-${deflate ? 'deflate' : 'plain'}`;
      const from = python.lines.length;
      const socket = await connect(path, options);
      const closed = nextEvent<[number, Buffer]>(socket, 'close');
      socket.send('close me');
      const [code, reason] = await closed;
      expect([code, reason.toString()]).toEqual([PYTHON_SERVER_CLOSE.code, PYTHON_SERVER_CLOSE.reason]);
      expect(socket.readyState).toBe(WebSocket.CLOSED);
      expect(await pythonSawClose(path, from)).toMatchObject(PYTHON_SERVER_CLOSE);
    });
  });
});
