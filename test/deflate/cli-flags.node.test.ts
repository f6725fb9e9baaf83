// The `--deflate[=MODE]` flag of the command line (src/cli/deflate-flag.ts), on the built CLI as a user
// runs it: `serve` compresses only when told to, `connect` and `autobahn-client` offer permessage-deflate
// unless told `--deflate off`; `shared` asks for no context takeover both ways. What was negotiated is
// read on the wire by a tap, and every compressed message is checked for RSV1.

import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { assertBuilt, runCli, startCli, stopAll } from '../cli/cli-process.ts';
import { within } from '../support/waits.ts';
import { jsonLikeText } from './messages.ts';
import { OPCODE, RSV1, type Tap, tapProxy } from './wire.ts';

const LISTENING = /^listening on ws:\/\/127\.0\.0\.1:(\d+)$/;
const cleanups: Array<() => void> = [];

beforeAll(assertBuilt);
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(stopAll);

async function tapTo(port: number): Promise<Tap> {
  const tap = await tapProxy(port);
  cleanups.push(() => tap.close());
  return tap;
}

/** Starts `wasmsocket serve --port 0 ...flags` and returns a tap in front of it. */
async function serve(flags: string[]): Promise<Tap> {
  const cli = startCli(['serve', '--port', '0', ...flags]);
  cleanups.push(() => cli.child.kill('SIGKILL'));
  const [, port] = await cli.waitForLine(LISTENING);
  return tapTo(Number(port));
}

/** A ws client that compresses everything it may: opens, echoes one 8 KiB text, closes. */
async function echoThrough(tap: Tap): Promise<{ extensions: string; echoed: boolean }> {
  const client = new WebSocket(`ws://127.0.0.1:${tap.port}`, { perMessageDeflate: { threshold: 0 } });
  cleanups.push(() => client.terminate());
  await within(new Promise((resolve) => client.once('open', resolve)), 'ws to open');
  const text = jsonLikeText(8192, 21);
  const echo = within(new Promise<Buffer>((resolve) => client.once('message', resolve)), 'the echo');
  client.send(text);
  const echoed = (await echo).toString() === text;
  client.close();
  return { extensions: client.extensions, echoed };
}

function dataFrames(frames: Tap['fromServer']) {
  return frames.filter((frame) => frame.opcode === OPCODE.TEXT || frame.opcode === OPCODE.BINARY);
}

describe('wasmsocket serve --deflate', () => {
  it('without the flag, declines permessage-deflate and echoes uncompressed', async () => {
    const tap = await serve([]);
    const { extensions, echoed } = await echoThrough(tap);
    expect(echoed).toBe(true);
    expect(extensions).toBe('');
    expect(tap.agreed()).toBeUndefined();
    expect(dataFrames(tap.fromServer).map((frame) => frame.rsv)).toEqual([0]);
  });

  it.each([
    [['--deflate'], 'permessage-deflate'],
    [['--deflate=dedicated'], 'permessage-deflate'],
    [['--deflate', 'shared'], 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    [['--deflate=shared'], 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
  ])('%j accepts the offer as %s and echoes compressed', async (flags, agreed) => {
    const tap = await serve(flags);
    const { extensions, echoed } = await echoThrough(tap);
    expect(echoed).toBe(true);
    expect(extensions).toBe('permessage-deflate');
    expect(tap.agreed()).toBe(agreed);
    expect(dataFrames(tap.fromServer).map((frame) => frame.rsv & RSV1)).toEqual([RSV1]);
  });

  it('--deflate off declines', async () => {
    const tap = await serve(['--deflate', 'off']);
    expect((await echoThrough(tap)).extensions).toBe('');
  });

  it('rejects an unknown mode with exit 2 and says which modes exist', async () => {
    const result = await runCli(['serve', '--port', '0', '--deflate=fast']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--deflate must be one of dedicated, shared, off (got 'fast')");
    // A word after a bare --deflate that is not a mode is an argument, which serve takes none of.
    const positional = await runCli(['serve', '--port', '0', '--deflate', 'fast']);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toContain("unexpected argument 'fast'");
  });

  it('--help shows the modes and the default', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.stdout).toMatch(/--deflate\[=MODE\].*MODE: dedicated, shared, off; alone: dedicated; default off/);
  });
});

/** A ws server (compressing everything it may) that records each request's offer and echoes. */
async function offerRecorder(): Promise<{ url: string; offers: Array<string | undefined>; tap: Tap }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  cleanups.push(() => {
    for (const client of server.clients) client.terminate();
    server.close();
  });
  const offers: Array<string | undefined> = [];
  server.on('connection', (socket, request: IncomingMessage) => {
    offers.push(request.headers['sec-websocket-extensions']);
    socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
  });
  await within(new Promise((resolve) => server.once('listening', resolve)), 'ws to listen');
  const tap = await tapTo((server.address() as { port: number }).port);
  return { url: `ws://127.0.0.1:${tap.port}`, offers, tap };
}

describe('wasmsocket connect --deflate', () => {
  const line = jsonLikeText(4000, 3);

  it.each([
    [[], 'permessage-deflate; client_max_window_bits', true],
    [['--deflate'], 'permessage-deflate; client_max_window_bits', true],
    [
      ['--deflate=shared'],
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits',
      true,
    ],
    [['--deflate', 'off'], undefined, false],
  ])('%j offers %s and sends compressed: %s', async (flags, offer, compressed) => {
    const { url, offers, tap } = await offerRecorder();
    // Flags after the URL too: a mode word after --deflate is its value, not a second URL.
    const cli = startCli(['connect', url, ...flags]);
    await cli.waitForLine(/^connected$/);
    cli.write(`${line}\n`);
    // stdin ends only once the echo is in: ending it closes the connection.
    await cli.waitForLine(new RegExp(`^${line.slice(0, 40).replace(/[^\w]/g, '.')}`));
    cli.endInput();
    const result = { ...(await cli.waitForExit()), stdout: cli.stdout, stderr: cli.stderr };
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['connected', line, 'closed 1000', '']);
    expect(offers).toEqual([offer]);
    const sent = dataFrames(tap.fromClient);
    expect(sent.map((frame) => (frame.rsv & RSV1) !== 0)).toEqual([compressed]);
    if (compressed) expect(result.stderr).toContain(`extensions: ${tap.agreed()}`);
  });
});

describe('wasmsocket autobahn-client --deflate', () => {
  /** A stand-in fuzzingserver: one case that sends a compressible text and expects it back. */
  async function fuzzingServer(): Promise<{ url: string; offers: Array<string | undefined>; echoed: boolean[] }> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => server.close());
    const offers: Array<string | undefined> = [];
    const echoed: boolean[] = [];
    const text = jsonLikeText(3000, 8);
    server.on('connection', (socket, request: IncomingMessage) => {
      const path = new URL(request.url ?? '/', 'ws://x').pathname;
      if (path === '/getCaseCount') {
        socket.send('1');
        socket.close(1000);
      } else if (path === '/runCase') {
        offers.push(request.headers['sec-websocket-extensions']);
        socket.once('message', (data: Buffer) => {
          echoed.push(data.toString() === text);
          socket.close(1000);
        });
        socket.send(text);
      } else socket.close(1000);
    });
    await within(new Promise((resolve) => server.once('listening', resolve)), 'the stand-in to listen');
    return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, offers, echoed };
  }

  it.each([
    // Two offers (RFC 7692 section 5): every configuration cases 12 and 13 accept (deflate-flag.ts).
    [
      [],
      'permessage-deflate; client_max_window_bits, permessage-deflate; client_no_context_takeover; client_max_window_bits',
    ],
    [
      ['--deflate=shared'],
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits',
    ],
    [['--deflate', 'off'], undefined],
  ])('%j offers %s on each case', async (flags, offer) => {
    const { url, offers, echoed } = await fuzzingServer();
    const result = await runCli(['autobahn-client', '--url', url, ...flags]);
    expect(result.code, result.stderr).toBe(0);
    expect(offers).toEqual([offer]);
    expect(echoed).toEqual([true]);
  });
});
