// WebSocketStream.from(ws) on our Node server, and backpressure end to end: a reader that does not read
// stops the socket reads under it, so the peer's writes stop resolving once the buffers between them
// (the readable's high-water mark, the TCP windows) are full, and memory stays bounded.

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsPackageClient } from 'ws';
import { WebSocketServer } from '../../src/index.ts';
import { type MessageStream, WebSocketStream } from '../../src/node/web-connector.ts';
import type { WebSocket as NodeWebSocket } from '../../src/node/websocket.ts';
import { nextEvent, until, WAIT_MS, within } from '../support/waits.ts';

const servers: WebSocketServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients ?? []) client.terminate();
    await new Promise<void>((done) => server.close(() => done()));
  }
});

/** Our server on loopback; each connection is handed to `handle` as a WebSocketStream. */
async function streamServer(
  handle: (stream: WebSocketStream, ws: NodeWebSocket) => void,
  options: { streamMessages?: boolean } = {},
): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  server.on('connection', (ws) => handle(WebSocketStream.from(ws, options), ws));
  await nextEvent(server, 'listening');
  return (server.address() as { port: number }).port;
}

const MESSAGE_BYTES = 256 * 1024;
/** Far more than loopback TCP buffers and the readable's high-water mark hold together. */
const MAX_MESSAGES = 512;
/** A write still pending after this long counts as stopped by backpressure (only ends the loop early). */
const STALL_MS = 1_000;
/** What may be in flight when writes stop: TCP windows (a few MiB each way on loopback) and queues. */
const BOUND_BYTES = 48 * 1024 * 1024;

/** Writes MESSAGE_BYTES messages until one stays pending for STALL_MS; returns how many resolved, and the pending one. */
async function writeUntilStalled(writer: WritableStreamDefaultWriter<Uint8Array>) {
  const payload = new Uint8Array(MESSAGE_BYTES).fill(0x5a);
  let resolved = 0;
  for (let i = 0; i < MAX_MESSAGES; i++) {
    const write = writer.write(payload);
    const stalled = await Promise.race([
      write.then(() => false),
      new Promise<boolean>((wake) => setTimeout(() => wake(true), STALL_MS)),
    ]);
    if (stalled) return { resolved, pending: write };
    resolved++;
  }
  return { resolved, pending: null };
}

async function readAll(reader: ReadableStreamDefaultReader<unknown>, count: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const { value, done } = await within(reader.read(), `message ${i + 1} of ${count}`);
    if (done) throw new Error(`the readable ended after ${i} messages`);
    bytes += (value as Uint8Array).byteLength;
  }
  return bytes;
}

describe('WebSocketStream.from(ws) on our server', () => {
  it('runs one streams handler (pipeTo echo) for a ws-package client and a WebSocketStream client', async () => {
    const closes: Array<{ closeCode: number; reason: string }> = [];
    const port = await streamServer(async (stream) => {
      const { readable, writable } = await stream.opened;
      // No catch: a clean close ends the pipe without an error (test/web/pipe-echo-close.node.test.ts).
      await readable.pipeTo(writable);
      closes.push(await stream.closed);
    });
    // The ws package as the client.
    const client = new WsPackageClient(`ws://127.0.0.1:${port}/`);
    await nextEvent(client, 'open');
    client.send('hello');
    expect(String((await nextEvent<[Buffer, boolean]>(client, 'message'))[0])).toBe('hello');
    client.send(Buffer.from([1, 2, 3]));
    const [binary, isBinary] = await nextEvent<[Buffer, boolean]>(client, 'message');
    expect([...binary]).toEqual([1, 2, 3]);
    expect(isBinary).toBe(true);
    client.close(4100, 'ws client done');
    const [code, reason] = await nextEvent<[number, Buffer]>(client, 'close');
    expect([code, String(reason)]).toEqual([4100, 'ws client done']);
    // Our web client.
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { readable, writable } = await within(stream.opened, 'opened');
    const writer = writable.getWriter();
    const reader = readable.getReader();
    await writer.write('über');
    expect(await within(reader.read(), 'the echo')).toEqual({ value: 'über', done: false });
    stream.close({ closeCode: 4101, reason: 'web client done' });
    expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 4101, reason: 'web client done' });
    await until(() => closes.length >= 2, "both closes on the server's side");
    expect(closes).toEqual([
      { closeCode: 4100, reason: 'ws client done' },
      { closeCode: 4101, reason: 'web client done' },
    ]);
  });

  it('closes from the server side with a code and reason the client sees', async () => {
    const port = await streamServer(async (stream) => {
      const { readable } = await stream.opened;
      const reader = readable.getReader();
      await reader.read();
      stream.close({ closeCode: 4200, reason: 'server says bye' });
    });
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { writable, readable } = await within(stream.opened, 'opened');
    await writable.getWriter().write('anything');
    const reader = readable.getReader();
    expect(await within(reader.read(), 'the end')).toEqual({ value: undefined, done: true });
    expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 4200, reason: 'server says bye' });
  });
});

describe('backpressure', () => {
  it("a server reader that never reads stops the client's writes from resolving, with bounded memory", async () => {
    let serverReadable: ReadableStream<unknown> | null = null;
    const port = await streamServer(async (stream) => {
      serverReadable = (await stream.opened).readable;
    });
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { writable } = await within(stream.opened, 'opened');
    const writer = writable.getWriter();
    const before = process.memoryUsage().arrayBuffers;
    const { resolved, pending } = await writeUntilStalled(writer);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(pending, `all ${MAX_MESSAGES} writes of ${MESSAGE_BYTES} bytes resolved: no backpressure`).not.toBeNull();
    expect(resolved * MESSAGE_BYTES).toBeLessThan(BOUND_BYTES);
    expect(grown).toBeLessThan(BOUND_BYTES);
    // Now read: everything written arrives, and the stalled write resolves.
    const reader = (serverReadable as unknown as ReadableStream<unknown>).getReader();
    const bytes = await readAll(reader, resolved + 1);
    expect(bytes).toBe((resolved + 1) * MESSAGE_BYTES);
    await within(pending as Promise<void>, 'the stalled write');
    stream.close();
    await within(stream.closed, 'closed');
  });

  it("a client reader that never reads stops the server's writes from resolving, with bounded memory", async () => {
    let result: { resolved: number; pending: Promise<void> | null } | null = null;
    let finished!: () => void;
    const done = new Promise<void>((wake) => {
      finished = wake;
    });
    const port = await streamServer(async (stream) => {
      const { writable } = await stream.opened;
      result = await writeUntilStalled(writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>);
      finished();
    });
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { readable } = await within(stream.opened, 'opened');
    const before = process.memoryUsage().arrayBuffers;
    await within(done, 'the server to stall', 30_000);
    const grown = process.memoryUsage().arrayBuffers - before;
    const { resolved, pending } = result as unknown as { resolved: number; pending: Promise<void> | null };
    expect(pending, 'every server write resolved: no backpressure').not.toBeNull();
    expect(resolved * MESSAGE_BYTES).toBeLessThan(BOUND_BYTES);
    expect(grown).toBeLessThan(BOUND_BYTES);
    const bytes = await readAll(readable.getReader(), resolved + 1);
    expect(bytes).toBe((resolved + 1) * MESSAGE_BYTES);
    await within(pending as Promise<void>, 'the stalled write');
    stream.close();
    await within(stream.closed, 'closed');
  });

  it('with streamMessages, a message stream nobody reads stops the sender too', async () => {
    let messages: ReadableStreamDefaultReader<unknown> | null = null;
    const port = await streamServer(
      async (stream) => {
        messages = (await stream.opened).readable.getReader();
      },
      { streamMessages: true },
    );
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
    const { writable } = await within(stream.opened, 'opened');
    const writer = writable.getWriter();
    // One message of up to MAX_MESSAGES chunks, from an async generator that counts what was taken.
    let produced = 0;
    let stop = false;
    async function* chunks() {
      while (!stop && produced < MAX_MESSAGES) {
        produced++;
        yield new Uint8Array(MESSAGE_BYTES).fill(0x33);
      }
    }
    const sent = writer.write({ data: chunks(), isBinary: true } as never);
    // The server takes the message but not its bytes: the generator must stop being pulled.
    const deadline = Date.now() + WAIT_MS;
    let last = -1;
    while (Date.now() < deadline) {
      await new Promise((wake) => setTimeout(wake, STALL_MS));
      if (produced === last) break;
      last = produced;
    }
    expect(produced).toBeLessThan(MAX_MESSAGES);
    expect(produced * MESSAGE_BYTES).toBeLessThan(BOUND_BYTES);
    // Reading the message's stream lets the rest through.
    stop = true;
    const { value } = await within((messages as unknown as ReadableStreamDefaultReader<unknown>).read(), 'the message');
    const message = value as MessageStream;
    expect(message.isBinary).toBe(true);
    let bytes = 0;
    const dataReader = message.data.getReader();
    for (;;) {
      const { value: chunk, done } = await within(dataReader.read(), 'message bytes');
      if (done) break;
      bytes += chunk.byteLength;
    }
    await within(sent, 'the streamed write');
    expect(bytes).toBe(produced * MESSAGE_BYTES);
    stream.close();
    await within(stream.closed, 'closed');
  });
});
