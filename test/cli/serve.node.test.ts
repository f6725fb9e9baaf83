// `wasmsocket serve` as a user runs it: a real process on 127.0.0.1, reached by clients from the ws package.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { clientFrame, Op, RawClient } from '../security/support/raw-client.ts';
import { WAIT_MS, within } from '../support/waits.ts';
import { assertBuilt, type CliProcess, startCli, stopAll } from './cli-process.ts';
import { closeOf, collectMessages, openClient, waitForMessages } from './ws-peer.ts';

const LISTENING = /^listening on (ws:\/\/127\.0\.0\.1:(\d+))$/;

/** Raw TCP peers opened by tests, destroyed at the end. */
const sockets: Socket[] = [];

beforeAll(assertBuilt);
afterAll(async () => {
  await stopAll();
  for (const socket of sockets) socket.destroy();
});

/** A peer that completes the handshake and then reads nothing: it never answers our close frame. */
function openStubbornPeer(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(
    [
      'GET / HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  return socket;
}

/** A process's resident memory from the kernel's count (VmRSS). */
function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) * 1024;
}

/** One echo through a ws client: the server is up and warm. */
async function waitForEcho(url: string): Promise<void> {
  const ws = await openClient(url);
  const received = collectMessages(ws);
  ws.send('warm');
  await waitForMessages(ws, received, 1);
  ws.close();
}

/** Starts `serve --port 0 ...extra` and resolves with the process and the URL it printed. */
async function startServe(extra: string[] = []): Promise<{ cli: CliProcess; url: string; port: number }> {
  const cli = startCli(['serve', '--port', '0', ...extra]);
  const [, url, port] = await cli.waitForLine(LISTENING);
  return { cli, url, port: Number(port) };
}

describe('wasmsocket serve', () => {
  it('prints one listening line with the real port, and echoes text as text and binary as binary', async () => {
    const { cli, url, port } = await startServe();
    expect(port).toBeGreaterThan(0);
    expect(cli.lines).toEqual([`listening on ${url}`]);

    const ws = await openClient(url);
    const received = collectMessages(ws);
    const binary = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);
    const large = Buffer.alloc(70_000, 0xab); // 64-bit length form (RFC 6455 section 5.2)
    ws.send('héllo wörld', { binary: false });
    ws.send(binary, { binary: true });
    ws.send('', { binary: false });
    ws.send(large, { binary: true });
    ws.send(Buffer.from('sent as bytes, typed as text'), { binary: false });
    await waitForMessages(ws, received, 5);
    expect(received.map(({ isBinary }) => isBinary)).toEqual([false, true, false, true, false]);
    expect(received[0].data.toString()).toBe('héllo wörld');
    expect(received[1].data.equals(binary)).toBe(true);
    expect(received[2].data.length).toBe(0);
    expect(received[3].data.equals(large)).toBe(true);
    expect(received[4].data.toString()).toBe('sent as bytes, typed as text');

    const closed = closeOf(ws);
    ws.close(1000, 'done');
    expect(await closed).toEqual({ code: 1000, reason: 'done' });
    // The server logs the connection and its close on stderr, never on stdout.
    await cli.waitForStderr('closed 1000 done');
    expect(cli.stderr).toMatch(/127\.0\.0\.1:\d+ connected on \//);
    expect(cli.lines).toEqual([`listening on ${url}`]);
  });

  it('with --quiet logs no connection or close lines, and still echoes', async () => {
    const { cli, url } = await startServe(['--quiet']);
    const ws = await openClient(url);
    const received = collectMessages(ws);
    ws.send('quiet please');
    await waitForMessages(ws, received, 1);
    expect(received[0].data.toString()).toBe('quiet please');
    const closed = closeOf(ws);
    ws.close(1000);
    await closed;
    // A later protocol error is still logged: the quiet server stays silent only about routine events.
    const raw = openStubbornPeer(Number(new URL(url).port));
    sockets.push(raw);
    raw.once('data', () => raw.write(Buffer.from([0x81, 0x01, 0x61])));
    await cli.waitForStderr('error:');
    expect(cli.stderr).not.toMatch(/connected on|closed 1000/);
  });

  it('accepts upgrades only on --path and answers other paths with HTTP 400', async () => {
    const { url } = await startServe(['--path', '/echo']);

    const ws = await openClient(`${url}/echo?token=1`);
    const received = collectMessages(ws);
    ws.send('on the path');
    await waitForMessages(ws, received, 1);
    expect(received[0]).toMatchObject({ isBinary: false });
    expect(received[0].data.toString()).toBe('on the path');
    ws.close();

    for (const path of ['/', '/other', '/echo/more']) {
      const refused = new WebSocket(`${url}${path}`);
      const [, response] = (await within(once(refused, 'unexpected-response'), `the refusal of ${path}`)) as [
        unknown,
        IncomingMessage,
      ];
      expect(response.statusCode, path).toBe(400);
      // With an 'unexpected-response' listener ws leaves the request to us; dropping it reports an error.
      refused.on('error', () => {});
      refused.terminate();
    }
  });

  it('closes with 1009 when a message is larger than --max-payload, and keeps serving', async () => {
    const { url, cli } = await startServe(['--max-payload', '16']);

    const fits = await openClient(url);
    const received = collectMessages(fits);
    fits.send(Buffer.alloc(16, 1));
    await waitForMessages(fits, received, 1);
    expect(received[0].data.length).toBe(16);

    const tooBig = await openClient(url);
    const closed = closeOf(tooBig);
    tooBig.send(Buffer.alloc(17, 2));
    expect((await closed).code).toBe(1009);

    // The first client's connection, and the server, are unaffected.
    fits.send('still here');
    await waitForMessages(fits, received, 2);
    expect(received[1].data.toString()).toBe('still here');
    expect(cli.child.exitCode).toBe(null);
    fits.close();
  });

  it('stops reading a client that sends but never reads once its echoes wait, and echoes all once it reads', async () => {
    const { port, cli } = await startServe(['--quiet']);
    const pid = cli.child.pid as number;
    await waitForEcho(`ws://127.0.0.1:${port}`);
    const baseline = residentBytes(pid);
    const client = await RawClient.upgrade(port);
    client.socket.pause();
    const message = clientFrame({ opcode: Op.BINARY, payload: Buffer.alloc(64 * 1024, 0x42) });
    const cap = 256 * 1024 * 1024;
    let sent = 0;
    let stalled = false;
    // Bounded: 256 MiB at most, or until our writes stop draining for 3 s (the server stopped reading).
    while (sent * message.length < cap && !stalled) {
      sent++;
      if (client.write(message)) continue;
      stalled = !(await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 3_000);
        client.socket.once('drain', () => {
          clearTimeout(timer);
          resolve(true);
        });
      }));
    }
    const growth = residentBytes(pid) - baseline;
    console.log(
      `[serve] non-reader: stopped after ${((sent * message.length) / 1024 / 1024).toFixed(1)} MiB sent; RSS +${(growth / 1024 / 1024).toFixed(1)} MiB (shared machine)`,
    );
    expect(stalled).toBe(true);
    expect(growth).toBeLessThan(64 * 1024 * 1024);
    // Reading again, the client gets every echo: nothing was dropped.
    client.socket.resume();
    await client.until(
      () => client.frames.filter((f) => f.opcode === Op.BINARY).length === sent,
      `${sent} echoes`,
      WAIT_MS,
    );
    client.destroy();
  });

  it('on SIGTERM closes every client with 1001 and exits 0', async () => {
    const { url, cli } = await startServe();
    const clients = await Promise.all([openClient(url), openClient(url)]);
    // Both connections are registered on the server once each has echoed a message.
    for (const ws of clients) {
      const received = collectMessages(ws);
      ws.send('ready');
      await waitForMessages(ws, received, 1);
    }
    const closes = clients.map(closeOf);
    cli.child.kill('SIGTERM');
    const codes = await Promise.all(closes);
    expect(codes).toEqual([
      { code: 1001, reason: 'server shutting down' },
      { code: 1001, reason: 'server shutting down' },
    ]);
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toContain('SIGTERM: closing 2 connection(s) with 1001');
  });

  it('on a second signal drops the clients that have not answered the close, and exits 0', async () => {
    // A grace period no test run reaches, so that only the second signal can drop the connection.
    const { port, cli } = await startServe(['--shutdown-timeout', '600000']);
    sockets.push(openStubbornPeer(port));
    await cli.waitForStderr('connected on /');
    cli.child.kill('SIGTERM');
    await cli.waitForStderr('SIGTERM: closing 1 connection(s) with 1001');
    cli.child.kill('SIGTERM');
    await cli.waitForStderr('SIGTERM again: dropping 1 connection(s)');
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toMatch(/closed 1006 \(0 open\)/);
  });

  it('drops a client that has not answered the close after --shutdown-timeout, and exits 0', async () => {
    const { port, cli } = await startServe(['--shutdown-timeout', '200']);
    sockets.push(openStubbornPeer(port));
    await cli.waitForStderr('connected on /');
    cli.child.kill('SIGTERM');
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toContain('1 connection(s) did not close within 200 ms: dropping them');
    expect(cli.stderr).toMatch(/closed 1006 \(0 open\)/);
  });

  it('on SIGINT with no clients exits 0', async () => {
    const { cli } = await startServe();
    cli.child.kill('SIGINT');
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('exits 1 with a message when the port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await within(once(blocker, 'listening'), 'the blocking listener');
    const { port } = blocker.address() as { port: number };
    try {
      const cli = startCli(['serve', '--port', String(port)]);
      expect(await cli.waitForExit()).toEqual({ code: 1, signal: null });
      expect(cli.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(cli.stderr).toContain('EADDRINUSE');
      expect(cli.stdout).toBe('');
    } finally {
      blocker.close();
    }
  });
});
