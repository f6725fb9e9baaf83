// wasmsocket:websocket:backpressure (src/node/diagnostics.ts): a send refused because it would take what
// waits to be written past maxBackpressure is published with the WebSocket, its bufferedAmount at that
// moment, the limit and the policy; under 'close' the peer then gets 1008, under 'refuse' the connection
// stays open. Client and server, HTTP/1.1 and HTTP/2 (RFC 8441), on real sockets on 127.0.0.1. Also:
// with no subscriber, the publish functions build no message at all.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from '../../src/index.ts';
import type { DiagnosticsBackpressureMessage } from '../../src/index.ts';
import { DIAGNOSTICS_CHANNEL, publishBackpressure, publishOpen, publishPing } from '../../src/node/diagnostics.ts';
import { nextEvent } from '../support/waits.ts';
import {
  about,
  connectPair,
  deferCleanup,
  record,
  runCleanups,
  TRANSPORTS,
  type Transport,
} from './diagnostics-support.ts';

afterEach(runCleanups);

const LIMIT = 1024;

describe.each<Transport>(TRANSPORTS)('over %s', (transport) => {
  describe.each(['server', 'client'] as const)('on the %s', (side) => {
    it.each(['close', 'refuse'] as const)('policy %s: the refused send is published, once', async (policy) => {
      // What bufferedAmount said when the message was published, read by the subscriber itself.
      const seen: Array<{ message: DiagnosticsBackpressureMessage; bufferedAmountThen: number }> = [];
      const onMessage = (message: unknown) => {
        const typed = message as DiagnosticsBackpressureMessage;
        seen.push({ message: typed, bufferedAmountThen: typed.websocket.bufferedAmount });
      };
      subscribe(DIAGNOSTICS_CHANNEL.BACKPRESSURE, onMessage);
      deferCleanup(() => unsubscribe(DIAGNOSTICS_CHANNEL.BACKPRESSURE, onMessage));
      const limits = { maxBackpressure: LIMIT, backpressurePolicy: policy };
      const pair = await connectPair(transport, side === 'server' ? { server: limits } : { client: limits });
      const [sender, peer] = side === 'server' ? [pair.server, pair.client] : [pair.client, pair.server];
      const failed = new Promise<Error | null | undefined>((resolve) => sender.send(Buffer.alloc(4 * LIMIT), resolve));
      expect(((await failed) as Error & { code?: string }).code).toBe('WS_ERR_BACKPRESSURE');
      const ours = seen.filter(({ message }) => message.websocket === sender);
      expect(ours).toHaveLength(1);
      const { message, bufferedAmountThen } = ours[0];
      expect(message).toEqual({
        websocket: sender,
        bufferedAmount: bufferedAmountThen,
        maxBackpressure: LIMIT,
        policy,
      });
      if (policy === 'close') {
        const [code] = await nextEvent<[number]>(peer, 'close');
        expect(code).toBe(1008);
      } else {
        // The connection stays: a small message still goes through.
        const echoed = nextEvent<[Buffer]>(peer, 'message');
        sender.send('still here');
        expect(String((await echoed)[0])).toBe('still here');
      }
    });
  });
});

describe('with nobody subscribed', () => {
  it('a publish builds no message: not one field of the WebSocket is read', () => {
    let reads = 0;
    const counting = new Proxy(
      {},
      {
        get() {
          reads++;
          return '';
        },
      },
    ) as unknown as WebSocket;
    publishOpen(counting, 'server', '/', counting as never, '1.1');
    publishBackpressure(counting, LIMIT, 'close');
    expect(reads).toBe(0);
    // Subscribed, the same calls read the WebSocket's fields for their messages.
    const opened = record('wasmsocket:websocket:open');
    const refused = record('wasmsocket:websocket:backpressure');
    publishOpen(counting, 'server', '/', counting as never, '1.1');
    publishBackpressure(counting, LIMIT, 'close');
    expect(reads).toBeGreaterThan(0);
    expect(opened).toHaveLength(1);
    expect(refused).toHaveLength(1);
  });

  it('a subscriber that unsubscribed hears nothing more', async () => {
    const heard: unknown[] = [];
    const onPing = (message: unknown) => heard.push(message);
    subscribe(DIAGNOSTICS_CHANNEL.PING, onPing);
    const { client, server } = await connectPair('HTTP/1.1');
    const first = nextEvent(server, 'ping');
    client.ping('one');
    await first;
    unsubscribe(DIAGNOSTICS_CHANNEL.PING, onPing);
    const second = nextEvent(server, 'ping');
    client.ping('two');
    await second;
    expect(about(heard as Array<{ websocket: unknown }>, server)).toEqual([
      { websocket: server, payload: Buffer.from('one') },
    ]);
    // And a direct publish with nobody listening reaches nobody.
    publishPing(server, Buffer.from('three'));
    expect(heard).toHaveLength(1);
  });
});
