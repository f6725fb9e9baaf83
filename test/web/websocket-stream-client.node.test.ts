// WebSocketStream as a Node client (the net/tls connector of src/node/web-connector.ts) against our
// server and the ws package's: the shared echo scenario, subprotocols, and every way an opening can
// fail (refused, a bad answer, an abort, a timeout, close before open).

import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketError, WebSocketStream } from '../../src/node/web-connector.ts';
import { HandshakeError } from '../../src/protocol/handshake-error.ts';
import { until, within } from '../support/waits.ts';
import { runClientScenario, SCENARIO_PROTOCOL } from './client-scenario.ts';
import { type EchoServer, startOurServer, startWsPackageServer } from './echo-servers.ts';
import { expectScenarioCompleted } from './scenario-checks.ts';

let ours: EchoServer;
let wsPackage: EchoServer;

beforeAll(async () => {
  [ours, wsPackage] = await Promise.all([startOurServer(), startWsPackageServer()]);
});

afterAll(async () => {
  await Promise.all([ours?.close(), wsPackage?.close()]);
});

/** A TCP server on loopback that answers every connection with `answer(requestHead)` (or nothing). */
async function rawServer(answer: (head: string) => string | null): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const response = answer(head);
      // One byte per character: the responses below carry frames as \xNN escapes.
      if (response !== null) socket.write(Buffer.from(response, 'latin1'));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('WebSocketStream client in Node', () => {
  for (const target of ['ours', 'ws'] as const) {
    it(`echoes text and binary up to 16 MiB with ${target === 'ours' ? 'our server' : 'the ws package'} and closes with a code and reason`, async () => {
      const server = target === 'ours' ? ours : wsPackage;
      const serverClose = server.nextClose();
      const report = await within(runClientScenario(WebSocketStream, `ws://127.0.0.1:${server.port}/`), 'the scenario');
      await expectScenarioCompleted(report, serverClose);
    });
  }

  it('takes http: URLs as ws:, and rejects other schemes, fragments and bad subprotocols with SyntaxError', () => {
    const stream = new WebSocketStream(`http://127.0.0.1:${ours.port}/path?q=1`);
    expect(stream.url).toBe(`ws://127.0.0.1:${ours.port}/path?q=1`);
    stream.close();
    for (const [url, protocols] of [
      ['ftp://127.0.0.1/', undefined],
      ['ws://127.0.0.1/#fragment', undefined],
      ['not a url', undefined],
      [`ws://127.0.0.1:${ours.port}/`, ['a b']],
      [`ws://127.0.0.1:${ours.port}/`, ['chat', 'chat']],
    ] as const) {
      expect(() => new WebSocketStream(url, { protocols: protocols as string[] | undefined })).toThrow(
        expect.objectContaining({ name: 'SyntaxError' }),
      );
    }
  });

  it('checks close codes and reasons as the standard does', async () => {
    const stream = new WebSocketStream(`ws://127.0.0.1:${ours.port}/`, { protocols: [SCENARIO_PROTOCOL] });
    await stream.opened;
    expect(() => stream.close({ closeCode: 1001 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => stream.close({ closeCode: 2999 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => stream.close({ closeCode: 1000, reason: 'x'.repeat(124) })).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
    const serverClose = ours.nextClose();
    // A reason without a code means 1000.
    stream.close({ reason: 'done' });
    expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 1000, reason: 'done' });
    expect(await within(serverClose, "the server's close")).toEqual({ code: 1000, reason: 'done' });
  });

  it('reports 1005 when closed without a code', async () => {
    const stream = new WebSocketStream(`ws://127.0.0.1:${wsPackage.port}/`, { protocols: [SCENARIO_PROTOCOL] });
    await stream.opened;
    stream.close();
    expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 1005, reason: '' });
  });

  it('fails opened and closed with a WebSocketError when the server answers other than 101', async () => {
    const { port, server } = await rawServer(() => 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      const error = await within(
        stream.opened.catch((reason: unknown) => reason),
        'opened to reject',
      );
      expect(error).toBeInstanceOf(WebSocketError);
      expect((error as WebSocketError).closeCode).toBe(1006);
      expect((error as Error & { cause: unknown }).cause).toBeInstanceOf(HandshakeError);
      expect((error as Error).message).toMatch(/Unexpected server response: 404/);
      await expect(stream.closed).rejects.toBe(error);
    } finally {
      server.close();
    }
  });

  it('refuses a 101 whose Sec-WebSocket-Accept is wrong', async () => {
    const { port, server } = await rawServer(
      () =>
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n',
    );
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      await expect(within(stream.opened, 'opened to reject')).rejects.toThrow(/Invalid Sec-WebSocket-Accept/);
    } finally {
      server.close();
    }
  });

  it('refuses a 101 that accepts an extension (none is offered on the web transport)', async () => {
    const { createHash } = await import('node:crypto');
    const { port, server } = await rawServer((head) => {
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      expect(head).not.toMatch(/sec-websocket-extensions/i);
      return (
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`
      );
    });
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      await expect(within(stream.opened, 'opened to reject')).rejects.toThrow(/no extension was requested/);
    } finally {
      server.close();
    }
  });

  it('keeps frames that arrive in the same chunk as the 101 response', async () => {
    const { createHash } = await import('node:crypto');
    const { port, server } = await rawServer((head) => {
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      // The response head, a text frame "early" and a close frame 4002 "bye", in one write.
      const head101 = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      return `${head101}\x81\x05early\x88\x05\x0f\xa2bye`;
    });
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`, { closeTimeout: 500 });
      const { readable } = await within(stream.opened, 'opened');
      const reader = readable.getReader();
      expect(await within(reader.read(), 'the first message')).toEqual({ value: 'early', done: false });
      expect(await within(reader.read(), 'the end')).toEqual({ value: undefined, done: true });
      // The raw server never closes TCP: the client stops waiting after closeTimeout; the handshake was complete.
      expect(await within(stream.closed, 'closed')).toEqual({ closeCode: 4002, reason: 'bye' });
    } finally {
      server.close();
    }
  });

  it('rejects with the signal reason when aborted during the opening, and at once when aborted before', async () => {
    const { port, server } = await rawServer(() => null);
    try {
      const controller = new AbortController();
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`, { signal: controller.signal });
      setTimeout(() => controller.abort(new DOMException('stop', 'AbortError')), 50);
      await expect(within(stream.opened, 'opened to reject')).rejects.toMatchObject({ name: 'AbortError' });
      await expect(stream.closed).rejects.toMatchObject({ name: 'AbortError' });
      const aborted = new WebSocketStream(`ws://127.0.0.1:${port}/`, { signal: AbortSignal.abort() });
      await expect(aborted.opened).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      server.close();
    }
  });

  it('gives up an opening after handshakeTimeout, and on close() before open', async () => {
    const { port, server } = await rawServer(() => null);
    try {
      const slow = new WebSocketStream(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 100 });
      const timedOut = await within(
        slow.opened.catch((reason: unknown) => reason),
        'opened to reject',
      );
      expect(timedOut).toBeInstanceOf(WebSocketError);
      expect((timedOut as Error & { cause: unknown }).cause).toMatchObject({ name: 'TimeoutError' });
      const closing = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      closing.close({ closeCode: 4000, reason: 'never mind' });
      const error = await within(
        closing.opened.catch((reason: unknown) => reason),
        'opened to reject',
      );
      expect(error).toBeInstanceOf(WebSocketError);
      expect(error).toMatchObject({ closeCode: 4000, reason: 'never mind' });
    } finally {
      server.close();
    }
  });

  it('fails the connection with 1006 when the server drops TCP mid-connection', async () => {
    const { createHash } = await import('node:crypto');
    const { port, server } = await rawServer((head) => {
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
    });
    const sockets: Socket[] = [];
    server.on('connection', (socket) => sockets.push(socket));
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      const { readable } = await within(stream.opened, 'opened');
      // Open on both sides: now the server drops TCP.
      for (const socket of sockets) socket.destroy();
      const closed = await within(
        stream.closed.catch((reason: unknown) => reason),
        'closed to reject',
      );
      expect(closed).toBeInstanceOf(WebSocketError);
      expect((closed as WebSocketError).closeCode).toBe(1006);
      await expect(readable.getReader().read()).rejects.toBe(closed);
    } finally {
      server.close();
    }
  });

  it('fails with 1002 sent to the peer when the server breaks the protocol (a masked frame)', async () => {
    const { createHash } = await import('node:crypto');
    const received: Buffer[] = [];
    const { port, server } = await rawServer((head) => {
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n\x81\x81\x00\x00\x00\x00a`;
    });
    server.on('connection', (socket) => socket.on('data', (chunk) => received.push(chunk)));
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${port}/`);
      await within(stream.opened, 'opened');
      const closed = await within(
        stream.closed.catch((reason: unknown) => reason),
        'closed to reject',
      );
      expect(closed).toBeInstanceOf(WebSocketError);
      expect((closed as Error).message).toMatch(/MASK/i);
      // After the request head: a masked close frame whose code (unmasked) is 1002. It was written before
      // the socket closed; its 'data' event on this side may come a moment after `closed` settles.
      await until(
        () => Buffer.concat(received).length >= 8 + Buffer.concat(received).indexOf('\r\n\r\n') + 4,
        'the close frame to reach the server',
      );
      const all = Buffer.concat(received);
      const frame = all.subarray(all.indexOf('\r\n\r\n') + 4);
      expect(frame[0]).toBe(0x88);
      const code = ((frame[6] ^ frame[2]) << 8) | (frame[7] ^ frame[3]);
      expect(code).toBe(1002);
    } finally {
      server.close();
    }
  });
});
