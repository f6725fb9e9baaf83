// ReconnectingWebSocket from 'wasmsocket' (over our Node WebSocket), over real sockets on 127.0.0.1:
// a server killed and started again on the same port, handshakes refused with 401, 429 and 503, the
// backoff's delays, maxRetries, connectTimeoutMs against a server that never answers the upgrade, the
// send queue and its bound, and close() at each stage.

import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Http2SessionPool, type ReconnectCloseEvent, ReconnectingWebSocket } from '../../src/index.ts';
import { startH2Endpoint } from '../http2/h2-endpoint.ts';
import { listenOnLoopback, until, within } from '../support/waits.ts';
import { cleanupsAfterEach, recordEvents } from './node-events.ts';
import { type RecordingServer, startRecordingServer } from './servers.ts';

const { track, client, cleanups } = cleanupsAfterEach();

describe('a server killed and started again on the same port', () => {
  it('reconnects, and the messages sent meanwhile arrive once, in order, before later ones', async () => {
    const server: RecordingServer = track(await startRecordingServer());
    const rws = client(server.url, ['chat'], { minDelayMs: 20, maxDelayMs: 100, headers: { 'x-session': 'abc' } });
    const events = recordEvents(rws);
    await events.reached('open', 1);
    expect(rws.protocol).toBe('chat');
    rws.send('a');
    rws.send('b');
    await server.receivedCount(2);

    await server.kill();
    await events.reached('reconnecting', 1);
    // A first retry fails against the closed port before the server comes back.
    await events.reached('reconnecting', 2);
    expect(rws.readyState).toBe(ReconnectingWebSocket.CONNECTING);
    expect(rws.protocol).toBe('');
    const callbacks: Array<[string, unknown]> = [];
    for (const text of ['q1', 'q2', 'q3', 'q4', 'q5']) {
      expect(rws.send(text, (error) => callbacks.push([text, error ?? null]))).toBe(true);
    }
    const binary = Buffer.from('q6');
    rws.send(binary);
    binary.write('XX'); // the queue holds a copy: this does not change the message
    expect(rws.bufferedAmount).toBe(12);

    await server.restart();
    await events.reached('open', 2);
    rws.send('after');
    await server.receivedCount(9);
    expect(server.received.map((message) => message.text)).toEqual([
      'a',
      'b',
      'q1',
      'q2',
      'q3',
      'q4',
      'q5',
      'q6',
      'after',
    ]);
    expect(server.received[7].isBinary).toBe(true);
    expect(server.connections.map((connection) => connection.protocol)).toEqual(['chat', 'chat']);
    // The wrapped socket's options go to every attempt.
    expect(server.connections.map((connection) => connection.headers['x-session'])).toEqual(['abc', 'abc']);
    expect(rws.protocol).toBe('chat');
    expect(rws.bufferedAmount).toBe(0);
    await until(() => callbacks.length >= 5, 'the queued sends’ callbacks');
    expect(callbacks).toEqual([
      ['q1', null],
      ['q2', null],
      ['q3', null],
      ['q4', null],
      ['q5', null],
    ]);
    // No 'close' while it reconnects: only when it stops.
    expect(events.count('close')).toBe(0);

    rws.close(1000, 'done');
    await events.reached('close', 1);
    expect(events.of('close')[0][0]).toBe(1000);
    expect(String(events.of('close')[0][1])).toBe('done');
    await server.closeCount(2);
    expect(server.closes.at(-1)).toEqual({ code: 1000, reason: 'done' });
    expect(rws.readyState).toBe(ReconnectingWebSocket.CLOSED);
  });
});

describe('handshake statuses', () => {
  it('a 401 stops it: no retry, shouldReconnect sees the status, one error, then close with 1006', async () => {
    const server = track(await startRecordingServer({ refuse: () => 401 }));
    const seen: ReconnectCloseEvent[] = [];
    const rws = client(server.url, undefined, {
      minDelayMs: 5,
      shouldReconnect: (event) => {
        seen.push(event);
        return event.status === undefined || event.status >= 500 || event.status === 429;
      },
    });
    const events = recordEvents(rws);
    const responses: number[] = [];
    rws.on('unexpected-response', (_request, response) => responses.push(response.statusCode ?? 0));
    await events.reached('close', 1);
    expect(events.of('close')[0][0]).toBe(1006);
    expect(events.count('reconnecting')).toBe(0);
    expect(events.count('open')).toBe(0);
    expect(responses).toEqual([401]);
    expect(seen.map((event) => [event.code, event.status])).toEqual([[1006, 401]]);
    const errors = events.of('error').map(([error]) => error as Error & { status?: number });
    expect(errors.map((error) => [error.message, error.status])).toEqual([['Unexpected server response: 401', 401]]);
    expect(rws.readyState).toBe(ReconnectingWebSocket.CLOSED);
    // Nothing is scheduled any more: 20 times minDelayMs later, still one handshake.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.handshakes).toBe(1);
  });

  it('the default shouldReconnect gives up after 401 and 403 but not after 429 or 503', async () => {
    for (const status of [401, 403]) {
      const server = track(await startRecordingServer({ refuse: () => status }));
      const events = recordEvents(client(server.url, undefined, { minDelayMs: 5 }));
      await events.reached('close', 1);
      expect(events.count('reconnecting')).toBe(0);
      expect(server.handshakes).toBe(1);
    }
    const refusals = [429, 503, 429];
    const server = track(await startRecordingServer({ refuse: (handshake) => refusals[handshake] }));
    const rws = client(server.url, undefined, { minDelayMs: 5, maxDelayMs: 20, headers: { 'x-attempt': 'same' } });
    const events = recordEvents(rws);
    await events.reached('open', 1);
    expect(events.of('reconnecting').map(([details]) => (details as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(server.handshakes).toBe(4);
    const errors = events.of('error').map(([error]) => (error as { status?: number }).status);
    expect(errors).toEqual([429, 503, 429]);
    expect(server.connections[0].headers['x-attempt']).toBe('same');
  });

  it('over HTTP/2 (h2c) too: the refused extended CONNECT’s status reaches shouldReconnect', async () => {
    let streams = 0;
    const endpoint = track(
      await startH2Endpoint({
        secure: false,
        wssOptions: { verifyClient: (_info, done) => (streams++ === 0 ? done(false, 503) : done(false, 401)) },
      }),
    );
    const pool = new Http2SessionPool();
    cleanups(() => pool.close());
    const statuses: Array<number | undefined> = [];
    const rws = client(`${endpoint.origin}/`, undefined, {
      http2: pool,
      minDelayMs: 5,
      shouldReconnect: (event) => {
        statuses.push(event.status);
        return event.status === 503;
      },
    });
    const events = recordEvents(rws);
    await events.reached('close', 1);
    expect(statuses).toEqual([503, 401]);
    expect(events.count('reconnecting')).toBe(1);
    expect(streams).toBe(2);
  });

  it('gives up on a close with 1000 or 1008 from the server, and reconnects after 1001 or 1011', async () => {
    for (const [code, again] of [
      [1000, false],
      [1008, false],
      [1001, true],
      [1011, true],
    ] as const) {
      const server = track(await startRecordingServer());
      const rws = client(server.url, undefined, { minDelayMs: 5, maxDelayMs: 10 });
      const events = recordEvents(rws);
      await events.reached('open', 1);
      server.closeConnections(code, 'server says');
      if (again) {
        await events.reached('open', 2);
        expect(events.count('close')).toBe(0);
        expect(events.count('reconnecting')).toBe(1);
      } else {
        await events.reached('close', 1);
        expect(events.of('close')[0].map(String)).toEqual([String(code), 'server says']);
        expect(events.count('reconnecting')).toBe(0);
      }
    }
  });
});

describe('events of the wrapped socket', () => {
  it("keeps WebSocket's rule for redirects: credentials go to another host only when 'redirect' is listened to", async () => {
    const target = track(await startRecordingServer({ host: '127.0.0.2' }));
    const redirector = createServer((_request, response) => response.end());
    redirector.on('upgrade', (_request, socket) => {
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${target.url}\r\nContent-Length: 0\r\n\r\n`);
    });
    const port = await listenOnLoopback(redirector);
    cleanups(() => new Promise((resolve) => redirector.close(resolve)));
    const options = { followRedirects: true, headers: { authorization: 'Bearer secret' } };

    const quiet = recordEvents(client(`ws://127.0.0.1:${port}/`, undefined, options));
    await quiet.reached('open', 1);
    expect(target.connections[0].headers.authorization).toBeUndefined();

    const listened = client(`ws://127.0.0.1:${port}/`, undefined, options);
    const redirects: string[] = [];
    listened.on('redirect', (url) => redirects.push(url));
    await recordEvents(listened).reached('open', 1);
    expect(redirects).toEqual([target.url]);
    expect(target.connections[1].headers.authorization).toBe('Bearer secret');
  });

  it("passes 'message-stream' on with streamMessages, and 'ping' and 'pong'", async () => {
    const server = track(await startRecordingServer({ reply: (text) => text.toUpperCase() }));
    const rws = client(server.url, undefined, { streamMessages: true });
    const events = recordEvents(rws);
    const streamed = new Promise<string>((resolve) => {
      rws.on('message-stream', async (stream) => {
        let text = '';
        for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk;
        resolve(text);
      });
    });
    const pong = new Promise<string>((resolve) => rws.on('pong', (data) => resolve(String(data))));
    await events.reached('open', 1);
    rws.send('streamed');
    rws.ping('p');
    expect(await within(streamed, 'the streamed message')).toBe('STREAMED');
    expect(await within(pong, 'the pong')).toBe('p');
  });
});
