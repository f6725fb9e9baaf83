// Behaviours a ws user relies on without thinking about them, each checked over loopback the way such a
// user's code meets it: close() from an 'error' listener, createWebSocketStream's lifecycle, send
// callbacks that always learn their fate, what send() makes of numbers and of no data, and what
// bufferedAmount counts.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  WebSocket as WsPackageClient,
  WebSocketServer as WsPackageServer,
  type ServerOptions as WsServerOptions,
} from 'ws';
import { createWebSocketStream, WebSocket, WebSocketServer } from '../../src/index.ts';
import { openRawClient, startRawServer } from '../support/raw-peer.ts';
import { nextEvent, until, within } from '../support/waits.ts';

const cleanups: Array<() => unknown> = [];

/** The TCP socket under a ws-package connection, to write raw bytes or watch the wire. */
function socketOf(peer: unknown): Socket {
  return (peer as { _socket: Socket })._socket;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ourServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  cleanups.push(() => server.shutdown({ timeoutMs: 100 }));
  await once(server, 'listening');
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function wsPackageServer(options: WsServerOptions = {}) {
  const server = new WsPackageServer({ port: 0, host: '127.0.0.1', ...options });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  await once(server, 'listening');
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('close() and terminate() after a failed opening', () => {
  it('close() from the error listener of a refused connection does not throw, and close reports 1006', async () => {
    const { server, port } = await httpServer(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    const thrown: unknown[] = [];
    ws.on('error', () => {
      try {
        ws.close();
        ws.terminate();
      } catch (error) {
        thrown.push(error);
      }
    });
    const [code] = await nextEvent<[number]>(ws, 'close');
    expect(thrown).toEqual([]);
    expect(code).toBe(1006);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('close() from the error listener of a 401 answer does not throw', async () => {
    const { port } = await httpServer((_request, response) => {
      response.writeHead(401).end('no');
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    const errors: string[] = [];
    ws.on('error', (error) => {
      errors.push(error.message);
      ws.close();
    });
    await nextEvent(ws, 'close');
    expect(errors).toEqual(['Unexpected server response: 401']);
  });

  it("close() from 'unexpected-response' drops the kept-alive TCP connection", async () => {
    const { server, port } = await httpServer((_request, response) => {
      response.writeHead(403, { connection: 'keep-alive' }).end('forbidden');
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    let socket: Socket | null = null;
    ws.on('unexpected-response', (_request, response) => {
      socket = response.socket as Socket;
      ws.close();
    });
    ws.on('error', () => {});
    const [code] = await nextEvent<[number]>(ws, 'close');
    expect(code).toBe(1006);
    // Dropped by close() itself, not left to an idle timeout (the server's keep-alive, or the agent's).
    expect(socket).not.toBeNull();
    expect((socket as unknown as Socket).destroyed).toBe(true);
    // Every connection the server saw ends: close() without closeAllConnections resolves.
    await within(
      new Promise<void>((resolve) => server.close(() => resolve())),
      'the http server to see every connection end',
    );
  });
});

describe('send() arguments as ws takes them', () => {
  it('sends a number as text and no data as an empty binary message', async () => {
    const { server, url } = await wsPackageServer();
    const received: Array<{ data: string; isBinary: boolean }> = [];
    server.on('connection', (peer) => {
      peer.on('message', (data, isBinary) => received.push({ data: String(data), isBinary }));
    });
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    await once(ws, 'open');
    ws.send(42);
    ws.send(undefined);
    ws.send(null);
    ws.send('');
    ws.ping(7);
    await until(() => received.length >= 4, 'four messages');
    expect(received).toEqual([
      { data: '42', isBinary: false },
      { data: '', isBinary: true },
      { data: '', isBinary: true },
      { data: '', isBinary: false },
    ]);
  });
});

describe('send callbacks always learn their fate', () => {
  it('terminate() while messages are being compressed calls every callback with an error', async () => {
    const { url } = await wsPackageServer({ perMessageDeflate: { threshold: 0 } });
    const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
    await once(ws, 'open');
    expect(ws.extensions).toMatch(/permessage-deflate/);
    const outcomes: string[] = [];
    const payload = Buffer.alloc(256 * 1024, 'a');
    const record = (error?: Error | null) => {
      outcomes.push(error ? error.message : 'sent');
      expect(ws.readyState).toBe(WebSocket.CLOSING);
    };
    ws.send(payload, record);
    ws.send(payload, record);
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(2 * payload.length);
    ws.terminate();
    await nextEvent(ws, 'close');
    await until(() => outcomes.length >= 2, 'both callbacks');
    expect(outcomes).toEqual([
      'The socket was closed while data was being compressed',
      'The socket was closed while data was being compressed',
    ]);
  });

  it('sends after close count in bufferedAmount, and their callbacks get an error', async () => {
    const { url } = await ourServer();
    const ws = new WebSocket(url);
    await once(ws, 'open');
    ws.close();
    const errors: string[] = [];
    ws.send('abcd', (error) => errors.push(String(error?.message)));
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(4);
    await nextEvent(ws, 'close');
    ws.send('ef', (error) => errors.push(String(error?.message)));
    await until(() => errors.length >= 2, 'both callbacks');
    expect(errors).toEqual([
      'WebSocket is not open: readyState 2 (CLOSING)',
      'WebSocket is not open: readyState 3 (CLOSED)',
    ]);
    expect(ws.bufferedAmount).toBe(6);
  });
});

describe('createWebSocketStream lifecycle', () => {
  it("end() closes the WebSocket; the stream emits 'finish', 'end' and 'close'", async () => {
    const { server, url } = await ourServer();
    server.on('connection', (peer: WebSocket) =>
      peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary })),
    );
    const ws = new WebSocket(url);
    const duplex = createWebSocketStream(ws);
    const events: string[] = [];
    for (const name of ['finish', 'end', 'close']) duplex.on(name, () => events.push(name));
    ws.on('close', () => events.push('ws close'));
    const echoed: Buffer[] = [];
    duplex.on('data', (chunk: Buffer) => echoed.push(chunk));
    duplex.write('hello');
    await until(() => echoed.length > 0, 'the echo');
    duplex.end();
    await within(once(duplex, 'close'), "the stream's close");
    expect(Buffer.concat(echoed).toString()).toBe('hello');
    expect(events).toContain('finish');
    expect(events).toContain('end');
    expect(events).toContain('ws close');
    expect(events.at(-1)).toBe('close');
    expect(duplex.destroyed).toBe(true);
  });

  it('a write after the WebSocket closed errors and destroys the stream', async () => {
    const { url } = await ourServer();
    const ws = new WebSocket(url);
    const duplex = createWebSocketStream(ws);
    await once(ws, 'open');
    ws.close();
    await nextEvent(ws, 'close');
    const errored = nextEvent<[Error]>(duplex, 'error');
    const closed = nextEvent(duplex, 'close');
    duplex.write('too late');
    const [error] = await errored;
    expect(error.message).toBe('WebSocket is not open: readyState 3 (CLOSED)');
    expect(duplex.destroyed).toBe(true);
    await closed;
  });
});

describe('nothing already received is lost', () => {
  for (const how of ['terminate', 'close'] as const) {
    it(`${how}() while received messages are still inflating delivers them all before 'close'`, async () => {
      const { server, url } = await wsPackageServer({ perMessageDeflate: true });
      server.on('connection', (peer) => {
        // Four compressed empty text messages in one TCP write (RSV1 + FIN + text, payload 00).
        socketOf(peer).write(Buffer.from('c10100c10100c10100c10100', 'hex'));
      });
      const ws = new WebSocket(url);
      const messages: Array<{ data: string; isBinary: boolean }> = [];
      ws.on('message', (data, isBinary) => {
        if (messages.push({ data: String(data), isBinary }) > 1) return;
        setImmediate(() => (how === 'terminate' ? ws.terminate() : ws.close(1000)));
      });
      const [code] = await nextEvent<[number]>(ws, 'close');
      expect(messages).toEqual(Array.from({ length: 4 }, () => ({ data: '', isBinary: false })));
      expect(code).toBe(how === 'terminate' ? 1006 : 1000);
    });
  }
});

describe('the class as ws shapes it', () => {
  it('generateMask supplies the masking keys the client sends', async () => {
    const { server, url } = await wsPackageServer();
    const wire: Buffer[] = [];
    const received = new Promise<string>((resolve) => {
      server.on('connection', (peer) => {
        socketOf(peer).on('data', (chunk: Buffer) => wire.push(chunk));
        peer.on('message', (data) => resolve(String(data)));
      });
    });
    let calls = 0;
    const ws = new WebSocket(url, {
      generateMask: (mask: Buffer) => {
        calls++;
        mask.fill(0);
      },
    });
    cleanups.push(() => ws.terminate());
    await once(ws, 'open');
    ws.send('visible');
    expect(await within(received, 'the message')).toBe('visible');
    const frame = Buffer.concat(wire);
    // FIN + text, MASK + length 7, a zero key, then the payload unchanged.
    expect(frame.subarray(0, 6).toString('hex')).toBe('818700000000');
    expect(frame.subarray(6, 13).toString()).toBe('visible');
    expect(calls).toBeGreaterThan(0);
    expect(() => new WebSocket(url, { generateMask: 5 as never })).toThrow(TypeError);
  });

  it('ready-state constants are read-only and enumerable; accessors are enumerable', () => {
    const descriptor = Object.getOwnPropertyDescriptor(WebSocket, 'OPEN');
    expect(descriptor).toMatchObject({ value: 1, writable: false, enumerable: true, configurable: false });
    for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
      expect(Object.getOwnPropertyDescriptor(WebSocket.prototype, name)?.enumerable, name).toBe(true);
    }
  });
});

describe('Blobs, as ws 8.18 sends them', () => {
  it('send(blob) is read and sent as binary in order with the sends around it; ping(blob) too', async () => {
    const { server, url } = await wsPackageServer();
    const received: Array<{ data: string; isBinary: boolean }> = [];
    const pings: string[] = [];
    server.on('connection', (peer) => {
      peer.on('message', (data, isBinary) => received.push({ data: String(data), isBinary }));
      peer.on('ping', (data) => pings.push(String(data)));
    });
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    await once(ws, 'open');
    const callbacks: string[] = [];
    ws.send('first');
    ws.send(new Blob(['from a blob']), (error) => callbacks.push(error ? error.message : 'sent'));
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual('from a blob'.length);
    // Data of the wrong type throws to the caller even while sends wait behind the Blob.
    expect(() => ws.send({ not: 'bytes' } as never)).toThrow(TypeError);
    ws.send('after');
    ws.send(new Blob(['as text']), { binary: false });
    ws.ping(new Blob(['p!']));
    expect(() => ws.ping(new Blob([Buffer.alloc(126)]))).toThrow(RangeError);
    await until(() => received.length >= 4 && pings.length >= 1, 'four messages and a ping');
    expect(received).toEqual([
      { data: 'first', isBinary: false },
      { data: 'from a blob', isBinary: true },
      { data: 'after', isBinary: false },
      { data: 'as text', isBinary: false },
    ]);
    expect(pings).toEqual(['p!']);
    expect(callbacks).toEqual(['sent']);
    expect(ws.bufferedAmount).toBe(0);
  });
});

describe('Blobs and close()', () => {
  it('close() right after sending Blobs sends the close frame after them', async () => {
    const { server, url } = await wsPackageServer();
    const received: string[] = [];
    let pinged = '';
    const serverClose = new Promise<number>((resolve) => {
      server.on('connection', (peer) => {
        peer.on('message', (data) => received.push(String(data)));
        peer.on('ping', (data) => {
          pinged = String(data);
        });
        peer.on('close', (code) => resolve(code));
      });
    });
    const ws = new WebSocket(url);
    await once(ws, 'open');
    ws.send(new Blob(['foo']));
    ws.ping(new Blob(['ping before close']));
    ws.send(new Blob(['bar']));
    ws.close(4000);
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(() => ws.close(1005)).not.toThrow(); // CLOSING: a second close() does nothing
    expect(await within(serverClose, "the server's close")).toBe(4000);
    expect(received).toEqual(['foo', 'bar']);
    expect(pinged).toBe('ping before close');
    await nextEvent(ws, 'close');
  });
});

describe('Blobs and terminate()', () => {
  it('terminate() while a Blob is read and a close() waits behind it: the Blob send fails, close reports 1006', async () => {
    const { url } = await wsPackageServer();
    const ws = new WebSocket(url);
    await once(ws, 'open');
    const outcome = new Promise<string>((resolve) => {
      ws.send(new Blob(['never sent']), (error) => resolve(error ? error.message : 'sent'));
    });
    ws.close(1000);
    ws.terminate();
    const [code] = await nextEvent<[number]>(ws, 'close');
    expect(code).toBe(1006);
    expect(await within(outcome, 'the Blob send callback')).toBe('The socket was closed while the blob was being read');
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});

describe('protocolVersion', () => {
  it('8 is offered with Sec-WebSocket-Origin (draft 8), as ws offers it; anything but 8 and 13 throws', async () => {
    const { server, url } = await wsPackageServer();
    const request = new Promise<import('node:http').IncomingMessage>((resolve) => {
      server.on('connection', (_peer, req) => resolve(req));
    });
    const ws = new WebSocket(url, { protocolVersion: 8, origin: 'https://example.com' });
    cleanups.push(() => ws.terminate());
    await once(ws, 'open');
    const req = await within(request, 'the upgrade request');
    expect(req.headers['sec-websocket-version']).toBe('8');
    expect(req.headers['sec-websocket-origin']).toBe('https://example.com');
    expect(req.headers.origin).toBeUndefined();
    expect(() => new WebSocket(url, { protocolVersion: 12 })).toThrow(
      'Unsupported protocol version: 12 (supported versions: 8, 13)',
    );
  });
});

describe('Sec-WebSocket-Version: 8 on the server, as ws takes it', () => {
  it('a version-8 client (ws, and ours) opens, its origin in Sec-WebSocket-Origin reaches verifyClient, and messages cross both ways', async () => {
    // The same scenario against ws's server and ours: every observation must be the same.
    const observe = async (server: 'ws' | 'ours') => {
      const origins: Array<string | undefined> = [];
      const verifyClient = (info: { origin: string }) => {
        origins.push(info.origin);
        return true;
      };
      const { server: wss, url } =
        server === 'ws'
          ? await wsPackageServer({ verifyClient, perMessageDeflate: true })
          : await ourServer({ verifyClient, perMessageDeflate: true });
      (wss as WebSocketServer).on('connection', (peer: WebSocket) => {
        peer.on('message', (data: Buffer, isBinary: boolean) => peer.send(data, { binary: isBinary }));
      });
      const seen: unknown[] = [];
      const options = { protocolVersion: 8, origin: 'https://app.example' };
      const clients = [
        () => new WsPackageClient(url, options) as unknown as WebSocket,
        () => new WebSocket(url, options),
      ];
      for (const open of clients) {
        const client = open();
        cleanups.push(() => client.terminate());
        await within(once(client, 'open'), 'the version-8 client to open');
        const echoes: unknown[] = [];
        for (const message of ['text in draft 8', Buffer.from([1, 2, 3]), 'x'.repeat(5000)]) {
          const echoed = nextEvent<[Buffer, boolean]>(client, 'message');
          client.send(message);
          const [data, isBinary] = await echoed;
          echoes.push([isBinary, data.equals(Buffer.from(message))]);
        }
        seen.push({ extensions: client.extensions, echoes });
        client.close(1000);
        await within(once(client, 'close'), 'the close');
      }
      return { origins, seen };
    };
    const ours = await observe('ours');
    expect(ours).toEqual(await observe('ws'));
    expect(ours.origins).toEqual(['https://app.example', 'https://app.example']);
    expect(ours.seen).toEqual(
      [0, 1].map(() => ({
        extensions: 'permessage-deflate',
        echoes: [
          [false, true],
          [true, true],
          [false, true],
        ],
      })),
    );
  });
});

describe('close(undefined, reason), as ws: an empty close frame, the reason ignored', () => {
  it('from our client: the server reads a close with no code (1005) and no reason', async () => {
    const { server, url } = await wsPackageServer();
    const closed = new Promise<[number, string]>((resolve) => {
      server.on('connection', (peer) => peer.on('close', (code, reason) => resolve([code, reason.toString()])));
    });
    const ws = new WebSocket(url);
    await within(once(ws, 'open'), 'open');
    // ws sends no code and ignores the reason, whatever it is (even one too long for a close frame).
    expect(() => ws.close(undefined, 'not sent')).not.toThrow();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(await within(closed, "the server's close event")).toEqual([1005, '']);
    const [code, reason] = await nextEvent<[number, Buffer]>(ws, 'close');
    expect([code, reason.toString()]).toEqual([1005, '']);
    const other = new WebSocket(url);
    await within(once(other, 'open'), 'open');
    expect(() => other.close(undefined, 'x'.repeat(200))).not.toThrow();
    expect((await nextEvent<[number]>(other, 'close'))[0]).toBe(1005);
  });

  it("from our server's connection: the close frame on the wire is empty", async () => {
    const { server } = await ourServer();
    server.on('connection', (peer: WebSocket) => peer.close(undefined, 'not sent'));
    const raw = await openRawClient((server.address() as AddressInfo).port);
    cleanups.push(() => raw.destroy());
    const event = await raw.next('the close frame');
    expect(event).toMatchObject({ kind: 'close', code: null });
    expect(event.kind === 'close' && event.payload.length).toBe(0);
  });
});

describe('close(code, reason): the reason as ws reads it', () => {
  it('sends the same close frame as a ws client for each kind of reason, and throws where ws throws', async () => {
    const raw = await startRawServer();
    cleanups.push(() => raw.close());
    const reasons: Array<[string, unknown]> = [
      ['a string', 'bye'],
      ['a Buffer', Buffer.from('bye')],
      ['a Uint8Array (not a Buffer)', new TextEncoder().encode('bye ✓')],
      ['an empty string', ''],
      ['a number (no length: ignored)', 5],
      ['an object (no length: ignored)', {}],
      ['an empty array (ignored)', []],
      ['an array with a length', ['a']],
      ['no code, a reason', 'ignored'],
    ];
    /** What a client does with close(code, reason): the close frame's payload in hex, or the error thrown. */
    const outcome = async (open: () => WebSocket, code: number | undefined, reason: unknown) => {
      const client = open();
      cleanups.push(() => client.terminate());
      await within(once(client, 'open'), 'the client to open');
      const peer = await raw.peerFrom((socketOf(client) as Socket).localPort as number);
      try {
        client.close(code, reason as string);
      } catch (error) {
        client.terminate();
        // The class: ws's message here is Node's (from Buffer.byteLength), ours names the argument.
        return `throws ${(error as Error).constructor.name}`;
      }
      const event = await peer.next('the close frame');
      client.terminate();
      return event.kind === 'close' ? event.payload.toString('hex') : event.kind;
    };
    for (const [what, reason] of reasons) {
      const code = what.startsWith('no code') ? undefined : 1000;
      const theirs = await outcome(() => new WsPackageClient(raw.url) as unknown as WebSocket, code, reason);
      const ours = await outcome(() => new WebSocket(raw.url), code, reason);
      expect(ours, what).toBe(theirs);
    }
    expect(await outcome(() => new WebSocket(raw.url), 1000, ['a'])).toBe('throws TypeError');
    expect(await outcome(() => new WebSocket(raw.url), 1000, new TextEncoder().encode('bye'))).toBe('03e8627965');
  });
});
