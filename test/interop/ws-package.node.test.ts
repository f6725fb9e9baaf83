// wasmsocket against the ws package (8.23), an implementation nobody here wrote, in both roles: our server
// with a ws client, and a ws server with our client. The shared behaviour runs once per pairing; what only
// one role has (handshake options, verifyClient, the EventTarget face) has its own tests below.

import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as PeerServer, WebSocket as PeerWebSocket } from 'ws';
import WebSocket, {
  type CloseEvent,
  createWebSocketStream,
  type MessageEvent,
  WebSocketServer,
} from '../../src/index.ts';
import { LARGE_MESSAGE_BYTES, largeText, patternBytes, sha256Hex } from '../support/payloads.ts';
import { nextEvent, within } from '../support/waits.ts';

interface Pair {
  ours: WebSocket;
  peer: PeerWebSocket;
}

interface PairOptions {
  /** Options for our side (server options when we are the server, client options otherwise). */
  ours?: Record<string, unknown>;
  /** Options for the ws side. */
  peer?: Record<string, unknown>;
}

interface Received {
  data: Buffer;
  isBinary: boolean;
}

interface Closed {
  code: number;
  reason: string;
}

const CLOSED = 3;

/** Everything a test opened, undone after it whatever happened. */
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function trackServer(server: { clients?: Set<{ terminate(): void }>; close(): void }): void {
  cleanups.push(() => {
    for (const client of server.clients ?? []) client.terminate();
    server.close();
  });
}

function trackSocket(socket: { terminate(): void; on(event: 'error', listener: () => void): unknown }): void {
  cleanups.push(() => {
    // Terminating a socket that is still connecting reports an error; the test is over, nobody listens.
    socket.on('error', () => {});
    socket.terminate();
  });
}

async function startOurServer(
  options: Record<string, unknown> = {},
): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  trackServer(server);
  await nextEvent(server, 'listening');
  return { server, url: `ws://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function startPeerServer(options: Record<string, unknown> = {}): Promise<{ server: PeerServer; url: string }> {
  const server = new PeerServer({ host: '127.0.0.1', port: 0, ...options });
  trackServer(server);
  await nextEvent(server, 'listening');
  return { server, url: `ws://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function ourServerWithPeerClient(options: PairOptions = {}): Promise<Pair> {
  const { server, url } = await startOurServer(options.ours);
  const accepted = nextEvent<[WebSocket, IncomingMessage]>(server, 'connection');
  const peer = new PeerWebSocket(url, options.peer);
  trackSocket(peer);
  await nextEvent(peer, 'open');
  const [ours] = await accepted;
  return { ours, peer };
}

async function peerServerWithOurClient(options: PairOptions = {}): Promise<Pair> {
  const { server, url } = await startPeerServer(options.peer);
  const accepted = nextEvent<[PeerWebSocket, IncomingMessage]>(server, 'connection');
  const ours = new WebSocket(url, options.ours);
  trackSocket(ours);
  await nextEvent(ours, 'open');
  const [peer] = await accepted;
  return { ours, peer };
}

/** Collects the next `count` messages a socket receives. */
function receive(socket: EventEmitter, count: number): Promise<Received[]> {
  return within(
    new Promise<Received[]>((resolve) => {
      const received: Received[] = [];
      const onMessage = (data: Buffer, isBinary: boolean) => {
        received.push({ data, isBinary });
        if (received.length === count) {
          socket.off('message', onMessage);
          resolve(received);
        }
      };
      socket.on('message', onMessage);
    }),
    `${count} message(s)`,
  );
}

function closed(socket: EventEmitter): Promise<Closed> {
  return within(
    new Promise<Closed>((resolve) =>
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    ),
    "the 'close' event",
  );
}

/** The bytes a typed array or DataView covers, as a Buffer to compare with. */
function bytesOf(view: ArrayBufferView | ArrayBuffer): Buffer {
  return view instanceof ArrayBuffer
    ? Buffer.from(view)
    : Buffer.from(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
}

/** Every binary form a user may pass to send(), each over different bytes. */
function binaryForms(): (Buffer | ArrayBuffer | ArrayBufferView)[] {
  const backing = patternBytes(1024, 'binary forms');
  const aligned = new ArrayBuffer(64);
  new Uint8Array(aligned).set(backing.subarray(600, 664));
  return [
    backing.subarray(0, 200),
    backing.buffer.slice(backing.byteOffset + 200, backing.byteOffset + 300) as ArrayBuffer,
    new Uint8Array(backing.buffer, backing.byteOffset + 301, 99), // a view that starts mid-buffer
    new Uint16Array(aligned, 8, 12),
    new Float64Array(aligned, 16, 4),
    new DataView(aligned, 3, 50),
  ];
}

/** Turns permessage-deflate (RFC 7692) on for both sides, on top of a test's own options. */
function withDeflate(open: (options?: PairOptions) => Promise<Pair>) {
  return (options: PairOptions = {}) =>
    open({
      ours: { ...options.ours, perMessageDeflate: true },
      peer: { ...options.peer, perMessageDeflate: true },
    });
}

// Our client and ws's client offer permessage-deflate by default and both servers leave it off, so the
// plain pairings run uncompressed; the deflate pairings turn it on at both ends.
const pairings = [
  { name: 'our server with a ws client', open: ourServerWithPeerClient, deflate: false },
  { name: 'a ws server with our client', open: peerServerWithOurClient, deflate: false },
  {
    name: 'our server with a ws client, permessage-deflate',
    open: withDeflate(ourServerWithPeerClient),
    deflate: true,
  },
  {
    name: 'a ws server with our client, permessage-deflate',
    open: withDeflate(peerServerWithOurClient),
    deflate: true,
  },
];

describe.each(pairings)('$name', ({ open, deflate }) => {
  it(deflate ? 'agrees on permessage-deflate on both sides' : 'agrees on no extension', async () => {
    const { ours, peer } = await open();
    const expected = deflate ? /^permessage-deflate\b/ : /^$/;
    expect(ours.extensions).toMatch(expected);
    expect(peer.extensions).toMatch(expected);
  });

  it('delivers text both ways, multi-byte UTF-8 intact', async () => {
    const { ours, peer } = await open();
    const atPeer = receive(peer, 1);
    ours.send('héllo ✓ 😀 from wasmsocket');
    expect((await atPeer).map((m) => [m.data.toString(), m.isBinary])).toEqual([['héllo ✓ 😀 from wasmsocket', false]]);

    const atOurs = receive(ours, 1);
    peer.send('grüße ✓ 🎉 from ws');
    expect((await atOurs).map((m) => [m.data.toString(), m.isBinary])).toEqual([['grüße ✓ 🎉 from ws', false]]);
  });

  it('delivers Buffer, ArrayBuffer, typed array and DataView messages both ways, in order', async () => {
    const { ours, peer } = await open();
    const forms = binaryForms();
    const expected = forms.map((form) => ({ data: bytesOf(form), isBinary: true }));

    const atPeer = receive(peer, forms.length);
    for (const form of forms) ours.send(form);
    expect(await atPeer).toEqual(expected);

    const atOurs = receive(ours, forms.length);
    for (const form of forms) peer.send(form);
    expect(await atOurs).toEqual(expected);
  });

  it('delivers empty text and empty binary messages both ways', async () => {
    const { ours, peer } = await open();
    const empty = [
      { data: Buffer.alloc(0), isBinary: false },
      { data: Buffer.alloc(0), isBinary: true },
    ];
    const atPeer = receive(peer, 2);
    ours.send('');
    ours.send(Buffer.alloc(0));
    expect(await atPeer).toEqual(empty);

    const atOurs = receive(ours, 2);
    peer.send('');
    peer.send(new ArrayBuffer(0));
    expect(await atOurs).toEqual(empty);
  });

  it('delivers 16 MiB binary and 16 MiB text messages both ways', async () => {
    const { ours, peer } = await open();
    const binary = patternBytes(LARGE_MESSAGE_BYTES);
    const text = largeText(LARGE_MESSAGE_BYTES);

    const atPeer = receive(peer, 2);
    ours.send(binary);
    ours.send(text);
    const [peerBinary, peerText] = await atPeer;
    expect([peerBinary.isBinary, peerBinary.data.length, sha256Hex(peerBinary.data)]).toEqual([
      true,
      LARGE_MESSAGE_BYTES,
      sha256Hex(binary),
    ]);
    expect([peerText.isBinary, peerText.data.length]).toEqual([false, LARGE_MESSAGE_BYTES]);
    expect(peerText.data.toString() === text).toBe(true);

    const atOurs = receive(ours, 2);
    peer.send(binary);
    peer.send(text);
    const [ourBinary, ourText] = await atOurs;
    expect([ourBinary.isBinary, ourBinary.data.length, sha256Hex(ourBinary.data)]).toEqual([
      true,
      LARGE_MESSAGE_BYTES,
      sha256Hex(binary),
    ]);
    expect([ourText.isBinary, ourText.data.length]).toEqual([false, LARGE_MESSAGE_BYTES]);
    expect(ourText.data.toString() === text).toBe(true);
  });

  it('joins fragmented sends (fin: false ... fin: true) into one message both ways, with a ping in between', async () => {
    const { ours, peer } = await open();
    const pingAtPeer = nextEvent<[Buffer]>(peer, 'ping');
    const atPeer = receive(peer, 2);
    ours.send('frag', { fin: false });
    ours.send('ment', { fin: false });
    // RFC 6455 section 5.4: control frames may be injected between the fragments of a message.
    ours.ping('between fragments');
    ours.send('ed ✓', { fin: true });
    ours.send(Buffer.from([1, 2]), { fin: false });
    ours.send(Buffer.from([]), { fin: false });
    ours.send(Buffer.from([3]), { fin: true });
    expect(await atPeer).toEqual([
      { data: Buffer.from('fragmented ✓'), isBinary: false },
      { data: Buffer.from([1, 2, 3]), isBinary: true },
    ]);
    expect((await pingAtPeer)[0].toString()).toBe('between fragments');

    const pingAtOurs = nextEvent<[Buffer]>(ours, 'ping');
    const atOurs = receive(ours, 2);
    peer.send('a-', { fin: false });
    peer.ping('in the middle');
    peer.send('b-', { fin: false });
    peer.send('c', { fin: true });
    peer.send(Buffer.from([9]), { binary: true, fin: false });
    peer.send(Buffer.from([8, 7]), { binary: true, fin: true });
    expect(await atOurs).toEqual([
      { data: Buffer.from('a-b-c'), isBinary: false },
      { data: Buffer.from([9, 8, 7]), isBinary: true },
    ]);
    expect((await pingAtOurs)[0].toString()).toBe('in the middle');
  });

  it('answers pings with pongs carrying the same payload, both ways', async () => {
    const { ours, peer } = await open();
    const pingAtPeer = nextEvent<[Buffer]>(peer, 'ping');
    const pongAtOurs = nextEvent<[Buffer]>(ours, 'pong');
    ours.ping('ping from wasmsocket');
    expect((await pingAtPeer)[0].toString()).toBe('ping from wasmsocket');
    expect((await pongAtOurs)[0].toString()).toBe('ping from wasmsocket');

    // The largest control payload (RFC 6455 section 5.5): 125 bytes.
    const largest = patternBytes(125, 'largest ping');
    const pingAtOurs = nextEvent<[Buffer]>(ours, 'ping');
    const pongAtPeer = nextEvent<[Buffer]>(peer, 'pong');
    peer.ping(largest);
    expect((await pingAtOurs)[0]).toEqual(largest);
    expect((await pongAtPeer)[0]).toEqual(largest);

    // An unsolicited pong (section 5.5.3) reaches the peer as a 'pong' event and needs no answer.
    const unsolicited = nextEvent<[Buffer]>(peer, 'pong');
    ours.pong('unsolicited');
    expect((await unsolicited)[0].toString()).toBe('unsolicited');
    expect(() => ours.ping(Buffer.alloc(126))).toThrow(RangeError);
  });

  it('closes with our code and reason: both sides report them and end CLOSED', async () => {
    const { ours, peer } = await open();
    const atPeer = closed(peer);
    const atOurs = closed(ours);
    ours.close(4000, 'wasmsocket is done ✓');
    expect(await atPeer).toEqual({ code: 4000, reason: 'wasmsocket is done ✓' });
    expect(await atOurs).toEqual({ code: 4000, reason: 'wasmsocket is done ✓' });
    expect([ours.readyState, peer.readyState]).toEqual([CLOSED, CLOSED]);
  });

  it("closes with the peer's code and reason: both sides report them and end CLOSED", async () => {
    const { ours, peer } = await open();
    const atPeer = closed(peer);
    const atOurs = closed(ours);
    peer.close(4001, 'ws is done ✓');
    expect(await atOurs).toEqual({ code: 4001, reason: 'ws is done ✓' });
    expect(await atPeer).toEqual({ code: 4001, reason: 'ws is done ✓' });
    expect([ours.readyState, peer.readyState]).toEqual([CLOSED, CLOSED]);
  });

  it('reports 1005 (no status) on both sides for a close without a code, and 1000 with an empty reason', async () => {
    const first = await open();
    const firstClosed = Promise.all([closed(first.peer), closed(first.ours)]);
    first.ours.close();
    expect(await firstClosed).toEqual([
      { code: 1005, reason: '' },
      { code: 1005, reason: '' },
    ]);

    const second = await open();
    const secondClosed = Promise.all([closed(second.ours), closed(second.peer)]);
    second.peer.close(1000);
    expect(await secondClosed).toEqual([
      { code: 1000, reason: '' },
      { code: 1000, reason: '' },
    ]);
  });

  // The side whose limit is exceeded reports an 'error' (ws's own close code there is 1006, as it stops
  // reading); the side that sent too much is told 1009 (RFC 6455 section 7.4.1).
  it('closes with 1009 when our maxPayload is exceeded, and the peer sees 1009', async () => {
    const { ours, peer } = await open({ ours: { maxPayload: 1024 } });
    const ourError = nextEvent<[Error & { closeCode?: number }]>(ours, 'error');
    const atPeer = closed(peer);
    const atOurs = closed(ours);
    const fits = receive(ours, 1);
    peer.send(Buffer.alloc(1024, 1));
    expect((await fits)[0].data.length).toBe(1024);
    peer.send(Buffer.alloc(1025, 2));
    expect((await atPeer).code).toBe(1009);
    const [error] = await ourError;
    expect(error.closeCode).toBe(1009);
    await atOurs;
    expect(ours.readyState).toBe(CLOSED);
  });

  it("closes with 1009 when the peer's maxPayload is exceeded, and we see 1009", async () => {
    const { ours, peer } = await open({ peer: { maxPayload: 1024 } });
    const peerError = nextEvent<[Error & { code?: string }]>(peer, 'error');
    const atPeer = closed(peer);
    const atOurs = closed(ours);
    ours.send(patternBytes(4096));
    expect((await atOurs).code).toBe(1009);
    expect((await peerError)[0].code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    await atPeer;
    expect(ours.readyState).toBe(CLOSED);
  });

  it("gives binary messages as ArrayBuffers with binaryType 'arraybuffer' (text stays a Buffer)", async () => {
    const { ours, peer } = await open();
    ours.binaryType = 'arraybuffer';
    const sent = patternBytes(1000, 'arraybuffer');
    const atOurs = new Promise<[unknown, boolean][]>((resolve) => {
      const got: [unknown, boolean][] = [];
      ours.on('message', (data: unknown, isBinary: boolean) => {
        got.push([data, isBinary]);
        if (got.length === 2) resolve(got);
      });
    });
    peer.send(sent);
    peer.send('text');
    const [[binary, isBinary], [text, textIsBinary]] = await within(atOurs, 'two messages');
    expect(isBinary).toBe(true);
    expect(binary).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(binary as ArrayBuffer)).toEqual(sent);
    expect(textIsBinary).toBe(false);
    expect(Buffer.isBuffer(text) && text.toString()).toBe('text');
  });

  it("gives binary messages as arrays of Buffers with binaryType 'fragments'", async () => {
    const { ours, peer } = await open();
    ours.binaryType = 'fragments';
    const atOurs = nextEvent<[unknown, boolean]>(ours, 'message');
    peer.send(Buffer.from('first '), { binary: true, fin: false });
    peer.send(Buffer.from('second '), { binary: true, fin: false });
    peer.send(Buffer.from('third'), { binary: true, fin: true });
    const [fragments, isBinary] = await atOurs;
    expect(isBinary).toBe(true);
    expect(Array.isArray(fragments)).toBe(true);
    const parts = fragments as unknown[];
    expect(parts.every((part) => Buffer.isBuffer(part))).toBe(true);
    expect(Buffer.concat(parts as Buffer[]).toString()).toBe('first second third');
  });

  // Regression: when the peer closed, the stream was destroyed before the echo's writable side finished,
  // and never emitted 'close', so pipeline() never settled.
  it('pipes data both ways through createWebSocketStream', async () => {
    const { ours, peer } = await open();
    const duplex = createWebSocketStream(ours);
    // Our stream echoes what it reads, upper-cased: peer -> stream's readable -> transform -> stream's writable.
    const upperCase = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, Buffer.from(chunk.toString().toUpperCase()));
      },
    });
    const echoed = pipeline(duplex, upperCase, duplex);
    const replies = receive(peer, 3);
    peer.send('one');
    peer.send('two ✓');
    peer.send(Buffer.from('three'));
    expect((await replies).map((m) => m.data.toString())).toEqual(['ONE', 'TWO ✓', 'THREE']);
    const atPeer = closed(peer);
    peer.close(1000, 'enough');
    await within(echoed, 'the stream pipeline to finish');
    expect(await atPeer).toEqual({ code: 1000, reason: 'enough' });
    expect(ours.readyState).toBe(CLOSED);
  });

  it('sends what is piped into createWebSocketStream and closes when the source ends', async () => {
    const { ours, peer } = await open();
    const chunks = [Buffer.from('alpha'), patternBytes(200_000, 'stream chunk'), Buffer.from('omega')];
    const atPeer = receive(peer, chunks.length);
    const peerClosed = closed(peer);
    const drained: Buffer[] = [];
    // The readable side must be consumed for the stream to finish; nothing arrives on it here.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        drained.push(chunk);
        callback();
      },
    });
    const duplex = createWebSocketStream(ours);
    await within(Promise.all([pipeline(Readable.from(chunks), duplex), pipeline(duplex, sink)]), 'the pipelines');
    expect((await atPeer).map((m) => m.data)).toEqual(chunks);
    // Ending the writable side closes the WebSocket without a status code.
    expect((await peerClosed).code).toBe(1005);
    expect(drained).toEqual([]);
  });
});

describe('our server with a ws client: handshake', () => {
  it("picks the subprotocol with handleProtocols; the ws client's protocol matches", async () => {
    const calls: string[][] = [];
    const { server, url } = await startOurServer({
      handleProtocols: (protocols: Set<string>) => {
        calls.push([...protocols]);
        return protocols.has('chat.v2') ? 'chat.v2' : false;
      },
    });
    const accepted = nextEvent<[WebSocket]>(server, 'connection');
    const client = new PeerWebSocket(url, ['chat.v1', 'chat.v2']);
    trackSocket(client);
    await nextEvent(client, 'open');
    expect(client.protocol).toBe('chat.v2');
    expect((await accepted)[0].protocol).toBe('chat.v2');

    // A client that offers nothing is not asked about and gets no subprotocol.
    const plainAccepted = nextEvent<[WebSocket]>(server, 'connection');
    const plain = new PeerWebSocket(url);
    trackSocket(plain);
    await nextEvent(plain, 'open');
    expect([plain.protocol, (await plainAccepted)[0].protocol]).toEqual(['', '']);
    expect(calls).toEqual([['chat.v1', 'chat.v2']]);
  });

  it('refuses every offered subprotocol when handleProtocols returns false: the ws client fails the handshake', async () => {
    const { url } = await startOurServer({ handleProtocols: () => false });
    const client = new PeerWebSocket(url, ['chat.v9']);
    trackSocket(client);
    const [error] = await nextEvent<[Error]>(client, 'error');
    // RFC 6455 section 4.1: the client fails the connection when no offered subprotocol was chosen (ws's rule).
    expect(error.message).toBe('Server sent no subprotocol');
    expect((await closed(client)).code).toBe(1006);
  });

  it("sees the ws client's custom headers, and the ws client sees headers added on 'headers'", async () => {
    const { server, url } = await startOurServer();
    server.on('headers', (headers: string[]) => headers.push('X-Served-By: wasmsocket'));
    const accepted = nextEvent<[WebSocket, IncomingMessage]>(server, 'connection');
    const client = new PeerWebSocket(url, { headers: { 'X-Api-Key': 'k-123', Cookie: 'session=abc' } });
    trackSocket(client);
    const upgrade = nextEvent<[IncomingMessage]>(client, 'upgrade');
    await nextEvent(client, 'open');
    const [, request] = await accepted;
    expect(request.headers['x-api-key']).toBe('k-123');
    expect(request.headers.cookie).toBe('session=abc');
    expect((await upgrade)[0].headers['x-served-by']).toBe('wasmsocket');
  });

  it("refuses a client in verifyClient: the ws client gets 'unexpected-response' with the status, body and headers", async () => {
    const { url } = await startOurServer({
      verifyClient: (
        info: { req: IncomingMessage },
        done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void,
      ) => {
        const allowed = info.req.headers.authorization === 'Bearer good';
        done(allowed, 403, 'no entry for tests', { 'X-Refused-Because': 'token' });
      },
    });

    const refused = new PeerWebSocket(url, { headers: { Authorization: 'Bearer bad' } });
    trackSocket(refused);
    const [, response] = await nextEvent<[unknown, IncomingMessage]>(refused, 'unexpected-response');
    expect(response.statusCode).toBe(403);
    expect(response.headers['x-refused-because']).toBe('token');
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
    });
    await nextEvent(response, 'end');
    expect(body).toBe('no entry for tests');

    const allowed = new PeerWebSocket(url, { headers: { Authorization: 'Bearer good' } });
    trackSocket(allowed);
    await nextEvent(allowed, 'open');
    expect(allowed.readyState).toBe(PeerWebSocket.OPEN);
  });

  it("refuses a client in a synchronous verifyClient: the ws client emits 'error' with 401 and closes 1006", async () => {
    const { url } = await startOurServer({ verifyClient: () => false });
    const refused = new PeerWebSocket(url);
    trackSocket(refused);
    const errored = nextEvent<[Error]>(refused, 'error');
    const refusedClosed = closed(refused);
    expect((await errored)[0].message).toBe('Unexpected server response: 401');
    expect((await refusedClosed).code).toBe(1006);
  });

  it('gives the EventTarget face on the server side: addEventListener and on* attributes with event objects', async () => {
    const { ours, peer } = await ourServerWithPeerClient();
    const events: string[] = [];
    const messages = new Promise<void>((resolve) => {
      ours.addEventListener('message', (event) => {
        const data = (event as MessageEvent).data;
        events.push(`listener:${typeof data === 'string' ? data : `binary ${Buffer.from(data as Buffer).length}`}`);
        if (events.length === 4) resolve();
      });
      ours.onmessage = (event) => {
        const data = (event as MessageEvent).data;
        events.push(`attribute:${typeof data === 'string' ? data : `binary ${Buffer.from(data as Buffer).length}`}`);
        if (events.length === 4) resolve();
      };
    });
    peer.send('text ✓');
    peer.send(Buffer.alloc(5));
    await within(messages, 'two messages through both listeners');
    expect(events).toEqual(['listener:text ✓', 'attribute:text ✓', 'listener:binary 5', 'attribute:binary 5']);

    const closeEvent = new Promise<CloseEvent>((resolve) => {
      ours.onclose = (event) => resolve(event as CloseEvent);
    });
    peer.close(4005, 'bye ✓');
    const event = await within(closeEvent, 'the close event');
    expect([event.type, event.code, event.reason, event.wasClean, event.target]).toEqual([
      'close',
      4005,
      'bye ✓',
      true,
      ours,
    ]);
  });
});

describe('a ws server with our client: handshake', () => {
  it('offers subprotocols; the server picks one with handleProtocols and our protocol matches', async () => {
    let offered: string[] = [];
    const { server, url } = await startPeerServer({
      handleProtocols: (protocols: Set<string>) => {
        offered = [...protocols];
        return 'graphql-ws';
      },
    });
    const accepted = nextEvent<[PeerWebSocket]>(server, 'connection');
    const ours = new WebSocket(url, ['graphql-transport-ws', 'graphql-ws']);
    trackSocket(ours);
    await nextEvent(ours, 'open');
    expect(offered).toEqual(['graphql-transport-ws', 'graphql-ws']);
    expect(ours.protocol).toBe('graphql-ws');
    expect((await accepted)[0].protocol).toBe('graphql-ws');
  });

  it('fails the handshake when the ws server chooses none of the offered subprotocols', async () => {
    const { url } = await startPeerServer({ handleProtocols: () => false });
    const ours = new WebSocket(url, 'chat');
    trackSocket(ours);
    const errored = nextEvent<[Error]>(ours, 'error');
    const ourClosed = closed(ours);
    expect((await errored)[0].message).toBe('Server sent no subprotocol');
    expect((await ourClosed).code).toBe(1006);
    expect(ours.readyState).toBe(CLOSED);
  });

  it("sends custom headers and origin; sees headers the ws server adds on 'headers'", async () => {
    const { server, url } = await startPeerServer();
    server.on('headers', (headers: string[]) => headers.push('X-Served-By: ws'));
    const accepted = nextEvent<[PeerWebSocket, IncomingMessage]>(server, 'connection');
    const ours = new WebSocket(`${url}/chat?room=7`, {
      headers: { 'X-Api-Key': 'k-456', 'User-Agent': 'interop-test' },
      origin: 'http://example.test',
    });
    trackSocket(ours);
    const upgrade = nextEvent<[IncomingMessage]>(ours, 'upgrade');
    await nextEvent(ours, 'open');
    const [, request] = await accepted;
    expect(request.url).toBe('/chat?room=7');
    expect(request.headers['x-api-key']).toBe('k-456');
    expect(request.headers['user-agent']).toBe('interop-test');
    expect(request.headers.origin).toBe('http://example.test');
    expect((await upgrade)[0].headers['x-served-by']).toBe('ws');
    expect(ours.url).toBe(`${url}/chat?room=7`);
  });

  it("reports a verifyClient refusal as 'unexpected-response', or as 'error' then 'close' 1006 without a listener", async () => {
    const { url } = await startPeerServer({
      verifyClient: (_info: unknown, done: (ok: boolean, code?: number, message?: string) => void) =>
        done(false, 403, 'Forbidden'),
    });

    const withListener = new WebSocket(url);
    trackSocket(withListener);
    const [request, response] = await nextEvent<[{ destroy(): void }, IncomingMessage]>(
      withListener,
      'unexpected-response',
    );
    expect(response.statusCode).toBe(403);
    request.destroy();

    const withoutListener = new WebSocket(url);
    trackSocket(withoutListener);
    const errored = nextEvent<[Error]>(withoutListener, 'error');
    const ourClosed = closed(withoutListener);
    expect((await errored)[0].message).toBe('Unexpected server response: 403');
    expect((await ourClosed).code).toBe(1006);
  });

  // Regression: bytes that arrived with the 101 response were delivered inside the handshake, so a
  // message the server sent at once came before 'open' (and before listeners added in 'open').
  it("emits 'open' before the messages a ws server sends as soon as it accepts", async () => {
    const { server, url } = await startPeerServer();
    server.on('connection', (peer) => {
      peer.send('first');
      peer.send('second');
    });
    const ours = new WebSocket(url);
    trackSocket(ours);
    const log: string[] = [];
    const both = new Promise<void>((resolve) => {
      ours.on('open', () => log.push('open'));
      ours.on('message', (data: Buffer) => {
        log.push(data.toString());
        if (log.length === 3) resolve();
      });
    });
    await within(both, "'open' and two messages");
    expect(log).toEqual(['open', 'first', 'second']);
  });

  it('gives the EventTarget face on the client: onopen, onmessage, addEventListener, onclose', async () => {
    const { server, url } = await startPeerServer();
    server.on('connection', (peer) => {
      peer.send('welcome ✓');
      peer.send(Buffer.from([1, 2, 3]));
      peer.on('message', (data, isBinary) => {
        if (data.toString() === 'bye please') peer.close(4010, 'as asked');
        else peer.send(data, { binary: isBinary });
      });
    });
    const ours = new WebSocket(url);
    trackSocket(ours);
    ours.binaryType = 'arraybuffer';
    const log: unknown[] = [];
    const done = new Promise<CloseEvent>((resolve) => {
      ours.onopen = (event) => log.push(`open:${event.type}`);
      ours.onmessage = (event) => {
        const data = (event as MessageEvent).data;
        log.push(data instanceof ArrayBuffer ? [...new Uint8Array(data)] : data);
        if (log.length === 3) ours.send('bye please');
      };
      const listener = { handleEvent: (event: unknown) => resolve(event as CloseEvent) };
      ours.addEventListener('close', listener);
      ours.addEventListener('close', listener); // registering the same listener twice adds it once
    });
    const event = await within(done, 'the close event');
    expect(log).toEqual(['open:open', 'welcome ✓', [1, 2, 3]]);
    expect([event.code, event.reason, event.wasClean]).toEqual([4010, 'as asked', true]);
    expect(ours.listenerCount('close')).toBe(1);
  });
});
