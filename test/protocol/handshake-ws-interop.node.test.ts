// The sans-IO handshake against the ws package over real sockets on 127.0.0.1: a ws client talking to
// a bare net server that uses only src/protocol to answer, and a bare net client that uses only
// src/protocol to ask a ws server. The first frame after the 101 is read to show the connection is
// really open on both sides.

import { createHash, randomFillSync } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { upgradeRequestHead, validateUpgradeResponse } from '../../src/protocol/handshake-client.ts';
import { computeAccept, generateKey } from '../../src/protocol/handshake-key.ts';
import {
  type AcceptedUpgrade,
  acceptResponseHead,
  refusalResponse,
  validateUpgradeRequest,
} from '../../src/protocol/handshake-server.ts';
import { HeadReader, type RequestHead, type ResponseHead } from '../../src/protocol/http-head.ts';
import { encodeHead } from '../../src/protocol/http-head-writer.ts';
import { acceptDeflateResponse, deflateOffer } from '../../src/protocol/permessage-deflate.ts';
import { nextEvent, within } from '../support/waits.ts';

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest();

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Ends a ws client at any state; an abort during the handshake is expected here, not a failure. */
function closeQuietly(client: WebSocket): void {
  client.on('error', () => {});
  client.terminate();
}

async function listen(server: Server | WebSocketServer): Promise<number> {
  if (server instanceof WebSocketServer) {
    await nextEvent(server, 'listening');
    return (server.address() as { port: number }).port;
  }
  await within(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 'listen');
  return (server.address() as { port: number }).port;
}

/** Collects a socket's bytes until `enough` says so. */
function collect(socket: Socket, initial: Uint8Array, enough: (bytes: Uint8Array) => boolean): Promise<Uint8Array> {
  let bytes = Uint8Array.from(initial);
  if (enough(bytes)) return Promise.resolve(bytes);
  return within(
    new Promise((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        bytes = new Uint8Array([...bytes, ...chunk]);
        if (enough(bytes)) resolve(bytes);
      });
      socket.on('error', reject);
    }),
    'frame bytes',
  );
}

/** The payload of one masked client frame of under 126 bytes. */
function unmaskSmallFrame(frame: Uint8Array): { byte0: number; payload: string } {
  const length = frame[1] & 0x7f;
  const key = frame.subarray(2, 6);
  const payload = frame.subarray(6, 6 + length).map((byte, i) => byte ^ key[i % 4]);
  return { byte0: frame[0], payload: new TextDecoder().decode(payload) };
}

/**
 * A server made of a net server and src/protocol only: reads the head, checks it, and answers with
 * `answer` (the 101 or a refusal). Resolves each accepted request and the bytes after its head.
 */
function sansIoServer(
  answer: (request: AcceptedUpgrade | null, refusal: string | null) => string,
  onUpgraded: (socket: Socket, request: AcceptedUpgrade, rest: Uint8Array) => void,
): Server {
  const server = createServer((socket) => {
    const reader = new HeadReader<RequestHead>('request');
    socket.on('error', () => {});
    socket.on('data', function onData(chunk: Buffer) {
      const result = reader.push(chunk);
      if (result.kind === 'need-more') return;
      socket.removeListener('data', onData);
      if (result.kind === 'error') {
        socket.end(refusalResponse(result.error));
        return;
      }
      const checked = validateUpgradeRequest(result.head);
      if (!checked.ok) {
        socket.end(answer(null, refusalResponse(checked.error)));
        return;
      }
      socket.write(answer(checked.request, null));
      onUpgraded(socket, checked.request, result.rest);
    });
  });
  cleanups.push(() => server.close());
  return server;
}

describe('a ws client and a server built on src/protocol', () => {
  it('opens with the chosen subprotocol; ws offers permessage-deflate and sends a frame we can read', async () => {
    let seen: AcceptedUpgrade | undefined;
    let opened: { protocol: string; extensions: string } | undefined;
    const firstFrame = new Promise<Uint8Array>((resolve, reject) => {
      const server = sansIoServer(
        (request) => acceptResponseHead({ accept: computeAccept(request?.key ?? '', sha1), protocol: 'superchat' }),
        (socket, request, rest) => {
          seen = request;
          collect(socket, rest, (bytes) => bytes.length >= 2 && bytes.length >= 6 + (bytes[1] & 0x7f)).then(
            resolve,
            reject,
          );
        },
      );
      listen(server).then((port) => {
        const client = new WebSocket(`ws://127.0.0.1:${port}/path?q=1`, ['chat', 'superchat'], {
          origin: 'https://origin.example',
        });
        cleanups.push(() => closeQuietly(client));
        client.on('error', reject);
        client.on('open', () => {
          opened = { protocol: client.protocol, extensions: client.extensions };
          client.send('hello from ws');
        });
      }, reject);
    });
    const frame = await within(firstFrame, 'the first frame from ws');
    expect(opened).toEqual({ protocol: 'superchat', extensions: '' });
    expect(unmaskSmallFrame(frame)).toEqual({ byte0: 0x81, payload: 'hello from ws' });
    expect(seen?.protocols).toEqual(['chat', 'superchat']);
    expect(seen?.origin).toBe('https://origin.example');
    expect(seen?.url).toBe('/path?q=1');
    expect(seen?.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(seen?.extensions.map((each) => [each.name, [...each.params]])).toEqual([
      ['permessage-deflate', [['client_max_window_bits', true]]],
    ]);
  });

  it("reaches ws's 'unexpected-response' with our refusal's status, headers and body", async () => {
    const server = sansIoServer(
      () => refusalResponse({ status: 403, message: 'Go away', headers: { 'X-Reason': 'test' } }),
      () => {},
    );
    const port = await listen(server);
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    cleanups.push(() => closeQuietly(client));
    const [, response] = await nextEvent<[unknown, import('node:http').IncomingMessage]>(client, 'unexpected-response');
    expect(response.statusCode).toBe(403);
    expect(response.headers['x-reason']).toBe('test');
    expect(response.headers.connection).toBe('close');
    const body = await within(
      new Promise<string>((resolve) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          text += piece;
        });
        response.on('end', () => resolve(text));
      }),
      'the refusal body',
    );
    expect(body).toBe('Go away');
  });

  it('accepts a ws client speaking version 8 (the last hybi draft), its origin read from Sec-WebSocket-Origin', async () => {
    let seen: AcceptedUpgrade | undefined;
    const firstFrame = new Promise<Uint8Array>((resolve, reject) => {
      const server = sansIoServer(
        (request) => acceptResponseHead({ accept: computeAccept(request?.key ?? '', sha1) }),
        (socket, request, rest) => {
          seen = request;
          collect(socket, rest, (bytes) => bytes.length >= 2 && bytes.length >= 6 + (bytes[1] & 0x7f)).then(
            resolve,
            reject,
          );
        },
      );
      listen(server).then((port) => {
        const client = new WebSocket(`ws://127.0.0.1:${port}/`, {
          protocolVersion: 8,
          origin: 'https://origin.example',
          perMessageDeflate: false,
        });
        cleanups.push(() => closeQuietly(client));
        client.on('error', reject);
        client.on('open', () => client.send('hello in draft 8'));
      }, reject);
    });
    // The frame is RFC 6455's: draft 8 framed messages the same way.
    const frame = await within(firstFrame, 'the first frame from ws');
    expect(unmaskSmallFrame(frame)).toEqual({ byte0: 0x81, payload: 'hello in draft 8' });
    expect(seen?.version).toBe(8);
    expect(seen?.origin).toBe('https://origin.example');
  });
});

describe('a client built on src/protocol and a ws server', () => {
  /** Sends our request to `port` and reads the answer; the server's first frame may share its chunk. */
  async function handshake(port: number, protocols: string[], extensions: string | undefined) {
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await nextEvent(socket, 'connect');
    const key = generateKey((target) => void randomFillSync(target));
    socket.write(encodeHead(upgradeRequestHead({ url: `ws://127.0.0.1:${port}/`, key, protocols, extensions })));
    const reader = new HeadReader<ResponseHead>('response');
    const result = await within(
      new Promise<ReturnType<typeof reader.push>>((resolve) => {
        socket.on('data', function onData(chunk: Buffer) {
          const read = reader.push(chunk);
          if (read.kind === 'need-more') return;
          socket.removeListener('data', onData);
          resolve(read);
        });
      }),
      'the response head',
    );
    if (result.kind !== 'complete') throw result.kind === 'error' ? result.error : new Error(result.kind);
    const verdict = validateUpgradeResponse(result.head, {
      accept: computeAccept(key, sha1),
      protocols,
      extensions: extensions === undefined ? [] : ['permessage-deflate'],
    });
    return { socket, verdict, rest: result.rest, head: result.head };
  }

  it('opens, agrees permessage-deflate with ws, and reads the frame ws sends on connection', async () => {
    const server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      perMessageDeflate: true,
      handleProtocols: (offered) => [...offered].at(-1) ?? false,
    });
    cleanups.push(() => server.close());
    // Sent uncompressed (compress: false) so that the test can read it without inflating.
    server.on('connection', (ws) => ws.send('welcome', { compress: false }));
    const port = await listen(server);
    const options = { clientMaxWindowBits: 10 };
    const { socket, verdict, rest } = await handshake(port, ['a', 'b'], deflateOffer(options));
    if (!verdict.ok) throw verdict.error;
    expect(verdict.protocol).toBe('b');
    expect(verdict.extensions.map((each) => each.name)).toEqual(['permessage-deflate']);
    const agreement = acceptDeflateResponse(options, verdict.extensions);
    expect(typeof agreement === 'object' && agreement.clientMaxWindowBits).toBe(10);
    const frame = await collect(socket, rest, (bytes) => bytes.length >= 9);
    expect([...frame.subarray(0, 2)]).toEqual([0x81, 7]);
    expect(new TextDecoder().decode(frame.subarray(2, 9))).toBe('welcome');
  });

  it('reports ws refusing us: 401 from verifyClient, 400 for a path it does not serve', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
    cleanups.push(() => server.close());
    const port = await listen(server);
    const { verdict } = await handshake(port, [], undefined);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.error.message).toBe('Unexpected server response: 401');
      expect(verdict.error.responseStatus).toBe(401);
    }

    const pathServer = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/only-here' });
    cleanups.push(() => pathServer.close());
    const pathPort = await listen(pathServer);
    const refused = await handshake(pathPort, [], undefined);
    expect(!refused.verdict.ok && refused.verdict.error.responseStatus).toBe(400);
  });

  it("fails as ws would when ws's server picks no subprotocol from our offer", async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => false });
    cleanups.push(() => server.close());
    const port = await listen(server);
    const { verdict } = await handshake(port, ['a'], undefined);
    expect(!verdict.ok && verdict.error.message).toBe('Server sent no subprotocol');
  });
});
