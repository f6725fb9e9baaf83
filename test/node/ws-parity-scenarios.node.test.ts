// The rows docs/ws-compat.md marks "same", run: each scenario is written once, run with the ws package
// and with ours over 127.0.0.1, and what it saw (events in order, error classes and messages, what
// reached the other side) must be the same. A scenario reports an outcome; only the comparison asserts.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, type ClientRequestArgs, createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createConnection, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import type { WebSocket, WebSocketServer } from '../../src/index.ts';
import * as ours from '../../src/index.ts';
import { acceptKeyFor, openRawClient } from '../support/raw-peer.ts';
import { within } from '../support/waits.ts';

/** Both libraries, typed as ours (the scenarios use only what ws has too). */
type Library = typeof ours;
const LIBRARIES: Record<'ws' | 'ours', Library> = { ws: wsModule as unknown as Library, ours };

const TLS_KEY = readFileSync(new URL('../http2/fixtures/localhost-key.pem', import.meta.url));
const TLS_CERT = readFileSync(new URL('../http2/fixtures/localhost-cert.pem', import.meta.url));

/** What a call returned, or the class and message of what it threw. */
function outcomeOf(call: () => unknown): unknown {
  try {
    return call();
  } catch (error) {
    return `throws ${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

/** Resolves with 'close's code and reason once the WebSocket has closed. */
function closed(socket: WebSocket): Promise<[number, string]> {
  return within(
    new Promise((resolve) => socket.on('close', (code, reason) => resolve([code, String(reason)]))),
    "the WebSocket's close",
  );
}

function listening(server: { on(event: 'listening', listener: () => void): unknown }): Promise<void> {
  return within(new Promise<void>((resolve) => server.on('listening', resolve)), 'the server to listen');
}

function closeServer(server: { close(cb: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

function portOf(server: { address(): AddressInfo | string | null }): number {
  return (server.address() as AddressInfo).port;
}

/** A server of `lib` on 127.0.0.1 and an open client of `lib`, with the server's side of it. */
async function openPair(lib: Library, serverOptions: object = {}, clientOptions: object = {}) {
  const server: WebSocketServer = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', ...serverOptions });
  await listening(server);
  const accepted = once(server, 'connection');
  const client: WebSocket = new lib.WebSocket(`ws://127.0.0.1:${portOf(server)}`, clientOptions);
  client.on('error', () => {});
  await within(once(client, 'open'), 'the client to open');
  const [peer] = (await within(accepted, 'the connection')) as [WebSocket];
  peer.on('error', () => {});
  const end = async () => {
    client.terminate();
    peer.terminate();
    await closeServer(server);
  };
  return { server, client, peer, end };
}

/** A TCP server on 127.0.0.1 that accepts and never answers; `end` drops what it accepted and closes. */
async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const end = () => {
    for (const socket of sockets) socket.destroy();
    return closeServer(server);
  };
  return { port: portOf(server), end };
}

/** A plain HTTP server on 127.0.0.1 with `handler`; `end` closes it and every connection. */
async function httpServer(handler?: Parameters<typeof createHttpServer>[1]) {
  const server = handler ? createHttpServer(handler) : createHttpServer();
  // Upgraded sockets leave the server's books: an 'upgrade' listener hands them to `track`.
  const upgraded = new Set<Socket>();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const end = () => {
    for (const socket of upgraded) socket.destroy();
    server.closeAllConnections();
    return closeServer(server);
  };
  return { server, port: portOf(server), end, track: (socket: Socket) => upgraded.add(socket) };
}

/** A client frame with a zero masking key (the payload stays as written): header bytes, then payload. */
function maskedFrame(byte0: number, payload: number[] | Buffer = []): Buffer {
  const bytes = Buffer.from(payload);
  const length = bytes.length < 126 ? [0x80 | bytes.length] : [0x80 | 126, bytes.length >> 8, bytes.length & 0xff];
  return Buffer.concat([Buffer.from([byte0, ...length, 0, 0, 0, 0]), bytes]);
}

/** A masked frame header that announces a 64-bit payload length (its 8 bytes as given), with no payload. */
function announcing(lengthBytes: number[]): Buffer {
  return Buffer.from([0x82, 0x80 | 127, ...lengthBytes, 0, 0, 0, 0]);
}

/**
 * A peer's bad frames, one connection each, named by the WS_ERR_* code ws gives them (lib/receiver.js).
 * A 64-bit length with its top bit set is left out: there the two differ (ws-parity.node.test.ts).
 */
const BAD_FRAMES: Record<string, Buffer> = {
  EXPECTED_FIN: maskedFrame(0x09),
  EXPECTED_MASK: Buffer.from([0x81, 0x00]),
  INVALID_CLOSE_CODE: maskedFrame(0x88, [0x03, 0xe7]),
  INVALID_CONTROL_PAYLOAD_LENGTH: maskedFrame(0x89, Buffer.alloc(126)),
  INVALID_OPCODE: maskedFrame(0x83),
  INVALID_UTF8: maskedFrame(0x81, [0xff, 0xfe]),
  TOO_MANY_BUFFERED_PARTS: Buffer.concat([
    maskedFrame(0x01, [0x61]),
    maskedFrame(0x00, [0x62]),
    maskedFrame(0x00, [0x63]),
  ]),
  UNEXPECTED_RSV_1: maskedFrame(0xc1),
  UNEXPECTED_RSV_2_3: maskedFrame(0xa1),
  UNSUPPORTED_DATA_PAYLOAD_LENGTH: announcing([0x00, 0x20, 0, 0, 0, 0, 0, 0]),
  UNSUPPORTED_MESSAGE_LENGTH: announcing([0, 0, 0, 0, 0x0c, 0x80, 0, 0]),
};

const scenarios: Record<string, (lib: Library) => Promise<unknown>> = {
  async "a peer's bad frames: the error's code and the close code the peer gets"(lib) {
    const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', maxFragments: 2 });
    await listening(server);
    const results: Record<string, unknown> = {};
    for (const [name, bytes] of Object.entries(BAD_FRAMES)) {
      const accepted = once(server, 'connection');
      const peer = await openRawClient(portOf(server));
      const [socket] = (await within(accepted, 'the connection')) as [WebSocket];
      const failed = within(once(socket, 'error'), `the server's error for ${name}`);
      await peer.write(bytes);
      const [error] = (await failed) as [Error & { code: string }];
      let event = await peer.next(`the close frame for ${name}`);
      while (event.kind !== 'close' && event.kind !== 'end') event = await peer.next(`the close frame for ${name}`);
      // The class is compared apart (ws-parity.node.test.ts): ws's UTF-8 error is a plain Error.
      const closeCode = event.kind === 'close' ? event.code : 'no close frame';
      // Our maxFragments message also names the limit: "… (more than 2)".
      const message = error.message.replace(/ \(more than \d+\)$/, '');
      results[name] = [error.code, message, error instanceof Error, closeCode];
      peer.destroy();
    }
    await closeServer(server);
    return results;
  },

  async 'noServer: address() throws, close(cb) twice'(lib) {
    const server = new lib.WebSocketServer({ noServer: true });
    const calls: string[] = [];
    const address = outcomeOf(() => server.address());
    server.close((error) => calls.push(error?.message ?? 'closed'));
    await within(once(server, 'close'), "the server's close");
    const again = within(once(server, 'close'), "the second 'close'");
    server.close((error) => calls.push(error?.message ?? 'closed'));
    await again;
    return { address, clients: server.clients.size, calls };
  },

  async 'handleUpgrade: the same socket twice, and after close() (503)'(lib) {
    const server = new lib.WebSocketServer({ noServer: true });
    const http = await httpServer();
    const seen: unknown[] = [];
    let upgrades = 0;
    http.server.on('upgrade', (request, socket: Socket, head) => {
      if (upgrades++ === 0) {
        server.handleUpgrade(request, socket, head, () => seen.push('accepted'));
        seen.push(outcomeOf(() => server.handleUpgrade(request, socket, head, () => seen.push('twice'))));
      } else {
        server.handleUpgrade(request, socket, head, () => seen.push('accepted after close'));
      }
    });
    const first = new wsModule.WebSocket(`ws://127.0.0.1:${http.port}`);
    await within(once(first, 'open'), 'the first client to open');
    first.terminate();
    server.close();
    const second = new wsModule.WebSocket(`ws://127.0.0.1:${http.port}`);
    second.on('error', () => {});
    const [, response] = (await within(once(second, 'unexpected-response'), 'the refusal')) as [
      unknown,
      IncomingMessage,
    ];
    seen.push(response.statusCode);
    second.terminate();
    await http.end();
    return seen;
  },

  async 'before open: send and ping throw, pause is a no-op, terminate fails the opening'(lib) {
    const silent = await silentServer();
    const client = new lib.WebSocket(`ws://127.0.0.1:${silent.port}`);
    const events: string[] = [];
    client.on('error', (error) => events.push(`error ${error.message}`));
    const send = outcomeOf(() => client.send('x'));
    const ping = outcomeOf(() => client.ping());
    client.pause();
    const paused = client.isPaused;
    const done = closed(client);
    client.terminate();
    const readyState = client.readyState;
    events.push(`close ${(await done)[0]}`);
    await silent.end();
    return { send, ping, paused, readyState, events };
  },

  async 'constructor errors'(lib) {
    return {
      notAUrl: outcomeOf(() => new lib.WebSocket('nope')),
      ftp: outcomeOf(() => new lib.WebSocket('ftp://example.com')),
      fragment: outcomeOf(() => new lib.WebSocket('ws://example.com/#a')),
      duplicateProtocol: outcomeOf(() => new lib.WebSocket('ws://127.0.0.1:1', ['a', 'a'])),
      badProtocol: outcomeOf(() => new lib.WebSocket('ws://127.0.0.1:1', ['a b'])),
      version: outcomeOf(() => new lib.WebSocket('ws://127.0.0.1:1', { protocolVersion: 7 })),
      noSource: outcomeOf(() => new lib.WebSocketServer({})),
      twoSources: outcomeOf(() => new lib.WebSocketServer({ port: 0, noServer: true })),
    };
  },

  async 'a 404 without an unexpected-response listener'(lib) {
    const http = await httpServer((_, response) => response.writeHead(404).end('not here'));
    const client = new lib.WebSocket(`ws://127.0.0.1:${http.port}`);
    const events: string[] = [];
    client.on('error', (error) => events.push(`error ${error instanceof Error} ${error.message}`));
    events.push(`close ${(await closed(client))[0]}`);
    await http.end();
    return events;
  },

  async 'redirects: followed, capped by maxRedirects, refused without followRedirects'(lib) {
    const target = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(target);
    const final = `ws://127.0.0.1:${portOf(target)}/final`;
    const http = await httpServer((request, response) =>
      response.writeHead(302, { Location: request.url === '/loop' ? '/loop' : final }).end(),
    );
    const base = `ws://127.0.0.1:${http.port}`;
    const events: unknown[] = [];
    const followed = new lib.WebSocket(`${base}/start`, { followRedirects: true });
    followed.on('redirect', (url, request) => events.push(`redirect ${url === final} ${request.constructor.name}`));
    await within(once(followed, 'open'), 'the redirected client to open');
    events.push(`open at ${followed.url === final}`);
    followed.terminate();
    const looping = new lib.WebSocket(`${base}/loop`, { followRedirects: true, maxRedirects: 2 });
    looping.on('error', (error) => events.push(error.message));
    events.push(await closed(looping));
    const notFollowing = new lib.WebSocket(`${base}/start`);
    notFollowing.on('error', (error) => events.push(error.message));
    events.push(await closed(notFollowing));
    for (const client of target.clients) client.terminate();
    await http.end();
    await closeServer(target);
    return events;
  },

  async 'handshakeTimeout against a server that never answers'(lib) {
    const silent = await silentServer();
    const client = new lib.WebSocket(`ws://127.0.0.1:${silent.port}`, { handshakeTimeout: 50 });
    const events: unknown[] = [];
    client.on('error', (error) => events.push(error.message));
    events.push(await closed(client));
    await silent.end();
    return events;
  },

  async 'request options: auth, headers, origin, agent, localAddress, family, finishRequest'(lib) {
    const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(server);
    const accepted = once(server, 'connection');
    const agent = new Agent();
    let agentConnections = 0;
    const agentConnect = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof agentConnect>) => {
      agentConnections++;
      return agentConnect(...args);
    };
    let finishedWith = '';
    const client = new lib.WebSocket(`ws://127.0.0.1:${portOf(server)}`, {
      auth: 'user:secret',
      headers: { 'X-Custom': '1', Cookie: 'a=b' },
      origin: 'https://app.example',
      agent,
      localAddress: '127.0.0.1',
      family: 4,
      finishRequest: (request, websocket) => {
        finishedWith = `${request.constructor.name} ${websocket instanceof lib.WebSocket}`;
        request.setHeader('X-Late', 'yes');
        request.end();
      },
    });
    const [peer, request] = (await within(accepted, 'the connection')) as [WebSocket, IncomingMessage];
    await within(once(client, 'open'), 'the client to open');
    const { authorization, cookie, origin } = request.headers;
    const seen = [authorization, request.headers['x-custom'], request.headers['x-late'], cookie, origin];
    const from = request.socket.remoteAddress;
    client.terminate();
    peer.terminate();
    agent.destroy();
    await closeServer(server);
    return { seen, agentConnections, finishedWith, from };
  },

  async 'createConnection replaces the TCP connect'(lib) {
    const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(server);
    const hosts: string[] = [];
    const client = new lib.WebSocket(`ws://unresolvable.invalid:${portOf(server)}`, {
      createConnection: (options: ClientRequestArgs) => {
        hosts.push(String(options.host));
        return createConnection({ port: Number(options.port), host: '127.0.0.1' });
      },
    });
    await within(once(client, 'open'), 'the client to open');
    client.terminate();
    for (const peer of server.clients) peer.terminate();
    await closeServer(server);
    return hosts;
  },

  async 'the WebSocket option and clientTracking: false'(lib) {
    class Tagged extends lib.WebSocket {
      tag(): string {
        return 'tagged';
      }
    }
    const { peer, end, server } = await openPair(lib, { WebSocket: Tagged, clientTracking: false });
    const result = { tagged: peer instanceof Tagged && (peer as Tagged).tag(), clients: String(server.clients) };
    await end();
    return result;
  },

  async "EADDRINUSE reaches the server's 'error'"(lib) {
    const first = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(first);
    const second = new lib.WebSocketServer({ port: portOf(first), host: '127.0.0.1' });
    const [error] = (await within(once(second, 'error'), "the second server's error")) as [NodeJS.ErrnoException];
    await closeServer(first);
    return error.code;
  },

  async 'the event-target face: duplicates, handleEvent, once, onmessage, CloseEvent'(lib) {
    const { client, peer, server } = await openPair(lib);
    const seen: string[] = [];
    const listener = (event: { type: string; data: unknown }) => seen.push(`listener ${event.type} ${event.data}`);
    client.addEventListener('message', listener);
    client.addEventListener('message', listener);
    client.addEventListener('message', { handleEvent: (event) => seen.push(`object ${event.type}`) });
    client.addEventListener('message', listener, { once: true });
    client.onmessage = (event) => seen.push(`onmessage ${event.constructor.name} ${event.target === client}`);
    peer.send('a');
    await within(once(client, 'message'), 'the message');
    const listeners = [client.listenerCount('message')];
    client.removeEventListener('message', listener);
    listeners.push(client.listenerCount('message'));
    const closeEvent = new Promise<string>((resolve) =>
      client.addEventListener('close', (event) =>
        resolve(`${event.constructor.name} ${event.code} ${event.reason} ${event.wasClean}`),
      ),
    );
    peer.close(4000, 'bye');
    const closing = await within(closeEvent, 'the CloseEvent');
    await closeServer(server);
    return { seen, listeners, closing };
  },

  async 'autoPong: false still emits ping; pong(data) by hand'(lib) {
    const { client, peer, end } = await openPair(lib, {}, { autoPong: false });
    const pongs: string[] = [];
    peer.on('pong', (data) => pongs.push(String(data)));
    const ping = once(client, 'ping');
    peer.ping('x');
    const [data] = (await within(ping, 'the ping')) as [Buffer];
    const pong = once(peer, 'pong');
    client.pong('by hand');
    await within(pong, 'the pong');
    await end();
    return { ping: String(data), pongs };
  },

  async "'headers' may add to the 101; 'upgrade' shows it"(lib) {
    const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(server);
    let lines: string[] = [];
    server.on('headers', (headers) => {
      lines = [...headers];
      headers.push('X-Extra: 1');
    });
    const client = new lib.WebSocket(`ws://127.0.0.1:${portOf(server)}`);
    const upgrade = once(client, 'upgrade');
    await within(once(client, 'open'), 'the client to open');
    const [response] = (await upgrade) as [IncomingMessage];
    client.terminate();
    for (const peer of server.clients) peer.terminate();
    await closeServer(server);
    return { lines: lines.map((line) => line.split(':')[0]), extra: response.headers['x-extra'] };
  },

  async 'allowSynchronousEvents: false, one message per turn'(lib) {
    const { client, peer, end } = await openPair(lib, {}, { allowSynchronousEvents: false });
    const order: string[] = [];
    const third = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        order.push(`message ${data}`);
        queueMicrotask(() => order.push(`microtask ${data}`));
        setImmediate(() => {
          order.push(`immediate ${data}`);
          if (String(data) === '3') resolve();
        });
      }),
    );
    (peer._socket as Socket).cork();
    for (const text of ['1', '2', '3']) peer.send(text);
    (peer._socket as Socket).uncork();
    await within(third, 'the third message');
    await end();
    return order;
  },

  async "a client's closeTimeout against a peer that never answers the close"(lib) {
    const http = await httpServer();
    http.server.on('upgrade', (request, socket: Socket) => {
      http.track(socket);
      const accept = acceptKeyFor(String(request.headers['sec-websocket-key']));
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.resume();
    });
    const client = new lib.WebSocket(`ws://127.0.0.1:${http.port}`, { closeTimeout: 100, perMessageDeflate: false });
    await within(once(client, 'open'), 'the client to open');
    const done = closed(client);
    client.close(1000);
    const result = await done;
    await http.end();
    return result;
  },

  async 'pause() holds messages until resume(); a no-op once closed'(lib) {
    const { client, peer, server } = await openPair(lib);
    const events: unknown[] = [];
    client.pause();
    events.push(client.isPaused);
    client.on('message', (data) => events.push(`message ${data}`));
    // Nothing can show that a message is withheld: give it time to arrive (written, then some turns of
    // the event loop), and see that it comes only after resume().
    await new Promise((resolve) => peer.send('a', resolve));
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    events.push('resume');
    const message = once(client, 'message');
    client.resume();
    events.push(client.isPaused);
    await within(message, 'the held message');
    const done = closed(client);
    client.close();
    await done;
    client.pause();
    events.push(`paused after close: ${client.isPaused}`);
    await closeServer(server);
    return events;
  },

  async 'handleProtocols: false, and a name the client did not offer'(lib) {
    const events: string[] = [];
    for (const handleProtocols of [() => false as const, () => 'unoffered']) {
      const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols });
      await listening(server);
      const client = new lib.WebSocket(`ws://127.0.0.1:${portOf(server)}`, ['chat']);
      client.on('error', (error) => events.push(`error ${error.message}`));
      client.on('open', () => events.push(`open '${client.protocol}'`));
      await closed(client);
      await closeServer(server);
    }
    return events;
  },

  async 'skipUTF8Validation, and maxPayload on the server'(lib) {
    const results: unknown[] = [];
    for (const skip of [false, true]) {
      const { client, peer, end } = await openPair(lib, { skipUTF8Validation: skip });
      const seen: string[] = [];
      peer.on('message', (data, isBinary) => seen.push(`message of ${(data as Buffer).length} bytes, ${isBinary}`));
      peer.on('error', (error) => seen.push((error as Error & { code: string }).code));
      const settled = new Promise((resolve) => {
        peer.once('message', resolve);
        peer.once('close', resolve);
      });
      // A masked text frame whose payload (ff fe) is not UTF-8, written under the client.
      (client._socket as Socket).write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe]));
      await within(settled, 'the message or the close');
      results.push(seen);
      await end();
    }
    const { client, peer, end } = await openPair(lib, { maxPayload: 5 });
    peer.on('error', (error) => results.push((error as Error & { code: string }).code));
    const done = closed(client);
    client.send('123456');
    results.push(await done);
    await end();
    return results;
  },

  async 'ws+unix: client, and address() of a server on a socket file'(lib) {
    const path = join(tmpdir(), `wasmsocket-parity-${process.pid}-${lib === ours ? 'ours' : 'ws'}.sock`);
    const http = createHttpServer();
    const server = new lib.WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(path, resolve));
    const accepted = once(server, 'connection');
    const client = new lib.WebSocket(`ws+unix:${path}:/chat?room=1`);
    await within(once(client, 'open'), 'the client to open');
    const [, request] = (await within(accepted, 'the connection')) as [WebSocket, IncomingMessage];
    const result = { address: server.address() === path, url: request.url };
    client.terminate();
    for (const peer of server.clients) peer.terminate();
    await closeServer(server);
    await closeServer(http);
    return result;
  },

  async 'ping and pong with data and a callback'(lib) {
    const { client, peer, end } = await openPair(lib);
    const events: unknown[] = [];
    peer.on('ping', (data) => events.push(`server got ping ${data}`));
    client.on('pong', (data) => events.push(`client got pong ${data}`));
    client.ping('abc', undefined, (error) => events.push(`ping callback ${error ?? null}`));
    await within(once(client, 'pong'), 'the pong');
    const pong = once(peer, 'pong');
    client.pong(Buffer.from('zz'));
    const [data] = (await within(pong, "the server's pong")) as [Buffer];
    events.push(`server got pong ${data}`);
    await end();
    return events;
  },

  async 'the closing handshake, then a send after close'(lib) {
    const { client, peer, server } = await openPair(lib);
    const both = [closed(peer), closed(client)];
    client.close(4001, 'why');
    const states: unknown[] = [client.readyState, ...(await Promise.all(both)), client.readyState, peer.readyState];
    const late = await new Promise((resolve) => client.send('late', (error) => resolve(error?.message)));
    await closeServer(server);
    return [...states, late, client.bufferedAmount];
  },

  async 'binaryType: fragments, arraybuffer, blob, nodebuffer'(lib) {
    const { client, peer, end } = await openPair(lib);
    const seen: unknown[] = [];
    client.binaryType = 'fragments';
    peer.send(Buffer.from('ab'), { fin: false });
    peer.send(Buffer.from('cd'), { fin: true });
    const [fragments, isBinary] = (await within(once(client, 'message'), 'the fragmented message')) as [
      Buffer[],
      boolean,
    ];
    seen.push(Array.isArray(fragments), Buffer.concat(fragments).toString(), isBinary);
    for (const type of ['arraybuffer', 'blob', 'nodebuffer', 'not a type'] as const) {
      client.binaryType = type as WebSocket['binaryType'];
      peer.send(Buffer.from('x'));
      const [data] = (await within(once(client, 'message'), 'the binary message')) as [object];
      seen.push(`${client.binaryType}: ${data.constructor.name}`);
    }
    peer.send('text');
    const [text] = (await within(once(client, 'message'), 'the text message')) as [object];
    seen.push(`text: ${text.constructor.name}`);
    await end();
    return seen;
  },

  async 'TLS options: rejectUnauthorized, ca, checkServerIdentity'(lib) {
    const https = createHttpsServer({ key: TLS_KEY, cert: TLS_CERT });
    const server = new lib.WebSocketServer({ server: https });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const url = `wss://localhost:${portOf(https)}`;
    const attempt = async (options: object) => {
      const client = new lib.WebSocket(url, options);
      const result = await within(
        new Promise<string>((resolve) => {
          client.on('open', () => resolve('open'));
          client.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
        }),
        'the TLS client to open or fail',
      );
      client.terminate();
      return result;
    };
    let identityChecks = 0;
    const results = [
      await attempt({}),
      await attempt({ rejectUnauthorized: false }),
      await attempt({ ca: TLS_CERT }),
      await attempt({
        ca: TLS_CERT,
        checkServerIdentity: () => {
          identityChecks++;
          return new Error('not this one');
        },
      }),
      identityChecks,
    ];
    for (const peer of server.clients) peer.terminate();
    await closeServer(server);
    https.closeAllConnections();
    await closeServer(https);
    return results;
  },
};

describe('docs/ws-compat.md "same" rows: one scenario, ws and ours, the same outcome', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const theirs = await scenario(LIBRARIES.ws);
      const mine = await scenario(LIBRARIES.ours);
      expect(mine).toEqual(theirs);
    });
  }
});
