// RFC 6455 frame-level conformance rerun over HTTP/2 streams (RFC 8441 section 5: once the extended
// CONNECT is answered, the stream carries the same frames with the same masking rules). A raw peer on a
// node:http2 stream sends exact frame bytes and checks what wasmsocket answers: as the client against our
// WebSocketServer on an h2c server, and as the server against our client. The cases are a representative
// set of the Autobahn groups test/conformance/ runs over TCP (their ids follow Autobahn's numbering):
// framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8, close codes and masking, plus the
// closing rules of RFC 8441 section 6 (END_STREAM and RST_STREAM in place of TCP's FIN and RST).

import { createServer, type Http2Server, constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { Http2SessionPool, type WebSocketServerOptions } from '../../src/index.ts';
import { within } from '../support/waits.ts';
import { type H2Endpoint, startH2Endpoint } from './h2-endpoint.ts';
import { type Chunking, describeEvent, type FrameSpec, H2RawPeer, Op, type PeerEvent } from './h2-raw-peer.ts';
import { closeRawSession, openRawSession, request, websocketConnect } from './raw-h2-client.ts';

type Role = 'server' | 'client';

/** Our side of one connection. */
interface Ours {
  ws: WebSocket;
  errors: (Error & { closeCode?: number })[];
  closed: Promise<{ code: number; reason: string }>;
}

interface CaseRun {
  role: Role;
  chunking: Chunking;
  peer: H2RawPeer;
  ours: Ours;
}

interface ConformanceCase {
  id: string;
  title: string;
  /** Default ['whole', 'bytes']. */
  chunkings?: readonly Chunking[];
  roles?: readonly Role[];
  run(t: CaseRun): Promise<void>;
}

interface Endpoint {
  open(): Promise<{ peer: H2RawPeer; ours: Ours }>;
  close(): Promise<void>;
}

// ---- endpoints ------------------------------------------------------------------------------------

/** Our WebSocketServer on an h2c server, and one raw HTTP/2 session whose streams are the raw clients. */
async function ourServer(options: WebSocketServerOptions = {}): Promise<Endpoint> {
  const endpoint: H2Endpoint = await startH2Endpoint({
    secure: false,
    wssOptions: { perMessageDeflate: false, ...options },
  });
  const session = await openRawSession(endpoint.origin);
  return {
    async open() {
      const response = await request(session, websocketConnect('/'));
      expect(response.status).toBe(200);
      const accepted = await endpoint.nextConnection();
      return { peer: new H2RawPeer(response.stream, 'client'), ours: accepted };
    },
    async close() {
      closeRawSession(session);
      await endpoint.close();
    },
  };
}

/** A raw h2c server answering every extended CONNECT with 200, and our client echoing over one session. */
async function ourClient(options: object = {}): Promise<Endpoint> {
  const server: Http2Server = createServer({ settings: { enableConnectProtocol: true } });
  const waiting: ServerHttp2Stream[] = [];
  let wake: (() => void) | null = null;
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    waiting.push(stream);
    wake?.();
  });
  await within(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 'the raw server to listen');
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const pool = new Http2SessionPool({ idleTimeoutMs: 60_000 });
  const open = new Set<WebSocket>();
  return {
    async open() {
      const ws = new WebSocket(url, { http2: pool, perMessageDeflate: false, ...options });
      const ours = track(ws);
      open.add(ws);
      ws.once('close', () => open.delete(ws));
      await within(
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('close', () =>
            reject(new Error(`our client closed before opening: ${ours.errors.map((e) => e.message)}`)),
          );
        }),
        "our client's 'open'",
      );
      const stream = await within(
        (async () => {
          while (waiting.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          return waiting.shift() as ServerHttp2Stream;
        })(),
        'the stream on the raw server',
      );
      return { peer: new H2RawPeer(stream, 'server'), ours };
    },
    async close() {
      for (const ws of open) ws.terminate();
      pool.close();
      await within(new Promise((resolve) => server.close(resolve)), 'the raw server to close');
    },
  };
}

/** Our client: errors, close, and the echo the Autobahn fuzzing server expects. */
function track(ws: WebSocket): Ours {
  const errors: (Error & { closeCode?: number })[] = [];
  ws.on('error', (error: Error) => errors.push(error));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: isBinary });
  });
  return {
    ws,
    errors,
    closed: new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    ),
  };
}

// ---- expectations ---------------------------------------------------------------------------------

async function expectKind<K extends PeerEvent['kind']>(
  peer: H2RawPeer,
  kind: K,
  what: string,
): Promise<Extract<PeerEvent, { kind: K }>> {
  const event = await peer.next(what);
  if (event.kind !== kind) throw new Error(`expected ${what}, got ${describeEvent(event)}; ${peer.describe()}`);
  return event as Extract<PeerEvent, { kind: K }>;
}

async function expectMessage(peer: H2RawPeer, opcode: number, payload: Uint8Array | string): Promise<void> {
  const expected = Buffer.from(payload);
  const what = `the echo (${expected.length} bytes)`;
  const event = await expectKind(peer, 'message', what);
  expect(event.opcode, what).toBe(opcode);
  expect(event.payload.equals(expected), `${what} differs`).toBe(true);
}

async function expectPong(peer: H2RawPeer, payload: Uint8Array | string): Promise<void> {
  const event = await expectKind(peer, 'pong', 'a pong');
  expect(event.payload.toString('hex')).toBe(Buffer.from(payload).toString('hex'));
}

/**
 * wasmsocket failed the connection: a close frame with `code`, then END_STREAM (RFC 8441 section 6's
 * orderly close); once the peer ends too the stream closes, and our side reports the error with the code
 * and 'close' with 1006 (no close frame was received).
 */
async function expectFailure(t: CaseRun, code: number): Promise<void> {
  const close = await expectKind(t.peer, 'close', `a close frame with code ${code}`);
  expect(close.code, t.peer.describe()).toBe(code);
  await expectKind(t.peer, 'end', 'END_STREAM after the close frame');
  t.peer.end();
  await within(t.peer.streamClosed, 'the stream to close');
  expect((await within(t.ours.closed, "our side's 'close'")).code).toBe(1006);
  expect(t.ours.errors.map((error) => error.closeCode)).toEqual([code]);
}

/** The closing handshake started by the peer: the code and reason echoed, END_STREAM, a clean close. */
async function closeNormally(t: CaseRun, code: number | undefined = 1000, reason = ''): Promise<void> {
  await t.peer.send([closeFrame(code, reason)]);
  const echo = await expectKind(t.peer, 'close', `the echo of close ${code ?? '(empty)'}`);
  expect(echo.code).toBe(code ?? null);
  expect(echo.reason.toString()).toBe(reason);
  await expectKind(t.peer, 'end', 'END_STREAM after the closing handshake');
  t.peer.end();
  await within(t.peer.streamClosed, 'the stream to close');
  expect(t.peer.rstCode).toBe(http2Constants.NGHTTP2_NO_ERROR);
  expect(await within(t.ours.closed, "our side's 'close'")).toEqual({ code: code ?? 1005, reason });
  expect(t.ours.errors).toEqual([]);
}

// ---- frames and data ------------------------------------------------------------------------------

const text = (payload: Uint8Array | string, fin = true): FrameSpec => ({ opcode: Op.TEXT, payload, fin });
const binary = (payload: Uint8Array | string, fin = true): FrameSpec => ({ opcode: Op.BINARY, payload, fin });
const continuation = (payload: Uint8Array | string, fin = true): FrameSpec => ({
  opcode: Op.CONTINUATION,
  payload,
  fin,
});
const ping = (payload: Uint8Array | string = ''): FrameSpec => ({ opcode: Op.PING, payload });
const pong = (payload: Uint8Array | string = ''): FrameSpec => ({ opcode: Op.PONG, payload });

function closeFrame(code?: number, reason: string | Uint8Array = ''): FrameSpec {
  if (code === undefined) return { opcode: Op.CLOSE };
  const reasonBytes = Buffer.from(reason);
  const payload = Buffer.alloc(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2);
  return { opcode: Op.CLOSE, payload };
}

/** Bytes with no short period (xorshift), so a dropped or misplaced byte shows. */
function patternBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Valid UTF-8 of exactly `length` bytes mixing 1- to 4-byte characters. */
function patternText(length: number): Buffer {
  const unit = Buffer.from('Hello-µ@ßöäü-κόσμε-✓-😀|');
  const out = Buffer.alloc(length, 0x2a);
  for (let at = 0; at + unit.length <= length; at += unit.length) unit.copy(out, at);
  return out;
}

// ---- the cases ------------------------------------------------------------------------------------

const cases: ConformanceCase[] = [];

// Group 1: framing at every length form (section 5.2).
for (const [index, length] of [0, 125, 126, 127, 65535, 65536].entries()) {
  const payloads = [
    { opcode: Op.TEXT, group: '1.1', payload: patternText(length) },
    { opcode: Op.BINARY, group: '1.2', payload: patternBytes(length, index + 1) },
  ];
  for (const { opcode, group, payload } of payloads) {
    cases.push({
      id: `${group}.${index + 1}`,
      title: `${opcode === Op.TEXT ? 'text' : 'binary'} message of ${length} bytes is echoed`,
      chunkings: length > 1024 ? ['whole'] : ['whole', 'bytes'],
      async run(t) {
        await t.peer.send([{ opcode, payload }], t.chunking);
        await expectMessage(t.peer, opcode, payload);
        await closeNormally(t);
      },
    });
  }
}
cases.push({
  id: '1.2.8',
  title: 'binary message of 65536 bytes in 997-byte writes (past the 64 KiB stream window) is echoed',
  chunkings: ['whole'],
  async run(t) {
    const payload = patternBytes(65536, 8);
    await t.peer.sendChopped(t.peer.encode(binary(payload)), 997);
    await expectMessage(t.peer, Op.BINARY, payload);
    await closeNormally(t);
  },
});

// Group 2: ping and pong (section 5.5.2, 5.5.3).
cases.push(
  {
    id: '2.1',
    title: 'empty ping is answered with an empty pong',
    async run(t) {
      await t.peer.send([ping()], t.chunking);
      await expectPong(t.peer, '');
      await closeNormally(t);
    },
  },
  {
    id: '2.4',
    title: 'ping with 125 binary bytes is answered with the same pong',
    async run(t) {
      const payload = patternBytes(125, 24);
      await t.peer.send([ping(payload)], t.chunking);
      await expectPong(t.peer, payload);
      await closeNormally(t);
    },
  },
  {
    id: '2.5',
    title: 'ping with 126 bytes fails the connection with 1002',
    async run(t) {
      await t.peer.send([ping(patternBytes(126, 25))], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '2.7',
    title: 'unsolicited pong is ignored',
    async run(t) {
      await t.peer.send([pong('unsolicited'), text('after the pong')], t.chunking);
      await expectMessage(t.peer, Op.TEXT, 'after the pong');
      await closeNormally(t);
    },
  },
  {
    id: '2.10',
    title: 'ten pings are answered with ten pongs in order',
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send(Array.from({ length: 10 }, (_, i) => ping(`payload-${i}`)));
      for (let i = 0; i < 10; i++) await expectPong(t.peer, `payload-${i}`);
      await closeNormally(t);
    },
  },
);

// Group 3: reserved bits without an extension that defines them (section 5.2).
for (const [id, frame, title] of [
  ['3.1', { ...text('rsv1'), rsv: 0x40 }, 'RSV1 on text'],
  ['3.3', { ...text('rsv3'), rsv: 0x10 }, 'RSV3 on text'],
  ['3.5', { ...binary(patternBytes(8, 35)), rsv: 0x50 }, 'RSV1+RSV3 on binary'],
  ['3.6', { ...ping('rsv'), rsv: 0x60 }, 'RSV1+RSV2 on ping'],
  ['3.7', { ...closeFrame(1000), rsv: 0x70 }, 'all RSV bits on close'],
] as const) {
  cases.push({
    id,
    title: `${title} fails the connection with 1002`,
    async run(t) {
      await t.peer.send([frame], t.chunking);
      await expectFailure(t, 1002);
    },
  });
}
cases.push({
  id: '3.2',
  title: 'a valid text, then RSV2 on text: the echo, then 1002',
  async run(t) {
    await t.peer.send([text('first'), { ...text('second'), rsv: 0x20 }], t.chunking);
    await expectMessage(t.peer, Op.TEXT, 'first');
    await expectFailure(t, 1002);
  },
});

// Group 4: reserved opcodes (section 5.2).
for (const [id, opcode] of [
  ['4.1.1', 0x3],
  ['4.1.5', 0x7],
  ['4.2.1', 0xb],
  ['4.2.5', 0xf],
] as const) {
  cases.push({
    id,
    title: `reserved opcode ${opcode} fails the connection with 1002`,
    async run(t) {
      await t.peer.send([{ opcode, payload: 'reserved' }], t.chunking);
      await expectFailure(t, 1002);
    },
  });
}

// Group 5: fragmentation (section 5.4).
cases.push(
  {
    id: '5.1',
    title: 'a fragmented ping fails the connection with 1002',
    async run(t) {
      await t.peer.send([{ opcode: Op.PING, payload: 'frag', fin: false }, continuation('ment')], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '5.3',
    title: 'text in three fragments is echoed as one message',
    async run(t) {
      await t.peer.send([text('frag', false), continuation('men', false), continuation('ted')], t.chunking);
      await expectMessage(t.peer, Op.TEXT, 'fragmented');
      await closeNormally(t);
    },
  },
  {
    id: '5.6',
    title: 'a ping between fragments is answered at once; the message follows',
    async run(t) {
      await t.peer.send([text('frag', false), ping('between'), continuation('mented')], t.chunking);
      await expectPong(t.peer, 'between');
      await expectMessage(t.peer, Op.TEXT, 'fragmented');
      await closeNormally(t);
    },
  },
  {
    id: '5.9',
    title: 'a continuation with no message started fails the connection with 1002',
    async run(t) {
      await t.peer.send([continuation('orphan'), text('never echoed')], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '5.18',
    title: 'a new text inside a fragmented message fails the connection with 1002',
    async run(t) {
      await t.peer.send([text('first', false), text('second')], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '5.20',
    title: 'fragments sent one by one with pings between: each pong, then the message',
    chunkings: ['whole'],
    async run(t) {
      for (const [index, part] of ['frag', 'men', 'ted'].entries()) {
        const frame = index === 0 ? text(part, false) : continuation(part, index === 2);
        await t.peer.send([frame, ...(index < 2 ? [ping(`p${index}`)] : [])]);
        if (index < 2) await expectPong(t.peer, `p${index}`);
      }
      await expectMessage(t.peer, Op.TEXT, 'fragmented');
      await closeNormally(t);
    },
  },
);

// Group 6: UTF-8 in text messages (section 8.1).
const kosme = Buffer.from('κόσμε ✓ 😀');
cases.push(
  {
    id: '6.2.3',
    title: 'valid UTF-8 split into one-byte fragments (inside code points) is echoed',
    chunkings: ['whole'],
    async run(t) {
      const frames = [...kosme].map((byte, index) =>
        index === 0 ? text(Buffer.from([byte]), false) : continuation(Buffer.from([byte]), index === kosme.length - 1),
      );
      await t.peer.send(frames);
      await expectMessage(t.peer, Op.TEXT, kosme);
      await closeNormally(t);
    },
  },
  {
    id: '6.3.1',
    title: 'invalid UTF-8 in a text message fails the connection with 1007',
    async run(t) {
      await t.peer.send(
        [text(Buffer.concat([kosme, Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('edited')]))],
        t.chunking,
      );
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.4.1',
    title: 'invalid UTF-8 in the first fragment fails at once, before the message ends',
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send([text(Buffer.from([0xce, 0xba, 0xc0, 0xaf]), false)]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.6.x',
    title: 'a text message ending inside a code point fails the connection with 1007',
    async run(t) {
      await t.peer.send([text(Buffer.from([0x68, 0x69, 0xf0, 0x9f, 0x98]))], t.chunking);
      await expectFailure(t, 1007);
    },
  },
);

// Group 7: the closing handshake and close codes (sections 5.5.1, 7.4).
cases.push(
  {
    id: '7.1.1',
    title: 'a message, then close 1000: the echo, the close echoed, END_STREAM',
    async run(t) {
      await t.peer.send([text('before closing')], t.chunking);
      await expectMessage(t.peer, Op.TEXT, 'before closing');
      await closeNormally(t);
    },
  },
  {
    id: '7.3.1',
    title: 'an empty close is echoed empty and reported as 1005',
    async run(t) {
      await closeNormally(t, undefined);
    },
  },
  {
    id: '7.3.2',
    title: 'a close payload of one byte fails the connection with 1002',
    async run(t) {
      await t.peer.send([{ opcode: Op.CLOSE, payload: Buffer.from([0x03]) }], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '7.3.5',
    title: 'a close reason of 123 bytes is echoed whole',
    async run(t) {
      await closeNormally(t, 1000, 'r'.repeat(123));
    },
  },
  {
    id: '7.3.6',
    title: 'a close reason of 124 bytes (a 126-byte control frame) fails the connection with 1002',
    async run(t) {
      await t.peer.send([closeFrame(1000, 'r'.repeat(124))], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '7.5.1',
    title: 'a close reason that is not UTF-8 fails the connection with 1007',
    async run(t) {
      await t.peer.send([closeFrame(1000, Buffer.from([0xce, 0xba, 0xe1, 0xbd]))], t.chunking);
      await expectFailure(t, 1007);
    },
  },
);
for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1014, 3000, 3999, 4000, 4999]) {
  cases.push({
    id: '7.7.x',
    title: `close code ${code} with a reason is echoed`,
    chunkings: ['whole'],
    async run(t) {
      await closeNormally(t, code, `code ${code} ✓`);
    },
  });
}
for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
  cases.push({
    id: '7.9.x',
    title: `close code ${code} (not sendable) fails the connection with 1002`,
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send([closeFrame(code)]);
      await expectFailure(t, 1002);
    },
  });
}

// Masking (section 5.1): unchanged over HTTP/2 (RFC 8441 section 5).
cases.push(
  {
    id: 'x.1',
    title: 'an unmasked frame from the client fails the connection with 1002',
    roles: ['server'],
    async run(t) {
      await t.peer.send([{ ...text('not masked'), maskKey: null }], t.chunking);
      await expectFailure(t, 1002);
    },
  },
  {
    id: 'x.2',
    title: 'a masked frame from the server fails the connection with 1002',
    roles: ['client'],
    async run(t) {
      await t.peer.send([{ ...text('masked'), maskKey: Buffer.from([1, 2, 3, 4]) }], t.chunking);
      await expectFailure(t, 1002);
    },
  },
);

// RFC 8441 section 6: END_STREAM and RST_STREAM stand for TCP's FIN and RST.
cases.push(
  {
    id: 'h2.1',
    title: 'the peer resets the stream (CANCEL) in the middle of a message: 1006, no error',
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send([text('half a mess', false)]);
      t.peer.stream.close(http2Constants.NGHTTP2_CANCEL);
      expect(await within(t.ours.closed, "our side's 'close'")).toEqual({ code: 1006, reason: '' });
      expect(t.ours.errors).toEqual([]);
    },
  },
  {
    id: 'h2.2',
    title: 'END_STREAM from the peer without a close frame: our side ends too and reports 1006',
    chunkings: ['whole'],
    async run(t) {
      t.peer.end();
      await expectKind(t.peer, 'end', 'our END_STREAM in answer');
      await within(t.peer.streamClosed, 'the stream to close');
      expect(await within(t.ours.closed, "our side's 'close'")).toEqual({ code: 1006, reason: '' });
    },
  },
  {
    id: 'h2.3',
    title: 'terminate() resets the stream with CANCEL: the peer sees RST_STREAM and no END_STREAM',
    chunkings: ['whole'],
    async run(t) {
      t.ours.ws.terminate();
      await within(t.peer.streamClosed, 'the stream to close');
      expect(t.peer.rstCode).toBe(http2Constants.NGHTTP2_CANCEL);
      expect(t.peer.events).toEqual([]);
      expect(await within(t.ours.closed, "our side's 'close'")).toEqual({ code: 1006, reason: '' });
    },
  },
  {
    // RFC 6455 section 7.1.1: the server closes the connection first. Chromium 150 never ends its side
    // of the stream after the closing handshake; waiting for it held 'close' until closeTimeout (30 s
    // by default, past `within`'s wait), and then the stream was reset with CANCEL.
    id: 'h2.4',
    title: "the client closes and keeps its side open: END_STREAM, RST_STREAM(NO_ERROR), a clean 'close'",
    roles: ['server'],
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send([closeFrame(4001, 'bye ✓')]);
      const echo = await expectKind(t.peer, 'close', 'the echo of close 4001');
      expect(echo.code).toBe(4001);
      await expectKind(t.peer, 'end', 'END_STREAM after the closing handshake');
      await within(t.peer.streamClosed, 'the server to close the stream');
      expect(t.peer.rstCode).toBe(http2Constants.NGHTTP2_NO_ERROR);
      expect(await within(t.ours.closed, "our side's 'close'")).toEqual({ code: 4001, reason: 'bye ✓' });
      expect(t.ours.errors).toEqual([]);
    },
  },
  {
    id: 'h2.5',
    title: "the server closes, the client answers and keeps its side open: RST_STREAM(NO_ERROR), a clean 'close'",
    roles: ['server'],
    chunkings: ['whole'],
    async run(t) {
      t.ours.ws.close(4002, 'bye from the server');
      const close = await expectKind(t.peer, 'close', 'our close frame');
      expect(close.code).toBe(4002);
      await t.peer.send([closeFrame(4002, 'ok')]);
      await within(t.peer.streamClosed, 'the server to close the stream');
      expect(t.peer.rstCode).toBe(http2Constants.NGHTTP2_NO_ERROR);
      expect(t.peer.events.map((event) => event.kind)).toEqual(['close', 'end']);
      expect(await within(t.ours.closed, "our side's 'close'")).toEqual({ code: 4002, reason: 'ok' });
    },
  },
);

// ---- running them ---------------------------------------------------------------------------------

function runCases(role: Role, start: () => Promise<Endpoint>): void {
  describe(`wasmsocket as the ${role} over an HTTP/2 stream`, () => {
    let endpoint: Endpoint;
    beforeAll(async () => {
      endpoint = await start();
    });
    afterAll(async () => endpoint?.close());
    for (const testCase of cases) {
      if (testCase.roles !== undefined && !testCase.roles.includes(role)) continue;
      for (const chunking of testCase.chunkings ?? ['whole', 'bytes']) {
        it(`${testCase.id} ${testCase.title} (${chunking})`, async () => {
          const { peer, ours } = await endpoint.open();
          try {
            await testCase.run({ role, chunking, peer, ours });
            expect(peer.violations, 'RFC 6455 section 5 breaches in what wasmsocket sent').toEqual([]);
          } finally {
            if (!peer.stream.closed) peer.stream.close(http2Constants.NGHTTP2_CANCEL);
            await within(ours.closed, "our side's 'close' after the peer went away").catch(() => {});
          }
        });
      }
    }
  });
}

runCases('server', () => ourServer());
runCases('client', () => ourClient());

describe('closeTimeout over HTTP/2', () => {
  it('a peer that never answers our close frame is reset with CANCEL once closeTimeout passes', async () => {
    const endpoint = await ourServer({ closeTimeout: 200 });
    try {
      const { peer, ours } = await endpoint.open();
      ours.ws.close(4000, 'are you there?');
      const close = await expectKind(peer, 'close', 'our close frame');
      expect(close.code).toBe(4000);
      // The peer neither answers nor ends: after closeTimeout the stream is reset, not ended.
      await within(peer.streamClosed, 'the reset');
      expect(peer.rstCode).toBe(http2Constants.NGHTTP2_CANCEL);
      expect(peer.aborted).toBe(true);
      expect(peer.events.map((event) => event.kind)).toEqual(['close']);
      expect(await within(ours.closed, "our side's 'close'")).toEqual({ code: 1006, reason: '' });
    } finally {
      await endpoint.close();
    }
  });
});
