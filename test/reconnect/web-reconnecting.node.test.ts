// ReconnectingWebSocket from 'wasmsocket/web' in Node (the entry the "node" condition picks, connecting
// through net), over real sockets on 127.0.0.1: the scenarios Deno runs too (web-scenarios.ts), a server
// killed and started again on the same port, connectTimeoutMs, the standard's checks, and binaryType.

import { afterEach, describe, expect, it } from 'vitest';
import { ReconnectingWebSocket } from '../../src/node/web-connector.ts';
import { within } from '../support/waits.ts';
import { deadPort, startRecordingServer, startSilentServer } from './servers.ts';
import { dropAndQueue, EXPECTED, giveUpWithBackoff, queueBound, refusedHandshake } from './web-scenarios.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track<T extends { close(): unknown }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

function next(target: EventTarget, type: string): Promise<Event> {
  return within(
    new Promise<Event>((resolve) => target.addEventListener(type, resolve, { once: true })),
    `a ${type} event`,
  );
}

describe('the scenarios Deno runs too', () => {
  it('a dropped connection: the messages queued meanwhile arrive once, in order, before later ones', async () => {
    const server = track(
      await startRecordingServer({
        dropAfter: (text) => text === 'first',
        refuse: (handshake) => (handshake === 1 || handshake === 2 ? 503 : undefined),
        reply: (text) => (text === 'after' ? 'done' : undefined),
      }),
    );
    expect(await dropAndQueue(ReconnectingWebSocket, server.url)).toEqual(EXPECTED.drop);
    expect(server.received.map((message) => message.text)).toEqual(EXPECTED.dropServerReceived);
  });

  it('backoff delays grow to maxDelayMs, and it gives up after maxRetries', async () => {
    const report = await giveUpWithBackoff(ReconnectingWebSocket, `ws://127.0.0.1:${await deadPort()}/`);
    expect(report).toEqual(EXPECTED.backoff);
  });

  it('maxQueuedBytes: a QuotaExceededError beyond it; close() reports the unsent messages in an error event', async () => {
    const report = await queueBound(ReconnectingWebSocket, `ws://127.0.0.1:${await deadPort()}/`);
    expect(report).toEqual(EXPECTED.queue);
  });

  it('a 401 is not visible to it (the standard hides it): it retries until maxRetries', async () => {
    const server = track(await startRecordingServer({ refuse: () => 401 }));
    expect(await refusedHandshake(ReconnectingWebSocket, server.url)).toEqual(EXPECTED.refused);
    expect(server.handshakes).toBe(EXPECTED.refusedServerHandshakes);
  });
});

describe('a server killed and started again on the same port', () => {
  it('reconnects with the same protocols and options; queued messages arrive once, in order', async () => {
    const server = track(await startRecordingServer({ reply: (text) => `echo:${text}` }));
    const rws = new ReconnectingWebSocket(server.url, ['chat'], {
      minDelayMs: 20,
      maxDelayMs: 100,
      headers: { 'x-session': 'abc' },
    });
    cleanups.push(() => rws.close());
    const reconnecting: number[] = [];
    rws.addEventListener('reconnecting', (event) => reconnecting.push(event.attempt));
    await next(rws, 'open');
    expect(rws.protocol).toBe('chat');
    rws.send('a');
    await server.receivedCount(1);

    const dropped = next(rws, 'reconnecting');
    await server.kill();
    await dropped;
    await next(rws, 'reconnecting'); // a retry failed while nothing listens
    expect(rws.readyState).toBe(ReconnectingWebSocket.CONNECTING);
    const bytes = new Uint8Array([1, 2, 3]);
    rws.send('q1');
    rws.send(bytes);
    bytes[0] = 9; // queued as a copy
    rws.send('q3');
    expect(rws.bufferedAmount).toBe(7);

    await server.restart();
    await next(rws, 'open');
    rws.send('after');
    await server.receivedCount(5);
    expect(server.received.map((message) => [message.text, message.isBinary])).toEqual([
      ['a', false],
      ['q1', false],
      [Buffer.from([1, 2, 3]).toString(), true],
      ['q3', false],
      ['after', false],
    ]);
    expect(server.connections.map((connection) => [connection.protocol, connection.headers['x-session']])).toEqual([
      ['chat', 'abc'],
      ['chat', 'abc'],
    ]);
    expect(reconnecting.slice(0, 2)).toEqual([1, 2]);
    const closed = next(rws, 'close');
    rws.close(1000, 'done');
    expect((await closed) as Event & { code: number }).toMatchObject({ code: 1000, reason: 'done', wasClean: true });
  });
});

describe('connectTimeoutMs', () => {
  it('abandons an upgrade that is never answered and closes the socket', async () => {
    const silent = track(await startSilentServer());
    const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${silent.port}/`, undefined, {
      connectTimeoutMs: 150,
      minDelayMs: 5,
      maxRetries: 1,
    });
    const errors: unknown[] = [];
    rws.addEventListener('error', (event) => errors.push((event as Event & { error?: { code?: string } }).error?.code));
    const closed = (await next(rws, 'close')) as Event & { code: number };
    expect(closed.code).toBe(1006);
    expect(errors).toEqual(['WS_ERR_CONNECT_TIMEOUT', 'WS_ERR_CONNECT_TIMEOUT']);
    expect(silent.accepted).toBe(2);
    await silent.closedCount(2);
  });
});

describe('the WHATWG face', () => {
  it('binaryType applies to every connection; onmessage, onopen; message data as ArrayBuffer', async () => {
    const server = track(await startRecordingServer());
    const rws = new ReconnectingWebSocket(server.url);
    cleanups.push(() => rws.close());
    rws.binaryType = 'arraybuffer';
    // @ts-expect-error not a binaryType: ignored, as WebIDL says
    rws.binaryType = 'nodebuffer';
    expect(rws.binaryType).toBe('arraybuffer');
    const opened = new Promise<void>((resolve) => {
      rws.onopen = () => resolve();
    });
    await within(opened, 'onopen');
    expect(rws.readyState).toBe(ReconnectingWebSocket.OPEN);
    expect(rws.url).toBe(server.url);
    expect(rws.extensions).toBe('');
  });

  it('checks close() as the standard does, and its options and URL in the constructor', async () => {
    const server = track(await startRecordingServer());
    const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${await deadPort()}/`);
    cleanups.push(() => rws.close());
    expect(() => rws.close(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => rws.close(1000, 'x'.repeat(124))).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new ReconnectingWebSocket(server.url, undefined, { factor: Number.NaN })).toThrow(
      new RangeError('factor must be a finite number >= 1, got NaN'),
    );
    expect(() => new ReconnectingWebSocket(server.url, undefined, { timers: null as never })).toThrow(TypeError);
    expect(() => new ReconnectingWebSocket(server.url, undefined, { handshakeTimeout: 0 })).toThrow(RangeError);
    expect(() => new ReconnectingWebSocket('http://[oops')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.handshakes).toBe(0);
  });
});
