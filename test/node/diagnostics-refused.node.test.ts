// wasmsocket:server:refused (src/node/diagnostics.ts): every upgrade a WebSocketServer refuses, over
// HTTP/1.1 (RFC 6455 section 4.2.1) and HTTP/2 (RFC 8441 section 5), is published once with the server,
// the request (an IncomingMessage, or an Http2ServerRequest), the HTTP status the client got, a stable
// reason and the refusal's words: the limits, the origin allow-list, a bad request, a wrong version,
// the path, verifyClient (refusing at once, through its callback, or not answering in time), a server
// that closed meanwhile, and a refusal a wsClientError listener answers itself.

import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Http2ServerRequest } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, {
  type DiagnosticsRefusedMessage,
  type VerifyClientCallback,
  type VerifyClientInfo,
  type WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/index.ts';
import { closeRawSession, request as h2Request, openRawSession, websocketConnect } from '../http2/raw-h2-client.ts';
import { until, within } from '../support/waits.ts';
import { deferCleanup, record, runCleanups, startServer, TRANSPORTS, type Transport } from './diagnostics-support.ts';

afterEach(runCleanups);

/** Opens a client; resolves with 'open', or the status its 'error' names (-1 for another error). */
function attempt(url: string, options: object): Promise<number | 'open'> {
  const ws = new WebSocket(url, options);
  deferCleanup(() => ws.terminate());
  return within(
    new Promise((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', (error: Error) => {
        const status = /^Unexpected server response: (\d+)$/.exec(error.message);
        resolve(status === null ? -1 : Number(status[1]));
      });
    }),
    'the handshake to end',
  );
}

/**
 * Sends a WebSocket request with `fields` changed (null removes one) as a raw HTTP/1.1 upgrade or
 * HTTP/2 extended CONNECT, for what our client never sends; resolves with the status answered.
 */
async function rawAttempt(transport: Transport, url: string, fields: Record<string, string>): Promise<number> {
  const { port } = new URL(url);
  if (transport === 'HTTP/2') {
    const session = await openRawSession(url);
    deferCleanup(() => closeRawSession(session));
    return (await h2Request(session, websocketConnect('/', fields))).status;
  }
  const headers = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...fields,
  };
  return within(
    new Promise<number>((resolve, reject) => {
      const sent = httpRequest({ host: '127.0.0.1', port, path: '/', headers });
      sent.once('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      sent.once('upgrade', (_response, socket) => {
        socket.destroy();
        reject(new Error('the upgrade was accepted'));
      });
      sent.once('error', reject);
      sent.end();
    }),
    'the answer to a raw upgrade',
  );
}

/** The one refusal published about `wss`, once it has come. */
async function refusalOf(messages: DiagnosticsRefusedMessage[], wss: WebSocketServer) {
  await until(() => messages.some((message) => message.server === wss), 'the refused message');
  const ours = messages.filter((message) => message.server === wss);
  expect(ours).toHaveLength(1);
  return ours[0];
}

interface Case {
  reason: string;
  options: Partial<WebSocketServerOptions>;
  /** Clients that open (and stay open) before the refused one. */
  before?: number;
  /** Our client's options beyond the transport's. */
  client?: object;
  /** Instead of our client: a raw request with these fields changed. */
  raw?: Record<string, string>;
  path?: string;
  status: number;
  message: string;
}

const CASES: Case[] = [
  {
    reason: 'too-many-headers',
    options: { maxHeaderCount: 12 },
    client: { headers: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`x-extra-${i}`, 'y'])) },
    status: 431,
    message: 'More than 12 header fields',
  },
  {
    reason: 'max-connections',
    options: { maxConnections: 1 },
    before: 1,
    status: 503,
    message: 'Too many connections',
  },
  {
    reason: 'max-connections-per-address',
    options: { maxConnectionsPerAddress: 1 },
    before: 1,
    status: 429,
    message: 'Too many connections from this address',
  },
  {
    reason: 'origin',
    options: { allowedOrigins: ['https://app.example'] },
    client: { origin: 'https://evil.example' },
    status: 403,
    message: 'Origin not allowed',
  },
  {
    reason: 'bad-handshake',
    options: {},
    raw: { 'sec-websocket-protocol': 'a b' },
    status: 400,
    message: 'Invalid Sec-WebSocket-Protocol header',
  },
  {
    reason: 'unsupported-version',
    options: {},
    raw: { 'sec-websocket-version': '12' },
    status: 426,
    message: 'Missing or invalid Sec-WebSocket-Version header',
  },
  {
    reason: 'path',
    options: { path: '/ws' },
    path: '/elsewhere',
    status: 400,
    message: '',
  },
  {
    reason: 'verify-client',
    options: { verifyClient: () => false },
    status: 401,
    message: '',
  },
  {
    reason: 'verify-client',
    options: {
      verifyClient: (_info: VerifyClientInfo, callback: VerifyClientCallback) => callback(false, 403, 'Not you'),
    },
    status: 403,
    message: 'Not you',
  },
  {
    reason: 'verify-client-timeout',
    // A verifyClient that never answers: the handshake is refused once handshakeTimeout has passed.
    options: { handshakeTimeout: 50, verifyClient: (_info: VerifyClientInfo, _callback: VerifyClientCallback) => {} },
    status: 408,
    message: '',
  },
];

describe.each<Transport>(TRANSPORTS)('over %s', (transport) => {
  it.each(CASES)('$reason ($status): published once, with the request the server saw', async (each) => {
    const refused = record('wasmsocket:server:refused');
    const seenByVerifyClient: IncomingMessage[] = [];
    const verifyClient = each.options.verifyClient as ((...args: unknown[]) => unknown) | undefined;
    const options: Partial<WebSocketServerOptions> =
      verifyClient === undefined
        ? each.options
        : {
            ...each.options,
            // The same arity as the case's, so the server calls it the same way; it notes the request.
            verifyClient:
              verifyClient.length === 2
                ? (info: VerifyClientInfo, callback: VerifyClientCallback) => {
                    seenByVerifyClient.push(info.req);
                    verifyClient(info, callback);
                  }
                : (info: VerifyClientInfo) => {
                    seenByVerifyClient.push(info.req);
                    return verifyClient(info) as boolean;
                  },
          };
    const { wss, url, clientOptions } = await startServer(transport, options);
    for (let i = 0; i < (each.before ?? 0); i++) expect(await attempt(`${url}/`, clientOptions)).toBe('open');
    const path = each.path ?? '/';
    const status =
      each.raw === undefined
        ? await attempt(`${url}${path}`, { ...clientOptions, ...each.client })
        : await rawAttempt(transport, url, each.raw);
    expect(status).toBe(each.status);
    const message = await refusalOf(refused, wss);
    expect({ status: message.status, reason: message.reason, message: message.message }).toEqual({
      status: each.status,
      reason: each.reason,
      message: each.message,
    });
    expect(message.server).toBe(wss);
    // HTTP/1.1: Node's IncomingMessage; HTTP/2: the Http2ServerRequest verifyClient and 'connection' get.
    if (transport === 'HTTP/2') expect(message.request).toBeInstanceOf(Http2ServerRequest);
    else expect(message.request.constructor.name).toBe('IncomingMessage');
    expect(message.request.url).toBe(path);
    if (seenByVerifyClient.length > 0) expect(message.request).toBe(seenByVerifyClient[0]);
  });

  it('server-closing (503): a server closed while verifyClient decided publishes the refusal', async () => {
    const refused = record('wasmsocket:server:refused');
    let decide: ((verified: boolean) => void) | null = null;
    const { wss, url, clientOptions } = await startServer(transport, {
      verifyClient: (_info: VerifyClientInfo, callback: VerifyClientCallback) => {
        decide = callback;
      },
    });
    const outcome = attempt(`${url}/`, clientOptions);
    await until(() => decide !== null, 'verifyClient to be asked');
    wss.close();
    (decide as unknown as (verified: boolean) => void)(true);
    expect(await outcome).toBe(503);
    const message = await refusalOf(refused, wss);
    expect({ status: message.status, reason: message.reason }).toEqual({ status: 503, reason: 'server-closing' });
  });

  it('with a wsClientError listener (it answers itself): published with the status the server would have sent', async () => {
    const refused = record('wasmsocket:server:refused');
    const { wss, url, clientOptions } = await startServer(transport, { allowedOrigins: ['https://app.example'] });
    const heard: IncomingMessage[] = [];
    wss.on('wsClientError', (_error: Error, duplex: { destroy(): void }, request: IncomingMessage) => {
      heard.push(request);
      duplex.destroy();
    });
    expect(await attempt(`${url}/`, { ...clientOptions, origin: 'https://evil.example' })).not.toBe('open');
    const message = await refusalOf(refused, wss);
    expect({ status: message.status, reason: message.reason, message: message.message }).toEqual({
      status: 403,
      reason: 'origin',
      message: 'Origin not allowed',
    });
    expect(heard).toHaveLength(1);
    expect(message.request).toBe(heard[0]);
  });

  it('an accepted upgrade publishes no refusal', async () => {
    const refused = record('wasmsocket:server:refused');
    const { wss, url, clientOptions } = await startServer(transport, { verifyClient: () => true });
    expect(await attempt(`${url}/`, clientOptions)).toBe('open');
    expect(refused.filter((message) => message.server === wss)).toEqual([]);
  });
});
