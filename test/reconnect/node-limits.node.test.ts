// ReconnectingWebSocket from 'wasmsocket': the backoff's delays (injected random and timers), maxRetries,
// connectTimeoutMs against a server that accepts TCP and never answers the upgrade, maxQueuedBytes,
// close() at each stage, the options' checks, and the browser-style face. Real sockets on 127.0.0.1.

import { describe, expect, it } from 'vitest';
import { ReconnectingWebSocket } from '../../src/index.ts';
import { backoffCap } from '../../src/web/reconnect-backoff.ts';
import { until, within } from '../support/waits.ts';
import { cleanupsAfterEach, recordEvents } from './node-events.ts';
import { deadPort, startRecordingServer, startSilentServer } from './servers.ts';

const { track, client } = cleanupsAfterEach();

const delaysOf = (events: ReturnType<typeof recordEvents>) =>
  events.of('reconnecting').map(([details]) => details as { attempt: number; delayMs: number });

describe('backoff', () => {
  it('with random() = 1 each delay is its cap: minDelayMs × factor^(attempt − 1), up to maxDelayMs', async () => {
    const url = `ws://127.0.0.1:${await deadPort()}/`;
    const events = recordEvents(
      client(url, undefined, { minDelayMs: 10, factor: 2, maxDelayMs: 50, maxRetries: 6, random: () => 1 }),
    );
    await events.reached('close', 1);
    expect(delaysOf(events)).toEqual([
      { attempt: 1, delayMs: 10 },
      { attempt: 2, delayMs: 20 },
      { attempt: 3, delayMs: 40 },
      { attempt: 4, delayMs: 50 },
      { attempt: 5, delayMs: 50 },
      { attempt: 6, delayMs: 50 },
    ]);
  });

  it('draws each delay from [0, cap] (full jitter): floor(random × cap), with the random source given', async () => {
    const url = `ws://127.0.0.1:${await deadPort()}/`;
    const draws = [0.5, 0.25, 0, 0.999, 0.1];
    const events = recordEvents(
      client(url, undefined, {
        minDelayMs: 8,
        factor: 3,
        maxDelayMs: 100,
        maxRetries: 5,
        random: () => draws.shift() ?? 0,
      }),
    );
    await events.reached('close', 1);
    expect(delaysOf(events).map((details) => details.delayMs)).toEqual([4, 6, 0, 99, 10]);
  });

  it('with Math.random, delays stay within their growing caps', async () => {
    const url = `ws://127.0.0.1:${await deadPort()}/`;
    const settings = { minDelayMs: 4, factor: 1.5, maxDelayMs: 30 };
    const events = recordEvents(client(url, undefined, { ...settings, maxRetries: 10 }));
    await events.reached('close', 1);
    const delays = delaysOf(events);
    expect(delays).toHaveLength(10);
    for (const { attempt, delayMs } of delays) {
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThanOrEqual(backoffCap(attempt, settings));
      expect(Number.isInteger(delayMs)).toBe(true);
    }
    expect(backoffCap(10, settings)).toBe(30);
  });

  it('schedules through the injected timers: a minute of backoff passes at once', async () => {
    const url = `ws://127.0.0.1:${await deadPort()}/`;
    const asked: number[] = [];
    const timers = {
      setTimeout: (callback: () => void, delayMs: number) => {
        asked.push(delayMs);
        return setTimeout(callback, 0);
      },
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const events = recordEvents(
      client(url, undefined, { minDelayMs: 60_000, maxDelayMs: 60_000, maxRetries: 3, random: () => 1, timers }),
    );
    await events.reached('close', 1);
    expect(delaysOf(events).map((details) => details.delayMs)).toEqual([60_000, 60_000, 60_000]);
    // Each attempt's connect timer (10 s by default) and each backoff went through them.
    expect(asked.filter((delay) => delay === 60_000)).toHaveLength(3);
    expect(asked.filter((delay) => delay === 10_000)).toHaveLength(4);
  });
});

describe('maxRetries', () => {
  it('makes 1 + maxRetries attempts against a server that keeps answering 503, then closes', async () => {
    const server = track(await startRecordingServer({ refuse: () => 503 }));
    const events = recordEvents(client(server.url, undefined, { minDelayMs: 5, maxDelayMs: 10, maxRetries: 3 }));
    await events.reached('close', 1);
    expect(server.handshakes).toBe(4);
    expect(events.count('reconnecting')).toBe(3);
    expect(events.of('close')[0][0]).toBe(1006);
  });

  it('0: the first failure ends it', async () => {
    const server = track(await startRecordingServer({ refuse: () => 503 }));
    const events = recordEvents(client(server.url, undefined, { minDelayMs: 5, maxRetries: 0 }));
    await events.reached('close', 1);
    expect(server.handshakes).toBe(1);
    expect(events.count('reconnecting')).toBe(0);
  });

  it('counts failures since the last open: a connection that opened starts the count again', async () => {
    const refused = new Set([0, 1, 3]);
    const server = track(await startRecordingServer({ refuse: (n) => (refused.has(n) ? 503 : undefined) }));
    const rws = client(server.url, undefined, {
      minDelayMs: 5,
      factor: 2,
      maxDelayMs: 10,
      maxRetries: 2,
      random: () => 1,
    });
    const events = recordEvents(rws);
    await events.reached('open', 1);
    server.closeConnections(1001);
    await events.reached('open', 2);
    // Two failures before the first open and two after it: without the reset, maxRetries 2 would
    // have ended it at the drop.
    expect(server.handshakes).toBe(5);
    expect(delaysOf(events)).toEqual([
      { attempt: 1, delayMs: 5 },
      { attempt: 2, delayMs: 10 },
      { attempt: 1, delayMs: 5 },
      { attempt: 2, delayMs: 10 },
    ]);
    expect(events.count('close')).toBe(0);
  });
});

describe('connectTimeoutMs', () => {
  it('abandons an upgrade that is never answered, each attempt, and closes every such socket', async () => {
    const silent = track(await startSilentServer());
    const events = recordEvents(
      client(`ws://127.0.0.1:${silent.port}/`, undefined, { connectTimeoutMs: 150, minDelayMs: 5, maxRetries: 1 }),
    );
    await events.reached('close', 1);
    const errors = events.of('error').map(([error]) => error as Error & { code?: string });
    expect(errors.map((error) => error.code)).toEqual(['WS_ERR_CONNECT_TIMEOUT', 'WS_ERR_CONNECT_TIMEOUT']);
    expect(errors[0].message).toBe('The connection did not open within connectTimeoutMs (150 ms)');
    expect(events.count('reconnecting')).toBe(1);
    expect(silent.accepted).toBe(2);
    await silent.closedCount(2);
  });
});

describe('the send queue', () => {
  it('queues up to maxQueuedBytes and refuses beyond with a clear error, queueing nothing of it', async () => {
    const url = `ws://127.0.0.1:${await deadPort()}/`;
    const rws = client(url, undefined, { maxQueuedBytes: 10, minDelayMs: 60_000, random: () => 1 });
    expect(rws.send('12345')).toBe(true);
    expect(rws.send(Buffer.from('abcd'))).toBe(true);
    let refused: (Error & { code?: string }) | undefined;
    try {
      rws.send('xy');
    } catch (error) {
      refused = error as Error & { code?: string };
    }
    expect(refused?.code).toBe('WS_ERR_RECONNECT_QUEUE_FULL');
    expect(refused?.message).toBe(
      'ReconnectingWebSocket: a message of 2 bytes would take the queue of messages waiting for a connection ' +
        '(9 bytes) past maxQueuedBytes (10); it was not queued',
    );
    expect(rws.bufferedAmount).toBe(9);
    expect(rws.send('z')).toBe(true);
    expect(rws.bufferedAmount).toBe(10);
  });

  it('maxQueuedBytes 0 refuses every send made while disconnected', async () => {
    const rws = client(`ws://127.0.0.1:${await deadPort()}/`, undefined, { maxQueuedBytes: 0 });
    expect(() => rws.send('a')).toThrow(/past maxQueuedBytes \(0\)/);
    expect(() => rws.send('')).toThrow(/past maxQueuedBytes \(0\)/);
  });

  it('checks the data when queued: a type WebSocket.send refuses throws there', async () => {
    const rws = client(`ws://127.0.0.1:${await deadPort()}/`);
    // @ts-expect-error not data WebSocket.send takes
    expect(() => rws.send({ not: 'data' })).toThrow(TypeError);
    expect(rws.bufferedAmount).toBe(0);
  });

  it('when it gives up, queued callbacks get WS_ERR_RECONNECT_STOPPED and one error counts the others', async () => {
    const server = track(await startRecordingServer({ refuse: () => 503 }));
    const rws = client(server.url, undefined, { minDelayMs: 5, maxRetries: 1 });
    const events = recordEvents(rws);
    const results: unknown[] = [];
    rws.send('one', (error) => results.push((error as { code?: string }).code));
    rws.send('two');
    rws.send('three');
    await events.reached('close', 1);
    expect(results).toEqual(['WS_ERR_RECONNECT_STOPPED']);
    const last = events.log.at(-2);
    expect(last?.event).toBe('error');
    const error = last?.args[0] as Error & { code?: string; unsent?: number };
    expect(error.code).toBe('WS_ERR_RECONNECT_STOPPED');
    expect(error.unsent).toBe(2);
    expect(error.message).toBe(
      'ReconnectingWebSocket: 2 queued messages were not sent: it gave up after close code 1006 ' +
        '(HTTP status 503) before a connection opened',
    );
    expect(server.received).toEqual([]);
  });

  it('a send while open goes straight through, with ws’s callback', async () => {
    const server = track(await startRecordingServer());
    const rws = client(server.url);
    const events = recordEvents(rws);
    await events.reached('open', 1);
    const written = new Promise((resolve) => rws.send('now', resolve));
    expect(await within(written, 'the send callback')).toBeNull();
    await server.receivedCount(1);
    expect(server.received).toEqual([{ text: 'now', isBinary: false }]);
  });
});

describe('close()', () => {
  it('while waiting: clears the timer, emits close with 1006, and never connects again', async () => {
    const server = track(await startRecordingServer({ refuse: () => 503 }));
    const rws = client(server.url, undefined, { minDelayMs: 50, random: () => 1 });
    const events = recordEvents(rws);
    await events.reached('reconnecting', 1);
    rws.close();
    expect(rws.readyState).toBe(ReconnectingWebSocket.CLOSED);
    expect(events.count('close')).toBe(0); // asynchronous, as ws's
    await events.reached('close', 1);
    expect(events.of('close')[0][0]).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.handshakes).toBe(1);
    expect(events.count('close')).toBe(1);
  });

  it('while an attempt is opening: abandons it, with no error and no retry', async () => {
    const silent = track(await startSilentServer());
    const rws = client(`ws://127.0.0.1:${silent.port}/`, undefined, { minDelayMs: 5 });
    const events = recordEvents(rws);
    await until(() => silent.accepted >= 1, 'the connection');
    rws.close(1000);
    expect(rws.readyState).toBe(ReconnectingWebSocket.CLOSING);
    await events.reached('close', 1);
    expect(events.of('close')[0][0]).toBe(1006);
    expect(events.count('error')).toBe(0);
    expect(events.count('reconnecting')).toBe(0);
    await silent.closedCount(1);
    expect(silent.accepted).toBe(1);
  });

  it('checks its arguments as ws does, in every state', async () => {
    const rws = client(`ws://127.0.0.1:${await deadPort()}/`);
    expect(() => rws.close(1005)).toThrow(TypeError);
    expect(() => rws.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(rws.readyState).toBe(ReconnectingWebSocket.CONNECTING);
  });

  it('after it closed, send reports to the callback as ws does for a closed socket', async () => {
    const server = track(await startRecordingServer());
    const rws = client(server.url);
    const events = recordEvents(rws);
    await events.reached('open', 1);
    rws.close(1000);
    await events.reached('close', 1);
    const failed = new Promise<Error | null | undefined>((resolve) => rws.send('late', resolve));
    expect((await within(failed, 'the callback'))?.message).toBe('WebSocket is not open: readyState 3 (CLOSED)');
  });
});

describe('options', () => {
  it('are checked in the constructor, naming the option and value, before anything connects', async () => {
    const server = track(await startRecordingServer());
    const make = (options: object) => () => new ReconnectingWebSocket(server.url, options);
    expect(make({ minDelayMs: '10' })).toThrow(
      new TypeError('minDelayMs must be a positive number of milliseconds (at most 2147483647), got the string "10"'),
    );
    expect(make({ minDelayMs: 0 })).toThrow(RangeError);
    expect(make({ minDelayMs: 500, maxDelayMs: 100 })).toThrow(
      new RangeError('maxDelayMs must be at least minDelayMs (500), got 100'),
    );
    expect(make({ factor: 0.5 })).toThrow(new RangeError('factor must be a finite number >= 1, got 0.5'));
    expect(make({ maxRetries: 1.5 })).toThrow(
      new RangeError('maxRetries must be an integer >= 0 or Infinity, got 1.5'),
    );
    expect(make({ connectTimeoutMs: -1 })).toThrow(RangeError);
    expect(make({ maxQueuedBytes: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(make({ shouldReconnect: true })).toThrow(new TypeError('shouldReconnect must be a function, got true'));
    expect(make({ random: 0.5 })).toThrow(TypeError);
    expect(make({ timers: {} })).toThrow(/timers\.setTimeout must be a function/);
    // The wrapped WebSocket's options, URL and protocols are checked by it, in the constructor too.
    expect(make({ handshakeTimeout: -1 })).toThrow(RangeError);
    expect(() => new ReconnectingWebSocket('http://[bad')).toThrow(SyntaxError);
    expect(() => new ReconnectingWebSocket(server.url, ['a b'])).toThrow(SyntaxError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.handshakes).toBe(0);
    // TypeScript refuses them too.
    // @ts-expect-error minDelayMs is a number
    expect(() => new ReconnectingWebSocket(server.url, { minDelayMs: '1' })).toThrow(TypeError);
  });
});

describe('the browser-style face', () => {
  it('onopen, addEventListener("message"), onclose, readyState constants', async () => {
    const server = track(await startRecordingServer({ reply: (text) => `echo:${text}` }));
    const rws = client(server.url);
    const seen: string[] = [];
    rws.onopen = () => {
      seen.push('open');
      rws.send('hi');
    };
    rws.addEventListener('message', (event) => {
      seen.push(String((event as unknown as { data: unknown }).data));
      rws.close(1000, 'bye');
    });
    const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
      rws.onclose = (event) => resolve(event as never);
    });
    const { code, reason, wasClean } = await within(closed, 'onclose');
    expect({ code, reason, wasClean }).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(seen).toEqual(['open', 'echo:hi']);
    expect(rws.OPEN).toBe(1);
    expect(ReconnectingWebSocket.CLOSED).toBe(3);
  });
});
