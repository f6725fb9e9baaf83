// WebSocketStream and the WHATWG WebSocket of wasmsocket/web over wss: in Node: the net/tls connector
// against our server on an https server with the loopback test certificate. A private CA is trusted only
// when handed in with createNodeConnector({ tls: { ca } }); without it the opening fails on the
// certificate and no WebSocket reaches the server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNodeConnector,
  WebSocket,
  WebSocketStream,
  type WebSocketStreamOptions,
} from '../../src/node/web-connector.ts';
import { TLS_CERT } from '../http2/tls-fixture.ts';
import { within } from '../support/waits.ts';
import { runClientScenario, SCENARIO_PROTOCOL } from './client-scenario.ts';
import { type EchoServer, startOurTlsServer } from './echo-servers.ts';
import { expectScenarioCompleted } from './scenario-checks.ts';

let server: EchoServer;

beforeAll(async () => {
  server = await startOurTlsServer();
});

afterAll(async () => {
  await server?.close();
});

const trustingTestCa = createNodeConnector({ tls: { ca: TLS_CERT } });

/** WebSocketStream with the connector that trusts the test certificate. */
class TrustingWebSocketStream extends WebSocketStream {
  constructor(url: string, options: WebSocketStreamOptions = {}) {
    super(url, { ...options, connector: trustingTestCa });
  }
}

describe('wasmsocket/web over wss: in Node', () => {
  for (const host of ['localhost', '127.0.0.1']) {
    it(`echoes text and binary up to 16 MiB over TLS to wss://${host} and closes with a code and reason`, async () => {
      const serverClose = server.nextClose();
      const report = await within(
        runClientScenario(TrustingWebSocketStream, `wss://${host}:${server.port}/`),
        'the scenario over TLS',
      );
      await expectScenarioCompleted(report, serverClose);
    });
  }

  it('refuses a certificate it was not told to trust, and nothing reaches the server', async () => {
    const before = server.record.protocols.length;
    const stream = new WebSocketStream(`wss://localhost:${server.port}/`);
    const error = await within(
      stream.opened.catch((reason: unknown) => reason),
      'opened to reject',
    );
    expect(error).toBeInstanceOf(Error);
    const causes = `${String(error)} ${String((error as { cause?: unknown }).cause)}`;
    expect(causes).toMatch(/certificate/i);
    await expect(stream.closed).rejects.toBe(error);
    expect(server.record.protocols.length).toBe(before);
  });

  it('the WHATWG WebSocket takes the same connector option over wss:', async () => {
    const socket = new WebSocket(`wss://127.0.0.1:${server.port}/`, [SCENARIO_PROTOCOL], {
      connector: trustingTestCa,
    });
    socket.binaryType = 'arraybuffer';
    const echoed = await within(
      new Promise<ArrayBuffer>((resolve, reject) => {
        socket.onopen = () => socket.send(new Uint8Array([1, 2, 3, 250]));
        socket.onmessage = (event) => resolve(event.data as ArrayBuffer);
        socket.onerror = () => reject(new Error('error event'));
      }),
      'the echo',
    );
    expect([...new Uint8Array(echoed)]).toEqual([1, 2, 3, 250]);
    expect(socket.protocol).toBe(SCENARIO_PROTOCOL);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      socket.onclose = (event) => resolve({ code: event.code, reason: event.reason });
    });
    socket.close(4002, 'done');
    expect(await within(closed, 'the close event')).toEqual({ code: 4002, reason: 'done' });
  });
});
