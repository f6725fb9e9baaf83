// docs/ws-compat.md's "same" rows for the client and the connection, run: each scenario is written
// once and run with the ws package and with ours over 127.0.0.1 (test/support/side-by-side.ts); what it
// saw must be the same. The server's side and the wire: ws-parity-server-scenarios.node.test.ts.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, type ClientRequestArgs, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createConnection, type Socket } from 'node:net';
import type { WebSocket } from '../../src/index.ts';
import { acceptKeyFor } from '../support/raw-peer.ts';
import {
  closed,
  closeServer,
  httpServer,
  listening,
  openPair,
  outcomeOf,
  portOf,
  type Scenario,
  sideBySide,
  silentServer,
} from '../support/side-by-side.ts';
import { within } from '../support/waits.ts';

const TLS_KEY = readFileSync(new URL('../http2/fixtures/localhost-key.pem', import.meta.url));
const TLS_CERT = readFileSync(new URL('../http2/fixtures/localhost-cert.pem', import.meta.url));

const scenarios: Record<string, Scenario> = {
  async 'before open: send and ping throw, pause is a no-op, terminate fails the opening'(lib) {
    const silent = await silentServer();
    const client = new lib.WebSocket(`ws://127.0.0.1:${silent.port}`);
    const events: string[] = [];
    client.on('error', (error) => events.push(`error ${error.message}`));
    const send = outcomeOf(() => client.send('x'));
    const ping = outcomeOf(() => client.ping());
    client.pause();
    const paused = client.isPaused;
    const done = closed(client);
    client.terminate();
    const readyState = client.readyState;
    events.push(`close ${(await done)[0]}`);
    await silent.end();
    return { send, ping, paused, readyState, events };
  },

  async 'constructor errors'(lib) {
    return {
      notAUrl: outcomeOf(() => new lib.WebSocket('nope')),
      ftp: outcomeOf(() => new lib.WebSocket('ftp://example.com')),
      fragment: outcomeOf(() => new lib.WebSocket('ws://example.com/#a')),
      duplicateProtocol: outcomeOf(() => new lib.WebSocket('ws://127.0.0.1:1', ['a', 'a'])),
      badProtocol: outcomeOf(() => new lib.WebSocket('ws://127.0.0.1:1', ['a b'])),
      version: outcomeOf(() => new lib.WebSocket('ws://127.0.0.1:1', { protocolVersion: 7 })),
      noSource: outcomeOf(() => new lib.WebSocketServer({})),
      twoSources: outcomeOf(() => new lib.WebSocketServer({ port: 0, noServer: true })),
    };
  },

  async 'a 404 without an unexpected-response listener'(lib) {
    const http = await httpServer((_, response) => response.writeHead(404).end('not here'));
    const client = new lib.WebSocket(`ws://127.0.0.1:${http.port}`);
    const events: string[] = [];
    client.on('error', (error) => events.push(`error ${error instanceof Error} ${error.message}`));
    events.push(`close ${(await closed(client))[0]}`);
    await http.end();
    return events;
  },

  async 'redirects: followed, capped by maxRedirects, refused without followRedirects'(lib) {
    const target = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(target);
    const final = `ws://127.0.0.1:${portOf(target)}/final`;
    const http = await httpServer((request, response) =>
      response.writeHead(302, { Location: request.url === '/loop' ? '/loop' : final }).end(),
    );
    const base = `ws://127.0.0.1:${http.port}`;
    const events: unknown[] = [];
    const followed = new lib.WebSocket(`${base}/start`, { followRedirects: true });
    followed.on('redirect', (url, request) => events.push(`redirect ${url === final} ${request.constructor.name}`));
    await within(once(followed, 'open'), 'the redirected client to open');
    events.push(`open at ${followed.url === final}`);
    followed.terminate();
    const looping = new lib.WebSocket(`${base}/loop`, { followRedirects: true, maxRedirects: 2 });
    looping.on('error', (error) => events.push(error.message));
    events.push(await closed(looping));
    const notFollowing = new lib.WebSocket(`${base}/start`);
    notFollowing.on('error', (error) => events.push(error.message));
    events.push(await closed(notFollowing));
    for (const client of target.clients) client.terminate();
    await http.end();
    await closeServer(target);
    return events;
  },

  async 'handshakeTimeout against a server that never answers'(lib) {
    const silent = await silentServer();
    const client = new lib.WebSocket(`ws://127.0.0.1:${silent.port}`, { handshakeTimeout: 50 });
    const events: unknown[] = [];
    client.on('error', (error) => events.push(error.message));
    events.push(await closed(client));
    await silent.end();
    return events;
  },

  async 'request options: auth, headers, origin, agent, localAddress, family, finishRequest'(lib) {
    const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(server);
    const accepted = once(server, 'connection');
    const agent = new Agent();
    let agentConnections = 0;
    const agentConnect = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof agentConnect>) => {
      agentConnections++;
      return agentConnect(...args);
    };
    let finishedWith = '';
    const client = new lib.WebSocket(`ws://127.0.0.1:${portOf(server)}`, {
      auth: 'user:secret',
      headers: { 'X-Custom': '1', Cookie: 'a=b' },
      origin: 'https://app.example',
      agent,
      localAddress: '127.0.0.1',
      family: 4,
      finishRequest: (request, websocket) => {
        finishedWith = `${request.constructor.name} ${websocket instanceof lib.WebSocket}`;
        request.setHeader('X-Late', 'yes');
        request.end();
      },
    });
    const [peer, request] = (await within(accepted, 'the connection')) as [WebSocket, IncomingMessage];
    await within(once(client, 'open'), 'the client to open');
    const { authorization, cookie, origin } = request.headers;
    const seen = [authorization, request.headers['x-custom'], request.headers['x-late'], cookie, origin];
    const from = request.socket.remoteAddress;
    client.terminate();
    peer.terminate();
    agent.destroy();
    await closeServer(server);
    return { seen, agentConnections, finishedWith, from };
  },

  async 'createConnection replaces the TCP connect'(lib) {
    const server = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await listening(server);
    const hosts: string[] = [];
    const client = new lib.WebSocket(`ws://unresolvable.invalid:${portOf(server)}`, {
      createConnection: (options: ClientRequestArgs) => {
        hosts.push(String(options.host));
        return createConnection({ port: Number(options.port), host: '127.0.0.1' });
      },
    });
    await within(once(client, 'open'), 'the client to open');
    client.terminate();
    for (const peer of server.clients) peer.terminate();
    await closeServer(server);
    return hosts;
  },

  async 'the event-target face: duplicates, handleEvent, once, onmessage, CloseEvent'(lib) {
    const { client, peer, server } = await openPair(lib);
    const seen: string[] = [];
    const listener = (event: { type: string; data: unknown }) => seen.push(`listener ${event.type} ${event.data}`);
    client.addEventListener('message', listener);
    client.addEventListener('message', listener);
    client.addEventListener('message', { handleEvent: (event) => seen.push(`object ${event.type}`) });
    client.addEventListener('message', listener, { once: true });
    client.onmessage = (event) => seen.push(`onmessage ${event.constructor.name} ${event.target === client}`);
    peer.send('a');
    await within(once(client, 'message'), 'the message');
    const listeners = [client.listenerCount('message')];
    client.removeEventListener('message', listener);
    listeners.push(client.listenerCount('message'));
    const closeEvent = new Promise<string>((resolve) =>
      client.addEventListener('close', (event) =>
        resolve(`${event.constructor.name} ${event.code} ${event.reason} ${event.wasClean}`),
      ),
    );
    peer.close(4000, 'bye');
    const closing = await within(closeEvent, 'the CloseEvent');
    await closeServer(server);
    return { seen, listeners, closing };
  },

  async 'autoPong: false still emits ping; pong(data) by hand'(lib) {
    const { client, peer, end } = await openPair(lib, {}, { autoPong: false });
    const pongs: string[] = [];
    peer.on('pong', (data) => pongs.push(String(data)));
    const ping = once(client, 'ping');
    peer.ping('x');
    const [data] = (await within(ping, 'the ping')) as [Buffer];
    const pong = once(peer, 'pong');
    client.pong('by hand');
    await within(pong, 'the pong');
    await end();
    return { ping: String(data), pongs };
  },

  async 'allowSynchronousEvents: false, one message per turn'(lib) {
    const { client, peer, end } = await openPair(lib, {}, { allowSynchronousEvents: false });
    const order: string[] = [];
    const third = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        order.push(`message ${data}`);
        queueMicrotask(() => order.push(`microtask ${data}`));
        setImmediate(() => {
          order.push(`immediate ${data}`);
          if (String(data) === '3') resolve();
        });
      }),
    );
    (peer._socket as Socket).cork();
    for (const text of ['1', '2', '3']) peer.send(text);
    (peer._socket as Socket).uncork();
    await within(third, 'the third message');
    await end();
    return order;
  },

  async "a client's closeTimeout against a peer that never answers the close"(lib) {
    const http = await httpServer();
    http.server.on('upgrade', (request, socket: Socket) => {
      http.track(socket);
      const accept = acceptKeyFor(String(request.headers['sec-websocket-key']));
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.resume();
    });
    const client = new lib.WebSocket(`ws://127.0.0.1:${http.port}`, { closeTimeout: 100, perMessageDeflate: false });
    await within(once(client, 'open'), 'the client to open');
    const done = closed(client);
    client.close(1000);
    const result = await done;
    await http.end();
    return result;
  },

  async 'pause() holds messages until resume(); a no-op once closed'(lib) {
    const { client, peer, server } = await openPair(lib);
    const events: unknown[] = [];
    client.pause();
    events.push(client.isPaused);
    client.on('message', (data) => events.push(`message ${data}`));
    // Nothing can show that a message is withheld: give it time to arrive (written, then some turns of
    // the event loop), and see that it comes only after resume().
    await new Promise((resolve) => peer.send('a', resolve));
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    events.push('resume');
    const message = once(client, 'message');
    client.resume();
    events.push(client.isPaused);
    await within(message, 'the held message');
    const done = closed(client);
    client.close();
    await done;
    client.pause();
    events.push(`paused after close: ${client.isPaused}`);
    await closeServer(server);
    return events;
  },

  async 'ping and pong with data and a callback'(lib) {
    const { client, peer, end } = await openPair(lib);
    const events: unknown[] = [];
    peer.on('ping', (data) => events.push(`server got ping ${data}`));
    client.on('pong', (data) => events.push(`client got pong ${data}`));
    client.ping('abc', undefined, (error) => events.push(`ping callback ${error ?? null}`));
    await within(once(client, 'pong'), 'the pong');
    const pong = once(peer, 'pong');
    client.pong(Buffer.from('zz'));
    const [data] = (await within(pong, "the server's pong")) as [Buffer];
    events.push(`server got pong ${data}`);
    await end();
    return events;
  },

  async 'the closing handshake, then a send after close'(lib) {
    const { client, peer, server } = await openPair(lib);
    const both = [closed(peer), closed(client)];
    client.close(4001, 'why');
    const states: unknown[] = [client.readyState, ...(await Promise.all(both)), client.readyState, peer.readyState];
    const late = await new Promise((resolve) => client.send('late', (error) => resolve(error?.message)));
    await closeServer(server);
    return [...states, late, client.bufferedAmount];
  },

  async 'binaryType: fragments, arraybuffer, blob, nodebuffer'(lib) {
    const { client, peer, end } = await openPair(lib);
    const seen: unknown[] = [];
    client.binaryType = 'fragments';
    peer.send(Buffer.from('ab'), { fin: false });
    peer.send(Buffer.from('cd'), { fin: true });
    const [fragments, isBinary] = (await within(once(client, 'message'), 'the fragmented message')) as [
      Buffer[],
      boolean,
    ];
    seen.push(Array.isArray(fragments), Buffer.concat(fragments).toString(), isBinary);
    for (const type of ['arraybuffer', 'blob', 'nodebuffer', 'not a type'] as const) {
      client.binaryType = type as WebSocket['binaryType'];
      peer.send(Buffer.from('x'));
      const [data] = (await within(once(client, 'message'), 'the binary message')) as [object];
      seen.push(`${client.binaryType}: ${data.constructor.name}`);
    }
    peer.send('text');
    const [text] = (await within(once(client, 'message'), 'the text message')) as [object];
    seen.push(`text: ${text.constructor.name}`);
    await end();
    return seen;
  },

  async 'TLS options: rejectUnauthorized, ca, checkServerIdentity'(lib) {
    const https = createHttpsServer({ key: TLS_KEY, cert: TLS_CERT });
    const server = new lib.WebSocketServer({ server: https });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const url = `wss://localhost:${portOf(https)}`;
    const attempt = async (options: object) => {
      const client = new lib.WebSocket(url, options);
      const result = await within(
        new Promise<string>((resolve) => {
          client.on('open', () => resolve('open'));
          client.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
        }),
        'the TLS client to open or fail',
      );
      client.terminate();
      return result;
    };
    let identityChecks = 0;
    const results = [
      await attempt({}),
      await attempt({ rejectUnauthorized: false }),
      await attempt({ ca: TLS_CERT }),
      await attempt({
        ca: TLS_CERT,
        checkServerIdentity: () => {
          identityChecks++;
          return new Error('not this one');
        },
      }),
      identityChecks,
    ];
    for (const peer of server.clients) peer.terminate();
    await closeServer(server);
    https.closeAllConnections();
    await closeServer(https);
    return results;
  },
};

sideBySide('docs/ws-compat.md "same" rows, client and connection: ws and ours, the same outcome', scenarios);
