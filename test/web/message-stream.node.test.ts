// Streaming single messages on the Node WebSocket: streamMessages: true emits 'message-stream' with a
// Readable per message as its bytes arrive; sendStream sends a stream or async iterable as one
// fragmented message while other sends wait behind it. Peers: the ws package, and WebSocketStream.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsPackageClient, WebSocketServer as WsPackageServer } from 'ws';
import { WebSocketServer } from '../../src/index.ts';
import { type MessageStream, WebSocketStream } from '../../src/node/web-connector.ts';
import { WebSocket } from '../../src/node/websocket.ts';
import { nextEvent, within } from '../support/waits.ts';

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function ourServer(options: { streamMessages?: boolean } = {}): Promise<WebSocketServer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  closers.push(
    () =>
      new Promise<void>((done) => {
        for (const client of server.clients ?? []) client.terminate();
        server.close(() => done());
      }),
  );
  await nextEvent(server, 'listening');
  return server;
}

function portOf(server: { address(): unknown }): number {
  return (server.address() as { port: number }).port;
}

async function collect(stream: Readable): Promise<{ bytes: number; chunks: number; sha256: string; text: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  const parts: Buffer[] = [];
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    chunks++;
    if (bytes <= 1024) parts.push(chunk as Buffer);
  }
  return { bytes, chunks, sha256: hash.digest('hex'), text: Buffer.concat(parts).toString() };
}

describe("'message-stream' (streamMessages: true)", () => {
  it('hands each message out as a Readable of its bytes as they arrive, text and binary, in order', async () => {
    const server = await ourServer({ streamMessages: true });
    const received: Array<{ isBinary: boolean; bytes: number; chunks: number; sha256: string; text: string }> = [];
    const done = new Promise<void>((resolve) => {
      server.on('connection', (ws) => {
        ws.on('message', () => {
          throw new Error("'message' must not fire with streamMessages");
        });
        ws.on('message-stream', async (stream: Readable, isBinary: boolean) => {
          received.push({ isBinary, ...(await collect(stream)) });
          if (received.length === 3) resolve();
        });
      });
    });
    const client = new WsPackageClient(`ws://127.0.0.1:${portOf(server)}/`);
    await nextEvent(client, 'open');
    const large = Buffer.alloc(8 * 1024 * 1024, 7);
    client.send('small text');
    client.send(large);
    client.send('after');
    await within(done, 'three message streams');
    expect(received.map(({ isBinary, bytes }) => [isBinary, bytes])).toEqual([
      [false, 10],
      [true, large.length],
      [false, 5],
    ]);
    expect(received[0].text).toBe('small text');
    expect(received[1].sha256).toBe(createHash('sha256').update(large).digest('hex'));
    // One 8 MiB frame, delivered in many parts (socket reads), not whole.
    expect(received[1].chunks).toBeGreaterThan(8);
    client.close();
  });

  it('drops the rest of a message whose stream is destroyed, and goes on with the next', async () => {
    const server = await ourServer({ streamMessages: true });
    const texts: string[] = [];
    const done = new Promise<void>((resolve) => {
      server.on('connection', (ws) => {
        ws.on('message-stream', async (stream: Readable, isBinary: boolean) => {
          if (isBinary) {
            stream.once('data', () => stream.destroy());
            return;
          }
          texts.push((await collect(stream)).text);
          resolve();
        });
      });
    });
    const client = new WsPackageClient(`ws://127.0.0.1:${portOf(server)}/`);
    await nextEvent(client, 'open');
    client.send(Buffer.alloc(4 * 1024 * 1024));
    client.send('next one');
    await within(done, 'the text message');
    expect(texts).toEqual(['next one']);
    client.close();
  });

  it('limits each streamed message by maxPayload (1009)', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', streamMessages: true, maxPayload: 1024 });
    closers.push(() => new Promise<void>((done) => server.close(() => done())));
    await nextEvent(server, 'listening');
    server.on('connection', (ws) => {
      ws.on('message-stream', (stream: Readable) => stream.resume());
      ws.on('error', () => {});
    });
    const client = new WsPackageClient(`ws://127.0.0.1:${portOf(server)}/`);
    await nextEvent(client, 'open');
    client.send(Buffer.alloc(4096));
    const [code] = await nextEvent<[number, Buffer]>(client, 'close');
    expect(code).toBe(1009);
  });
});

describe('sendStream', () => {
  it('sends a ReadableStream as one fragmented message; sends made meanwhile follow it whole', async () => {
    const server = new WsPackageServer({ port: 0, host: '127.0.0.1' });
    closers.push(() => new Promise<void>((done) => server.close(() => done())));
    await nextEvent(server, 'listening');
    const messages: Array<{ data: Buffer; isBinary: boolean }> = [];
    const got = new Promise<void>((resolve) => {
      server.on('connection', (peer) =>
        peer.on('message', (data: Buffer, isBinary: boolean) => {
          messages.push({ data, isBinary });
          if (messages.length === 3) resolve();
        }),
      );
    });
    const ws = new WebSocket(`ws://127.0.0.1:${portOf(server)}/`);
    await nextEvent(ws, 'open');
    const parts = ['stream ', 'of ', 'text'];
    let pulls = 0;
    const source = new ReadableStream<string>({
      async pull(controller) {
        await new Promise((wake) => setTimeout(wake, 5));
        if (pulls === parts.length) controller.close();
        else controller.enqueue(parts[pulls++]);
      },
    });
    const streamed = ws.sendStream(source);
    ws.send('sent during the stream');
    const binary = ws.sendStream(
      (async function* () {
        yield new Uint8Array([1, 2]);
        yield new Uint8Array([3]);
      })(),
    );
    await within(Promise.all([streamed, binary]), 'both streams sent');
    await within(got, 'three messages');
    expect(messages.map(({ data, isBinary }) => [isBinary ? [...data] : data.toString(), isBinary])).toEqual([
      ['stream of text', false],
      ['sent during the stream', false],
      [[1, 2, 3], true],
    ]);
    ws.close();
  });

  it('rejects when the connection closes mid-stream, and refuses a chunk of the wrong kind', async () => {
    const server = await ourServer();
    const peer = new Promise<{ terminate(): void }>((resolve) => server.once('connection', resolve));
    const ws = new WebSocket(`ws://127.0.0.1:${portOf(server)}/`);
    await nextEvent(ws, 'open');
    await expect(
      ws.sendStream(
        (async function* () {
          yield 'text';
          yield new Uint8Array([1]);
        })(),
      ),
    ).rejects.toThrow(TypeError);
    // Now the server drops the connection while an endless stream is being sent (its first chunk has left).
    const connection = await within(peer, "the server's connection");
    const endless = (async function* () {
      for (let i = 0; i < 10_000; i++) {
        if (i === 1) connection.terminate();
        await new Promise((wake) => setTimeout(wake, 5));
        yield new Uint8Array(1024);
      }
    })();
    await expect(within(ws.sendStream(endless), 'the stream to fail')).rejects.toThrow(/not open|closed|destroyed/i);
  });
});

describe('WebSocketStream with streamMessages', () => {
  it('yields { data: ReadableStream, isBinary } per message and sends async iterables as one message', async () => {
    const server = await ourServer({ streamMessages: true });
    // The server echoes each message as a stream: sendStream straight from the 'message-stream' Readable.
    server.on('connection', (ws) =>
      ws.on('message-stream', (stream: Readable, isBinary: boolean) => {
        ws.sendStream(stream, { binary: isBinary }).catch(() => {});
      }),
    );
    const stream = new WebSocketStream(`ws://127.0.0.1:${portOf(server)}/`, { streamMessages: true });
    const { readable, writable } = await within(stream.opened, 'opened');
    const writer = writable.getWriter();
    const reader = readable.getReader();
    const chunk = new Uint8Array(256 * 1024).fill(9);
    await writer.write(
      (async function* () {
        for (let i = 0; i < 16; i++) yield chunk;
      })() as never,
    );
    await writer.write('plain text');
    const first = (await within(reader.read(), 'the first message')).value as MessageStream;
    expect(first.isBinary).toBe(true);
    let bytes = 0;
    let parts = 0;
    for await (const part of first.data as unknown as AsyncIterable<Uint8Array>) {
      bytes += part.byteLength;
      parts++;
    }
    expect(bytes).toBe(16 * chunk.length);
    expect(parts).toBeGreaterThan(1);
    const second = (await within(reader.read(), 'the second message')).value as MessageStream;
    expect(second.isBinary).toBe(false);
    let text = '';
    for await (const piece of second.data.pipeThrough(
      new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
    ) as unknown as AsyncIterable<string>) {
      text += piece;
    }
    expect(text).toBe('plain text');
    stream.close();
    expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 1005, reason: '' });
  });
});
