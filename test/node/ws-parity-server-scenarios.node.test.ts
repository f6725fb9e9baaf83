// docs/ws-compat.md's "same" rows for the server and the wire, run: each scenario is written once and
// run with the ws package and with ours over 127.0.0.1 (test/support/side-by-side.ts); what it saw must
// be the same. The client's side: ws-parity-scenarios.node.test.ts.

import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wsModule from 'ws';
import type { WebSocket } from '../../src/index.ts';
import * as ours from '../../src/index.ts';
import { openRawClient } from '../support/raw-peer.ts';
import {
  closed,
  closeServer,
  httpServer,
  listening,
  openPair,
  outcomeOf,
  portOf,
  type Scenario,
  sideBySide,
} from '../support/side-by-side.ts';
import { within } from '../support/waits.ts';

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

const scenarios: Record<string, Scenario> = {
  async "refused upgrades: which reach 'wsClientError' (answered by the listener), which are answered at once"(lib) {
    const server = new lib.WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      path: '/',
      perMessageDeflate: true,
      verifyClient: (info: { req: IncomingMessage }) => info.req.headers['x-deny'] === undefined,
    });
    await listening(server);
    let reported: string | null = null;
    server.on('wsClientError', (error, socket) => {
      reported = `${error.constructor.name}: ${error.message}`;
      socket.end('HTTP/1.1 499 From The Listener\r\nConnection: close\r\n\r\n');
    });
    const requests: Array<[string, Record<string, string>, string]> = [
      ['POST', {}, '/'],
      ['GET', { Upgrade: 'h2c' }, '/'],
      ['GET', { 'Sec-WebSocket-Key': 'short' }, '/'],
      ['GET', { 'Sec-WebSocket-Version': '7' }, '/'],
      ['GET', { 'Sec-WebSocket-Protocol': 'a b' }, '/'],
      ['GET', { 'Sec-WebSocket-Extensions': 'x;;' }, '/'],
      ['GET', {}, '/other'],
      ['GET', { 'X-Deny': '1' }, '/'],
      ['GET', { Connection: 'keep-alive' }, '/'],
    ];
    const answers: string[] = [];
    for (const [method, fields, path] of requests) {
      reported = null;
      const socket = createConnection({ port: portOf(server), host: '127.0.0.1' });
      let answer = '';
      socket.setEncoding('latin1');
      // The head is all this needs (a 426 to plain HTTP keeps the connection alive).
      const answered = new Promise<void>((resolve) =>
        socket.on('data', (chunk: string) => {
          answer += chunk;
          if (answer.includes('\r\n\r\n')) resolve();
        }),
      );
      const head = {
        Host: '127.0.0.1',
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version': '13',
        ...fields,
      };
      const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}`);
      socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      await within(answered, `the answer to ${method} ${JSON.stringify(fields)} ${path}`);
      socket.destroy();
      answers.push(`${answer.slice(0, answer.indexOf('\r\n'))} | ${reported}`);
    }
    await closeServer(server);
    return answers;
  },

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
};

sideBySide('docs/ws-compat.md "same" rows, server and wire: ws and ours, the same outcome', scenarios);
