// The streams echo handler the README and docs/web.md give, `await readable.pipeTo(writable)`, must end
// quietly when the peer closes cleanly (it used to reject with "The WebSocket connection is closed",
// an unhandled rejection that killed the server), and reject with a WebSocketError carrying the close
// code when the connection fails. Checked on both faces: WebSocketStream.from(ws) on our Node server,
// and the web WebSocketStream client of src/web (through the Node connector).

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsPackageClient, WebSocketServer as WsPackageServer } from 'ws';
import { WebSocketServer } from '../../src/index.ts';
import { WebSocketError, WebSocketStream } from '../../src/node/web-connector.ts';
import { Op, openRawClient, startRawServer } from '../support/raw-peer.ts';
import { nextEvent, within } from '../support/waits.ts';

type Outcome = { resolved: true } | { resolved: false; error: unknown };

const settle = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    () => ({ resolved: true }) as const,
    (error: unknown) => ({ resolved: false, error }) as const,
  );

interface HandlerRecord {
  pipe: Promise<Outcome>;
  closed: Promise<Outcome & { info?: { closeCode: number; reason: string } }>;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Our server running the documented handler; each connection's pipe and closed outcomes are recorded. */
async function documentedEchoServer(): Promise<{ port: number; next(): Promise<HandlerRecord> }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        for (const client of server.clients ?? []) client.terminate();
        server.close(() => done());
      }),
  );
  const records: HandlerRecord[] = [];
  const waiters: Array<(record: HandlerRecord) => void> = [];
  server.on('connection', async (ws) => {
    const stream = WebSocketStream.from(ws);
    const closed = stream.closed.then(
      (info) => ({ resolved: true as const, info }),
      (error: unknown) => ({ resolved: false as const, error }),
    );
    // The handler as documented: nothing but the pipe. Its outcome is observed here, and a rejection
    // would also reach vitest's unhandled-rejection check through the listener's own promise.
    const { readable, writable } = await stream.opened;
    const pipe = readable.pipeTo(writable);
    const record = { pipe: settle(pipe), closed };
    const waiter = waiters.shift();
    if (waiter) waiter(record);
    else records.push(record);
    await pipe.catch(() => {});
  });
  await nextEvent(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    next: () => {
      const record = records.shift();
      if (record) return Promise.resolve(record);
      return within(new Promise<HandlerRecord>((resolve) => waiters.push(resolve)), 'the next connection');
    },
  };
}

async function openClient(port: number): Promise<WsPackageClient> {
  const client = new WsPackageClient(`ws://127.0.0.1:${port}/`);
  client.on('error', () => {});
  await nextEvent(client, 'open');
  return client;
}

interface CleanClose {
  name: string;
  /** The arguments of ws's close(): none, a code, or a code and a reason. */
  close(ws: { close(code?: number, reason?: string): void }): void;
  code: number;
  reason: string;
}

const CLEAN_CLOSES: CleanClose[] = [
  { name: 'close(1000)', close: (ws) => ws.close(1000), code: 1000, reason: '' },
  { name: "close(4001, 'bye')", close: (ws) => ws.close(4001, 'bye'), code: 4001, reason: 'bye' },
  { name: 'close() with no code', close: (ws) => ws.close(), code: 1005, reason: '' },
];

describe('WebSocketStream.from(ws): the documented pipeTo echo on our server', () => {
  for (const { name, close, code, reason } of CLEAN_CLOSES) {
    it(`ends without error when the client echoes a message and then calls ${name}`, async () => {
      const server = await documentedEchoServer();
      const client = await openClient(server.port);
      const record = await server.next();
      client.send('hello');
      const [echo, isBinary] = await nextEvent<[Buffer, boolean]>(client, 'message');
      expect([String(echo), isBinary]).toEqual(['hello', false]);
      close(client);
      expect(await within(record.pipe, 'the pipe to settle')).toEqual({ resolved: true });
      expect(await within(record.closed, 'closed')).toEqual({ resolved: true, info: { closeCode: code, reason } });
    });
  }

  it('ends without error when a message arrives in the same write as the close frame', async () => {
    const server = await documentedEchoServer();
    const peer = await openRawClient(server.port);
    cleanups.push(() => peer.destroy());
    const record = await server.next();
    // One socket write: the server reads the message and the close frame together, so the pipe's echo
    // meets a connection whose closing handshake has started, and must send nothing (section 5.5.1).
    await peer.send(
      [
        { opcode: Op.TEXT, payload: 'one last message' },
        { opcode: Op.CLOSE, payload: new Uint8Array([0x03, 0xe8, 0x64, 0x6f, 0x6e, 0x65]) }, // 1000 'done'
      ],
      'whole',
    );
    let event = await peer.next('the echo or the close frame');
    // Should the two frames still arrive in two reads, the echo goes out before the close: also correct.
    if (event.kind === 'message') event = await peer.next('the close frame');
    expect(event).toMatchObject({ kind: 'close', code: 1000 });
    peer.end();
    expect(await within(record.pipe, 'the pipe to settle')).toEqual({ resolved: true });
    expect(await within(record.closed, 'closed')).toEqual({
      resolved: true,
      info: { closeCode: 1000, reason: 'done' },
    });
    expect(await peer.next('the end of TCP')).toEqual({ kind: 'end' });
  });

  it('rejects with a WebSocketError of closeCode 1006 when the client drops the connection', async () => {
    const server = await documentedEchoServer();
    const client = await openClient(server.port);
    const record = await server.next();
    client.send('hello');
    await nextEvent(client, 'message');
    client.terminate();
    const pipe = await within(record.pipe, 'the pipe to settle');
    expect(pipe.resolved).toBe(false);
    const error = (pipe as { error: unknown }).error;
    expect(error).toBeInstanceOf(WebSocketError);
    expect((error as WebSocketError).closeCode).toBe(1006);
    const closed = await within(record.closed, 'closed');
    expect(closed.resolved).toBe(false);
  });

  it("rejects with closeCode 1006 after a client's protocol error, which the client sees as 1002", async () => {
    const server = await documentedEchoServer();
    const peer = await openRawClient(server.port);
    cleanups.push(() => peer.destroy());
    const record = await server.next();
    // An unmasked frame from a client (RFC 6455 section 5.1): the server must fail the connection.
    await peer.send([{ opcode: Op.TEXT, payload: 'unmasked', maskKey: null }]);
    expect(await peer.next('the close frame')).toMatchObject({ kind: 'close', code: 1002 });
    peer.end();
    const pipe = await within(record.pipe, 'the pipe to settle');
    expect(pipe.resolved).toBe(false);
    expect((pipe as { error: WebSocketError }).error.closeCode).toBe(1006);
    // What failed travels as the cause: the protocol error, with the code the client was sent.
    expect((pipe as { error: WebSocketError }).error.cause).toMatchObject({ closeCode: 1002 });
  });
});

/** A ws-package server that, on each connection, does what `act` says. */
async function wsPackageServer(act: (ws: import('ws').WebSocket) => void): Promise<number> {
  const server = new WsPackageServer({ port: 0, host: '127.0.0.1' });
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        for (const client of server.clients) client.terminate();
        server.close(() => done());
      }),
  );
  server.on('connection', act);
  await nextEvent(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe("src/web's WebSocketStream client: a pipeTo echo", () => {
  for (const { name, close, code, reason } of CLEAN_CLOSES) {
    it(`ends without error when the server sends a message and then calls ${name}`, async () => {
      const port = await wsPackageServer((ws) => {
        ws.send('from the server');
        close(ws);
      });
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      const { readable, writable } = await within(stream.opened, 'opened');
      expect(await within(settle(readable.pipeTo(writable)), 'the pipe')).toEqual({ resolved: true });
      expect(await within(stream.closed, 'closed')).toEqual({ closeCode: code, reason });
    });
  }

  it('echoes while open, then ends without error when the client itself closes', async () => {
    const echoed: string[] = [];
    let heard: () => void = () => {};
    const heardBack = new Promise<void>((resolve) => {
      heard = resolve;
    });
    const port = await wsPackageServer((ws) => {
      ws.on('message', (data) => {
        echoed.push(String(data));
        heard();
      });
      ws.send('hello');
    });
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { readable, writable } = await within(stream.opened, 'opened');
    const pipe = settle(readable.pipeTo(writable));
    await within(heardBack, 'the echo at the server');
    expect(echoed).toEqual(['hello']);
    stream.close({ closeCode: 1000, reason: 'client done' });
    expect(await within(pipe, 'the pipe')).toEqual({ resolved: true });
    expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 1000, reason: 'client done' });
  });

  it('rejects with a WebSocketError of closeCode 1006 when the server drops the connection', async () => {
    const port = await wsPackageServer((ws) => {
      // Once the pipe has echoed it, the server drops TCP without a closing handshake.
      ws.once('message', () => ws.terminate());
      ws.send('then nothing');
    });
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { readable, writable } = await within(stream.opened, 'opened');
    const pipe = await within(settle(readable.pipeTo(writable)), 'the pipe');
    expect(pipe.resolved).toBe(false);
    expect((pipe as { error: unknown }).error).toBeInstanceOf(WebSocketError);
    expect((pipe as { error: WebSocketError }).error.closeCode).toBe(1006);
    await expect(stream.closed).rejects.toMatchObject({ closeCode: 1006 });
  });

  it('rejects with closeCode 1006 after a protocol error from the server (a masked frame)', async () => {
    const raw = await startRawServer();
    cleanups.push(() => raw.close());
    // RFC 6455 section 5.1: a client must fail the connection on a masked frame from the server.
    raw.greetNext(new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x69 ^ 2]));
    const stream = new WebSocketStream(raw.url);
    const { readable, writable } = await within(stream.opened, 'opened');
    const pipe = await within(settle(readable.pipeTo(writable)), 'the pipe');
    expect(pipe.resolved).toBe(false);
    expect((pipe as { error: WebSocketError }).error.closeCode).toBe(1006);
    expect((pipe as { error: WebSocketError }).error.cause).toMatchObject({ closeCode: 1002 });
  });
});
