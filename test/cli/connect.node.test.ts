// `wasmsocket connect` as a user runs it: a real process talking to a server from the ws package.

import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { within } from '../support/waits.ts';
import { assertBuilt, runCli, startCli, stopAll } from './cli-process.ts';
import type { Closed } from './ws-peer.ts';

/** What the ws echo server saw of one connection. */
interface Seen {
  request: IncomingMessage;
  protocol: string;
  messages: { text: string; isBinary: boolean }[];
  closed: Promise<Closed>;
}

const BINARY_REPLY = Buffer.from([0xde, 0xad, 0xbe, 0xef]);

let server: WebSocketServer;
let url: string;
const seen: Seen[] = [];
/** The connection the next test's server side is handed, for tests that act on it. */
let lastSocket: WebSocket | null = null;

beforeAll(async () => {
  assertBuilt();
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/echo' });
  await within(once(server, 'listening'), 'the ws server');
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/echo`;
  server.on('connection', (ws, request) => {
    lastSocket = ws;
    const entry: Seen = {
      request,
      protocol: ws.protocol,
      messages: [],
      closed: new Promise((resolve) => {
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      }),
    };
    seen.push(entry);
    ws.on('message', (data: Buffer, isBinary) => {
      entry.messages.push({ text: data.toString(), isBinary });
      // A request for a binary message, so the client's binary display can be checked.
      if (!isBinary && data.toString() === 'send binary') ws.send(BINARY_REPLY, { binary: true });
      else ws.send(data, { binary: isBinary });
    });
  });
});

afterAll(async () => {
  await stopAll();
  for (const ws of server?.clients ?? []) ws.terminate();
  server?.close();
});

describe('wasmsocket connect', () => {
  it('sends each stdin line as text, prints echoes, closes with 1000 when stdin ends, exits 0', async () => {
    const cli = startCli(['connect', url, '--protocol', 'chat', '--protocol', 'superchat', '--header', 'X-Test: 42']);
    await cli.waitForLine(/^connected$/);
    const entry = seen[seen.length - 1];
    expect(entry.protocol).toBe('chat');
    expect(entry.request.headers['x-test']).toBe('42');
    const offered = (entry.request.headers['sec-websocket-protocol'] ?? '').split(',').map((name) => name.trim());
    expect(offered).toEqual(['chat', 'superchat']);

    cli.write('first line\n');
    await cli.waitForLine(/^first line$/, 1);
    cli.write('ünïcödé ✓\nsend binary\n');
    await cli.waitForLine(/^\[binary 4 bytes\] de ad be ef$/, 2);
    cli.endInput();
    await cli.waitForLine(/^closed 1000$/);
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });

    expect(cli.lines).toEqual(['connected', 'first line', 'ünïcödé ✓', '[binary 4 bytes] de ad be ef', 'closed 1000']);
    expect(entry.messages).toEqual([
      { text: 'first line', isBinary: false },
      { text: 'ünïcödé ✓', isBinary: false },
      { text: 'send binary', isBinary: false },
    ]);
    expect(await within(entry.closed, 'the server-side close')).toEqual({ code: 1000, reason: '' });
  });

  it('prints the code and reason when the server closes, and exits 0 with stdin still open', async () => {
    const cli = startCli(['connect', url]);
    await cli.waitForLine(/^connected$/);
    (lastSocket as WebSocket).close(4000, 'bye now');
    await cli.waitForLine(/^closed 4000 bye now$/);
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('closes with 1000 on SIGINT (Ctrl-C) and exits 0', async () => {
    const cli = startCli(['connect', url]);
    await cli.waitForLine(/^connected$/);
    const entry = seen[seen.length - 1];
    cli.child.kill('SIGINT');
    await cli.waitForLine(/^closed 1000$/);
    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await within(entry.closed, 'the server-side close')).toEqual({ code: 1000, reason: '' });
  });

  it('exits 1 when the connection drops without a closing handshake', async () => {
    const cli = startCli(['connect', url]);
    await cli.waitForLine(/^connected$/);
    (lastSocket as WebSocket).terminate();
    await cli.waitForLine(/^closed 1006$/);
    expect(await cli.waitForExit()).toEqual({ code: 1, signal: null });
  });

  it('exits 1 with a message when nothing listens on the port', async () => {
    // A port that was free a moment ago: bind it, note it, release it.
    const probe = createServer().listen(0, '127.0.0.1');
    await within(once(probe, 'listening'), 'the port probe');
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));

    const result = await runCli(['connect', `ws://127.0.0.1:${port}/`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot connect to ws://127.0.0.1:${port}/`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stdout).toBe('');
  });

  it('exits 1 with the status when the server refuses the upgrade', async () => {
    const result = await runCli(['connect', url.replace('/echo', '/elsewhere')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unexpected server response: 400');
    expect(result.stdout).toBe('');
  });

  it('exits 2 with a message for a malformed URL, header or subprotocol', async () => {
    const cases = [
      { args: ['connect', 'not a url'], message: 'Invalid URL' },
      { args: ['connect', 'ftp://127.0.0.1/'], message: 'protocol must be one of' },
      { args: ['connect', url, '--header', 'no colon here'], message: "--header must look like 'Name: value'" },
      { args: ['connect', url, '--protocol', 'has space'], message: 'invalid or duplicated subprotocol' },
      { args: ['connect'], message: 'missing argument' },
    ];
    for (const { args, message } of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr, args.join(' ')).toContain('Usage: wasmsocket connect URL');
    }
  });
});
