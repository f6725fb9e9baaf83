// The diagnostics channels of a connection's life (src/node/diagnostics.ts, docs/diagnostics.md):
// wasmsocket:websocket:open and :close, for the client and the server, over HTTP/1.1 and HTTP/2 (RFC
// 8441), on real sockets on 127.0.0.1. Each message is checked field by field against what the
// WebSocket itself reports; a connection gets one open and one close, subscribing while it is open still
// brings its close, and a client whose handshake failed (it never opened) publishes neither.

import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type DiagnosticsOpenMessage } from '../../src/index.ts';
import { until, within } from '../support/waits.ts';
import {
  about,
  closed,
  connectPair,
  deferCleanup,
  record,
  runCleanups,
  startServer,
  TRANSPORTS,
  type Transport,
} from './diagnostics-support.ts';

afterEach(runCleanups);

describe.each<Transport>(TRANSPORTS)('over %s', (transport) => {
  const httpVersion = transport === 'HTTP/1.1' ? '1.1' : '2';

  it('open: one message per side, with its role, URL, subprotocol, extensions and address', async () => {
    const opened = record('wasmsocket:websocket:open');
    const { client, server, url } = await connectPair(transport, {
      path: '/chat?room=1',
      protocols: ['v2.chat', 'v1.chat'],
      server: { perMessageDeflate: true },
    });
    await until(() => about(opened, client, server).length === 2, 'both open messages');
    const fromServer = opened.find((message) => message.role === 'server');
    const fromClient = opened.find((message) => message.role === 'client');
    expect(fromServer?.websocket).toBe(server);
    expect(fromClient?.websocket).toBe(client);
    expect({ ...fromServer, websocket: undefined }).toEqual({
      websocket: undefined,
      role: 'server',
      url: '/chat?room=1',
      protocol: 'v2.chat',
      extensions: server.extensions,
      remoteAddress: '127.0.0.1',
      httpVersion,
    });
    expect({ ...fromClient, websocket: undefined }).toEqual({
      websocket: undefined,
      role: 'client',
      url,
      protocol: 'v2.chat',
      extensions: client.extensions,
      remoteAddress: '127.0.0.1',
      httpVersion,
    });
    // permessage-deflate was agreed on (RFC 7692), and the message names it as the WebSocket does.
    expect(fromServer?.extensions).toMatch(/^permessage-deflate/);
    expect(fromClient?.extensions).toMatch(/^permessage-deflate/);
  });

  it('open is published once the WebSocket is OPEN, before the application hears of it', async () => {
    const { wss, url, clientOptions } = await startServer(transport);
    let connectionEmitted = false;
    let openEmitted = false;
    wss.on('connection', () => {
      connectionEmitted = true;
    });
    const atPublish: Array<{ role: string; readyState: number; alreadyTold: boolean }> = [];
    const onOpen = (message: unknown) => {
      const { role, websocket } = message as DiagnosticsOpenMessage;
      const alreadyTold = role === 'server' ? connectionEmitted : openEmitted;
      atPublish.push({ role, readyState: websocket.readyState, alreadyTold });
    };
    subscribe('wasmsocket:websocket:open', onOpen);
    deferCleanup(() => unsubscribe('wasmsocket:websocket:open', onOpen));
    const client = new WebSocket(`${url}/`, clientOptions);
    deferCleanup(() => client.terminate());
    client.once('open', () => {
      openEmitted = true;
    });
    await until(() => openEmitted && connectionEmitted, "the client's 'open' and the server's 'connection'");
    // Only this test's server and client are opening now: the channel carries nothing else.
    expect(atPublish).toEqual(
      expect.arrayContaining([
        { role: 'server', readyState: WebSocket.OPEN, alreadyTold: false },
        { role: 'client', readyState: WebSocket.OPEN, alreadyTold: false },
      ]),
    );
    expect(atPublish).toHaveLength(2);
  });

  it('close: a clean close on both sides, with the code, the reason as text, and wasClean', async () => {
    const closes = record('wasmsocket:websocket:close');
    const { client, server } = await connectPair(transport);
    const clientClose = closed(client);
    const serverClose = closed(server);
    client.close(4001, 'done here ✓');
    await Promise.all([clientClose, serverClose]);
    expect(about(closes, client, server)).toHaveLength(2);
    const ofServer = closes.find((message) => message.websocket === server);
    const ofClient = closes.find((message) => message.websocket === client);
    // Each side reports what its 'close' event reports: the code and reason of the peer's close frame.
    expect(ofServer).toEqual({ websocket: server, code: 4001, reason: 'done here ✓', wasClean: true });
    expect(ofClient).toEqual({ websocket: client, code: 4001, reason: 'done here ✓', wasClean: true });
  });

  it('close: an abrupt end is 1006, not clean, and published once per side', async () => {
    const closes = record('wasmsocket:websocket:close');
    const { client, server } = await connectPair(transport);
    const both = Promise.all([closed(client), closed(server)]);
    client.terminate();
    await both;
    expect(about(closes, client, server)).toEqual(
      expect.arrayContaining([
        { websocket: client, code: 1006, reason: '', wasClean: false },
        { websocket: server, code: 1006, reason: '', wasClean: false },
      ]),
    );
    expect(about(closes, client, server)).toHaveLength(2);
  });

  it('subscribing while a connection is open still brings its close (and nothing from before)', async () => {
    const { client, server } = await connectPair(transport);
    const opened = record('wasmsocket:websocket:open');
    const closes = record('wasmsocket:websocket:close');
    const both = Promise.all([closed(client), closed(server)]);
    server.close(1001, 'going away');
    await both;
    expect(about(opened, client, server)).toEqual([]);
    expect(
      about(closes, client, server).map(({ websocket, code, wasClean }) => ({
        side: websocket === server,
        code,
        wasClean,
      })),
    ).toEqual(
      expect.arrayContaining([
        { side: true, code: 1001, wasClean: true },
        { side: false, code: 1001, wasClean: true },
      ]),
    );
    expect(about(closes, client, server)).toHaveLength(2);
  });

  it('a client whose handshake was refused publishes neither open nor close', async () => {
    const opened = record('wasmsocket:websocket:open');
    const closes = record('wasmsocket:websocket:close');
    const { url, clientOptions } = await startServer(transport, { verifyClient: () => false });
    const ws = new WebSocket(`${url}/`, clientOptions);
    ws.on('error', () => {});
    await closed(ws);
    expect(about(opened, ws)).toEqual([]);
    expect(about(closes, ws)).toEqual([]);
    // The refusal itself is the server's to publish (wasmsocket:server:refused, its own test file).
  });
});

describe("ws's setSocket (a socket upgraded by the application itself)", () => {
  it('publishes open and then close, as a connection the server accepted does', async () => {
    const opened = record('wasmsocket:websocket:open');
    const closes = record('wasmsocket:websocket:close');
    const server = createServer();
    deferCleanup(() => new Promise((resolve) => server.close(resolve)));
    const adopted = new Promise<WebSocket>((resolve) =>
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        const accept = createHash('sha1')
          .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        const ws = new WebSocket(null);
        ws.setSocket(socket, head, {});
        resolve(ws);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    deferCleanup(() => client.terminate());
    const serverSide = await within(adopted, 'the upgrade');
    await until(() => about(opened, serverSide, client).length === 2, 'both open messages');
    expect(about(opened, serverSide)).toEqual([
      expect.objectContaining({ websocket: serverSide, role: 'server', remoteAddress: '127.0.0.1' }),
    ]);
    const both = Promise.all([closed(client), closed(serverSide)]);
    client.close(1000);
    await both;
    expect(about(closes, serverSide)).toEqual([{ websocket: serverSide, code: 1000, reason: '', wasClean: true }]);
  });
});
