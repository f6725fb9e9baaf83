// The diagnostics channels of what happens on an open connection (src/node/diagnostics.ts): received
// pings and pongs (wasmsocket:websocket:ping and :pong, with the payload; what a side sends itself is not
// published), and errors (wasmsocket:websocket:error): a protocol error with the close code the peer is
// sent, and a socket or stream that fails under the connection. Client and server, HTTP/1.1 and HTTP/2
// (RFC 8441), on real sockets on 127.0.0.1.

import { type Http2Stream, constants as http2Constants } from 'node:http2';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from '../../src/index.ts';
import { nextEvent, until } from '../support/waits.ts';
import { about, closed, connectPair, record, runCleanups, TRANSPORTS, type Transport } from './diagnostics-support.ts';

afterEach(runCleanups);

/** Fails the transport under `ws` from the far side: a TCP reset, or RST_STREAM(INTERNAL_ERROR) over HTTP/2. */
function resetFromPeer(transport: Transport, peer: WebSocket): void {
  if (transport === 'HTTP/1.1') (peer._socket as Socket).resetAndDestroy();
  else (peer._socket as unknown as Http2Stream).close(http2Constants.NGHTTP2_INTERNAL_ERROR);
}

describe.each<Transport>(TRANSPORTS)('over %s', (transport) => {
  it('ping and pong: each side publishes what it received, with the payload, and not what it sent', async () => {
    const pings = record('wasmsocket:websocket:ping');
    const pongs = record('wasmsocket:websocket:pong');
    const { client, server } = await connectPair(transport);
    const serverGotPing = nextEvent<[Buffer]>(server, 'ping');
    const clientGotPong = nextEvent<[Buffer]>(client, 'pong');
    client.ping('from client');
    const [pingEventPayload] = await serverGotPing;
    await clientGotPong;
    const clientGotPing = nextEvent(client, 'ping');
    const serverGotPong = nextEvent(server, 'pong');
    server.ping(Buffer.from([0, 1, 2, 250]));
    await Promise.all([clientGotPing, serverGotPong]);
    expect(about(pings, client, server)).toEqual([
      { websocket: server, payload: Buffer.from('from client') },
      { websocket: client, payload: Buffer.from([0, 1, 2, 250]) },
    ]);
    // The automatic pongs, received by the side that pinged.
    expect(about(pongs, client, server)).toEqual([
      { websocket: client, payload: Buffer.from('from client') },
      { websocket: server, payload: Buffer.from([0, 1, 2, 250]) },
    ]);
    // The same Buffer the 'ping' event got.
    expect(about(pings, server)[0].payload).toBe(pingEventPayload);
  });

  it('an unsolicited pong and an empty ping are published too', async () => {
    const pings = record('wasmsocket:websocket:ping');
    const pongs = record('wasmsocket:websocket:pong');
    const { client, server } = await connectPair(transport);
    const serverGotPong = nextEvent(server, 'pong');
    client.pong('heartbeat');
    await serverGotPong;
    const serverGotPing = nextEvent(server, 'ping');
    client.ping();
    await serverGotPing;
    expect(about(pongs, server)).toEqual([{ websocket: server, payload: Buffer.from('heartbeat') }]);
    expect(about(pings, server)).toEqual([{ websocket: server, payload: Buffer.alloc(0) }]);
  });

  it('subscribing while a connection is open brings the pings from then on', async () => {
    const { client, server } = await connectPair(transport);
    const first = nextEvent(server, 'ping');
    client.ping('before');
    await first;
    const pings = record('wasmsocket:websocket:ping');
    const second = nextEvent(server, 'ping');
    client.ping('after');
    await second;
    expect(about(pings, client, server)).toEqual([{ websocket: server, payload: Buffer.from('after') }]);
  });

  it.each(['server', 'client'] as const)(
    'a protocol error on the %s: published once, with the close code the peer is sent',
    async (side) => {
      const errors = record('wasmsocket:websocket:error');
      const limited = { maxPayload: 16 };
      const pair = await connectPair(transport, side === 'server' ? { server: limited } : { client: limited });
      const [failing, sender] = side === 'server' ? [pair.server, pair.client] : [pair.client, pair.server];
      const emitted = nextEvent<[Error]>(failing, 'error');
      const peerClosed = nextEvent<[number]>(sender, 'close');
      sender.send(Buffer.alloc(100));
      const [error] = await emitted;
      // RFC 6455 section 7.4.1: 1009 for a message too big to process.
      const [peerCode] = await peerClosed;
      expect(peerCode).toBe(1009);
      await closed(failing);
      const published = about(errors, pair.client, pair.server);
      expect(published).toHaveLength(1);
      expect(published[0].websocket).toBe(failing);
      // The very error the 'error' event got, with its close code and stable code.
      expect(published[0].error).toBe(error);
      expect(published[0].error.closeCode).toBe(1009);
      expect(published[0].error.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    },
  );

  it.each(['server', 'client'] as const)(
    'a transport failing under the %s: the socket or stream error is published, then close with 1006',
    async (side) => {
      const errors = record('wasmsocket:websocket:error');
      const closes = record('wasmsocket:websocket:close');
      const pair = await connectPair(transport);
      const [failing, peer] = side === 'server' ? [pair.server, pair.client] : [pair.client, pair.server];
      const failingClosed = closed(failing);
      resetFromPeer(transport, peer);
      await failingClosed;
      await until(() => about(errors, failing).length > 0, 'the error message');
      const published = about(errors, failing);
      expect(published).toHaveLength(1);
      expect(published[0].error).toBeInstanceOf(Error);
      expect(published[0].error.code).toBe(transport === 'HTTP/1.1' ? 'ECONNRESET' : 'ERR_HTTP2_STREAM_ERROR');
      // ws reports no 'error' event for a dropped socket; the close says 1006.
      expect(about(closes, failing)).toEqual([{ websocket: failing, code: 1006, reason: '', wasClean: false }]);
    },
  );
});
