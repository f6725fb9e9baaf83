// Peers that stop cooperating, over real sockets against a server in its own process: half-open peers
// that never answer pings (heartbeat), peers that never answer our close frame (closeTimeout), and peers
// that send but never read (maxBackpressure with the 'close' and 'refuse' policies). After each attack
// the server must still echo for a normal client (the ws package), and its memory must have grown by
// less than 64 MiB.

import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nextEvent, until, within } from '../support/waits.ts';
import type { ServerReport } from './support/attack-server.ts';
import { baselineOf, expectHealthy } from './support/health.ts';
import { clientFrame, Op, RawClient } from './support/raw-client.ts';
import { ServerProcess, stopAllServers } from './support/server-process.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
/** Pings a connection that answers must see: five intervals, each opened by the pong before it. */
const PINGS_ANSWERED = 5;

afterAll(stopAllServers);

/** Upgrades a raw client and returns it with the server's id for its connection. */
async function upgradeTracked(
  server: ServerProcess,
  options: { allowHalfOpen?: boolean } = {},
): Promise<{ client: RawClient; id: number }> {
  const before = server.reports.length;
  const client = await RawClient.upgrade(server.port, {}, options);
  const report = await server.waitFor(
    (r): r is Extract<ServerReport, { type: 'connection' }> => r.type === 'connection',
    'the connection',
    undefined,
    before,
  );
  return { client, id: report.id };
}

function closeReportOf(server: ServerProcess, id: number): Promise<Extract<ServerReport, { type: 'close' }>> {
  return server.waitFor(
    (r): r is Extract<ServerReport, { type: 'close' }> => r.type === 'close' && r.id === id,
    `connection ${id} to close`,
  );
}

describe('heartbeat {intervalMs: 50, timeoutMs: 50}: half-open peers', () => {
  it('a peer that never answers pings is terminated after one unanswered ping', async () => {
    const server = await ServerProcess.start({ heartbeat: { intervalMs: 50, timeoutMs: 50 } });
    const baseline = await baselineOf(server);
    const started = performance.now();
    const { client, id } = await upgradeTracked(server);
    await client.until(() => client.closed, 'the server to drop the silent peer');
    const elapsed = performance.now() - started;
    // One ping went out at intervalMs; with no pong by timeoutMs later the connection was dropped,
    // without a closing handshake (terminate: 1006 on the server's side, no close frame on the wire).
    expect(client.frames.map((f) => f.opcode)).toEqual([Op.PING]);
    expect((await closeReportOf(server, id)).code).toBe(1006);
    expect(elapsed).toBeGreaterThanOrEqual(100 - 5);
    console.log(
      `[attack] half-open peer: terminated ${elapsed.toFixed(0)} ms after connecting (interval + timeout = 100 ms)`,
    );

    // Fifty silent peers at once: every one is dropped.
    const silent = await Promise.all(Array.from({ length: 50 }, () => upgradeTracked(server)));
    await Promise.all(silent.map(({ client: c }) => c.until(() => c.closed, 'every silent peer to be dropped')));
    for (const { id: each } of silent) expect((await closeReportOf(server, each)).code).toBe(1006);
    await expectHealthy(server, baseline, 'half-open peers (heartbeat)');
    await server.stop();
  });

  it('a peer that answers pings (the ws client) stays connected through many intervals', async () => {
    // A generous timeout: this checks that answered pings keep a connection, not how fast a pong comes.
    // The next ping goes a full interval after the pong that answered the last one, so each ping past
    // the first shows that a pong was taken as a sign of life.
    const server = await ServerProcess.start({ heartbeat: { intervalMs: 50, timeoutMs: 2_000 } });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    let pings = 0;
    let closed = false;
    ws.on('ping', () => pings++);
    ws.on('close', () => {
      closed = true;
    });
    await within(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      'the ws client to open',
    );
    await until(() => pings >= PINGS_ANSWERED || closed, `${PINGS_ANSWERED} pings`, {
      describe: () => `${pings} so far`,
    });
    expect(closed).toBe(false);
    expect(pings).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send('alive');
    const [echo] = await nextEvent<[Buffer]>(ws, 'message');
    expect(String(echo)).toBe('alive');
    ws.close(1000);
    await nextEvent(ws, 'close');
    await server.stop();
  });
});

describe('closeTimeout 200 ms: peers that never answer our close', () => {
  it('a close the server starts and the peer ignores ends after closeTimeout', async () => {
    const server = await ServerProcess.start({ closeTimeout: 200 });
    const baseline = await baselineOf(server);
    const { client, id } = await upgradeTracked(server, { allowHalfOpen: true });
    const started = performance.now();
    await server.closeAll(1001);
    expect(await client.closeFrame()).toBe(1001);
    // The peer neither answers nor ends its side; the server gives up after closeTimeout.
    const report = await closeReportOf(server, id);
    const elapsed = performance.now() - started;
    expect(report.code).toBe(1006);
    expect(elapsed).toBeGreaterThanOrEqual(200 - 5);
    console.log(`[attack] peer ignoring our close: dropped ${elapsed.toFixed(0)} ms after close()`);
    client.destroy();

    // After a protocol error the server has sent 1002 and ended its side; a peer that keeps its own
    // side open forever is dropped after closeTimeout too.
    const broken = await upgradeTracked(server, { allowHalfOpen: true });
    const sentAt = performance.now();
    broken.client.write(clientFrame({ opcode: Op.TEXT, payload: 'unmasked', maskKey: undefined }));
    expect(await broken.client.closeFrame()).toBe(1002);
    await broken.client.until(() => broken.client.ended, 'the server to end its side');
    await closeReportOf(server, broken.id);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(200 - 5);
    broken.client.destroy();

    // Fifty at once.
    const ignoring = await Promise.all(
      Array.from({ length: 50 }, () => upgradeTracked(server, { allowHalfOpen: true })),
    );
    await server.closeAll(1001);
    for (const { id: each } of ignoring) expect((await closeReportOf(server, each)).code).toBe(1006);
    for (const { client: c } of ignoring) c.destroy();
    await expectHealthy(server, baseline, 'peers ignoring our close');
    await server.stop();
  });
});

/**
 * Sends 64 KiB binary messages without reading the echoes until the server reports a refused send for
 * this connection (or 64 MiB went). Returns how many were sent.
 */
async function floodUntilRefused(server: ServerProcess, client: RawClient, id: number): Promise<number> {
  client.socket.pause();
  const message = clientFrame({ opcode: Op.BINARY, payload: new Uint8Array(64 * KIB).fill(0x42) });
  let sent = 0;
  while (sent * 64 * KIB < 64 * MIB && server.reportsOf('send-error', id).length === 0) {
    sent++;
    if (!client.write(message)) await new Promise((resolve) => client.socket.once('drain', resolve));
    // A turn of the event loop, so that the server's reports come in.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await server.waitFor((r) => r.type === 'send-error' && r.id === id, 'a refused send');
  return sent;
}

describe('maxBackpressure 256 KiB: a peer that sends but never reads', () => {
  it("policy 'close': the send fails with WS_ERR_BACKPRESSURE and the connection closes with 1008", async () => {
    const server = await ServerProcess.start({
      maxBackpressure: 256 * KIB,
      backpressurePolicy: 'close',
      closeTimeout: 10_000,
    });
    const baseline = await baselineOf(server);
    const { client, id } = await upgradeTracked(server);
    const sent = await floodUntilRefused(server, client, id);
    expect(server.reportsOf('send-error', id)[0].code).toBe('WS_ERR_BACKPRESSURE');
    // Reading again, the peer finds the echoes that fit, then the server's close frame.
    client.socket.resume();
    expect(await client.closeFrame()).toBe(1008);
    const echoed = client.frames.filter((f) => f.opcode === Op.BINARY).length;
    expect(echoed).toBeLessThan(sent);
    client.write(clientFrame({ opcode: Op.CLOSE, payload: Uint8Array.of(0x03, 0xf0) }));
    expect((await closeReportOf(server, id)).code).toBe(1008);
    console.log(`[attack] non-reader, policy close: ${sent} messages sent, ${echoed} echoed, then 1008`);
    client.destroy();
    await expectHealthy(server, baseline, "backpressure, policy 'close'");
    await server.stop();
  });

  it("policy 'refuse': the send fails, the connection stays, and works once the peer reads again", async () => {
    const server = await ServerProcess.start({ maxBackpressure: 256 * KIB, backpressurePolicy: 'refuse' });
    const baseline = await baselineOf(server);
    const { client, id } = await upgradeTracked(server);
    const sent = await floodUntilRefused(server, client, id);
    expect(server.reportsOf('send-error', id)[0].code).toBe('WS_ERR_BACKPRESSURE');
    const during = await server.memory();
    expect(during.arrayBuffers - baseline.arrayBuffers).toBeLessThan(64 * MIB);
    client.socket.resume();
    client.write(clientFrame({ opcode: Op.TEXT, payload: 'still there?' }));
    await client.until(() => client.frames.some((f) => f.opcode === Op.TEXT), 'the echo after the flood');
    expect(client.frames.find((f) => f.opcode === Op.TEXT)?.payload.toString()).toBe('still there?');
    expect(client.closeCode()).toBeUndefined();
    expect(server.reportsOf('close', id)).toEqual([]);
    const echoed = client.frames.filter((f) => f.opcode === Op.BINARY).length;
    expect(echoed).toBeLessThan(sent);
    console.log(`[attack] non-reader, policy refuse: ${sent} messages sent, ${echoed} echoed, connection kept`);
    client.destroy();
    await expectHealthy(server, baseline, "backpressure, policy 'refuse'");
    await server.stop();
  });
});
