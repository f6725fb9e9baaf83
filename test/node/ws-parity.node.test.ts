// The inventory of ws's public API (docs/ws-compat.md) held to ws itself: every name ws exports, defines
// on its classes, documents as an option (the JSDoc of ws's lib/) or types as an event (@types/ws) has a
// row there, and a row that says "not provided" names something this package indeed lacks, while every
// other row names something it has. Then the behaviours that the inventory found different and that
// were matched to ws, each run against ws and against ours over 127.0.0.1.

import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { ErrorCode } from '../../src/codec/error-codes.ts';
import * as ours from '../../src/index.ts';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { openRawClient } from '../support/raw-peer.ts';
import { within } from '../support/waits.ts';

const require = createRequire(import.meta.url);
const wsRoot = dirname(require.resolve('ws/package.json'));
const wsCjs = require('ws') as typeof import('ws') & Record<string, unknown>;
const wsTypes = readFileSync(join(dirname(require.resolve('@types/ws/package.json')), 'index.d.ts'), 'utf8');
const inventory = readFileSync(new URL('../../docs/ws-compat.md', import.meta.url), 'utf8');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Status = 'same' | 'added' | 'differs' | 'not provided';

/** The rows of each "## " section of docs/ws-compat.md: ws's name → the status it is given. */
function inventorySections(): Map<string, Map<string, Status>> {
  const sections = new Map<string, Map<string, Status>>();
  let current: Map<string, Status> | null = null;
  for (const line of inventory.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = new Map();
      sections.set(heading[1], current);
      continue;
    }
    const row = /^\| `([^`]+)` \| \*\*(same|added|differs|not provided)\*\*/.exec(line);
    if (row && current) current.set(row[1], row[2] as Status);
  }
  return sections;
}

function section(name: string): Map<string, Status> {
  const rows = inventorySections().get(name);
  if (rows === undefined) throw new Error(`docs/ws-compat.md has no section "## ${name}"`);
  return rows;
}

/** The `[options.NAME` entries of the JSDoc block just above `function <fn>` or `constructor(` in ws's file. */
function jsdocOptions(file: string, anchor: string): string[] {
  const source = readFileSync(join(wsRoot, 'lib', file), 'utf8');
  const end = source.indexOf(anchor);
  const start = source.lastIndexOf('/**', end);
  return [...source.slice(start, end).matchAll(/\[options\.(\w+)/g)].map((match) => match[1]);
}

/** The text of @types/ws from `from` to the next `to`. */
function typesBetween(from: string, to: string): string {
  const start = wsTypes.indexOf(from);
  const end = wsTypes.indexOf(to, start + from.length);
  if (start < 0 || end < 0) throw new Error(`@types/ws has no ${from} … ${to}`);
  return wsTypes.slice(start, end);
}

/**
 * The member names of an interface or class body in @types/ws (`name?:`, `name(`, `name:`), written at
 * `indent` spaces (a parameter list wrapped onto its own lines is indented further).
 */
function typeMembers(body: string, indent: number): string[] {
  const member = new RegExp(`^ {${indent}}(?:readonly )?(\\w+)\\??(?:\\(|:|<)`, 'gm');
  return [...body.matchAll(member)].map((match) => match[1]);
}

/** The event names of `on(event: "a" | "b", …)` overloads in a stretch of @types/ws. */
function typedEvents(body: string): string[] {
  const names = new Set<string>();
  for (const [, list] of body.matchAll(/\bon\(\s*event: ((?:"[^"]+"(?: \| )?)+)/g)) {
    for (const [, name] of list.matchAll(/"([^"]+)"/g)) names.add(name);
  }
  return [...names];
}

const EMITTER_METHODS = new Set(['on', 'once', 'off', 'addListener', 'removeListener']);

function expectRows(sectionName: string, names: Iterable<string>): void {
  const rows = section(sectionName);
  const missing = [...new Set(names)].filter((name) => !rows.has(name));
  expect(missing, `ws names without a row under "## ${sectionName}"`).toEqual([]);
}

describe('docs/ws-compat.md lists all of ws', () => {
  it('every export of ws (require and import), and says truly which are not provided', () => {
    const wsNames = new Set([
      ...Object.keys(wsModule),
      ...Object.getOwnPropertyNames(wsCjs).filter((name) => !['length', 'name', 'prototype'].includes(name)),
    ]);
    expectRows('Module exports', wsNames);
    const oursHas = (name: string) => name in ours || name in (WebSocket as unknown as object);
    for (const [name, status] of section('Module exports')) {
      expect(oursHas(name), `${name}: ${status}`).toBe(status !== 'not provided');
    }
  });

  it("every client option of ws's JSDoc and of @types/ws's ClientOptions", () => {
    const names = [
      ...jsdocOptions('websocket.js', 'function initAsClient('),
      ...typeMembers(typesBetween('interface ClientOptions', '\n    }'), 8),
    ];
    expect(names).toEqual(expect.arrayContaining(['followRedirects', 'maxPendingAutoPongs', 'finishRequest']));
    expectRows('WebSocket client options', names);
  });

  it("every server option of ws's JSDoc, of its wss.options and of @types/ws's ServerOptions", () => {
    const wss = new wsModule.WebSocketServer({ noServer: true });
    const names = [
      ...jsdocOptions('websocket-server.js', 'constructor(options, callback)'),
      ...Object.keys(wss.options),
      ...typeMembers(typesBetween('interface ServerOptions<', '\n    }'), 8),
    ];
    expect(names).toEqual(expect.arrayContaining(['verifyClient', 'maxBufferedChunks', 'WebSocket']));
    expectRows('WebSocketServer options', names);
  });

  it('every event @types/ws types, for the client and for the server', () => {
    const clientEvents = typedEvents(typesBetween('declare class WebSocket', 'declare const WebSocketAlias'));
    const serverEvents = typedEvents(typesBetween('class Server<', 'const WebSocketServer:'));
    expect(clientEvents).toEqual(expect.arrayContaining(['unexpected-response', 'redirect', 'upgrade']));
    expect(serverEvents).toEqual(expect.arrayContaining(['wsClientError', 'headers']));
    expectRows('WebSocket events', clientEvents);
    expectRows('WebSocketServer events', serverEvents);
  });

  it("every error code ws's receiver gives a peer's bad frame, each in our catalogue; ws's environment variables", () => {
    const receiver = readFileSync(join(wsRoot, 'lib', 'receiver.js'), 'utf8');
    const codes = [...receiver.matchAll(/'(WS_ERR_\w+)'/g)].map((match) => match[1]);
    expect(codes).toEqual(expect.arrayContaining(['WS_ERR_INVALID_UTF8', 'WS_ERR_EXPECTED_FIN']));
    expectRows('Error codes', codes);
    const catalogue = new Set<string>(Object.values(ErrorCode));
    for (const [code, status] of section('Error codes')) {
      expect(catalogue.has(code), `${code}: ${status}`).toBe(status !== 'not provided');
    }
    const variables = readdirSync(join(wsRoot, 'lib')).flatMap((file) => [
      ...readFileSync(join(wsRoot, 'lib', file), 'utf8').matchAll(/process\.env\.(\w+)/g),
    ]);
    expect(variables.length).toBeGreaterThan(0);
    expectRows(
      'Environment variables',
      variables.map((match) => match[1]),
    );
  });

  it("every property and method of ws's WebSocket, and says truly which are not provided", () => {
    const names = [
      ...Object.getOwnPropertyNames(wsCjs.prototype),
      ...typeMembers(typesBetween('declare class WebSocket', 'declare const WebSocketAlias'), 4).filter(
        (name) => !EMITTER_METHODS.has(name),
      ),
    ];
    expectRows('WebSocket properties and methods', names);
    for (const [name, status] of section('WebSocket properties and methods')) {
      expect(name in WebSocket.prototype, `${name}: ${status}`).toBe(status !== 'not provided');
    }
  });

  it("every property and method of ws's WebSocketServer, and says truly which are not provided", async () => {
    const theirs = new wsModule.WebSocketServer({ noServer: true });
    const server = new WebSocketServer({ noServer: true });
    const names = [
      ...Object.getOwnPropertyNames(wsModule.WebSocketServer.prototype).filter((name) => name !== 'constructor'),
      ...Object.keys(theirs).filter((name) => !name.startsWith('_')),
      ...typeMembers(typesBetween('class Server<', 'const WebSocketServer:'), 8).filter(
        (name) => !EMITTER_METHODS.has(name) && name !== 'constructor',
      ),
    ];
    expectRows('WebSocketServer properties and methods', names);
    for (const [name, status] of section('WebSocketServer properties and methods')) {
      expect(name in server, `${name}: ${status}`).toBe(status !== 'not provided');
    }
  });
});

describe('wss.options as ws fills it', () => {
  it("holds ws's defaults for every option not given, and what was given, as ws's does", async () => {
    const given = { port: 0, host: '127.0.0.1', maxPayload: 4096 };
    const theirs = new wsModule.WebSocketServer(given);
    cleanups.push(() => new Promise((resolve) => theirs.close(resolve)));
    const server = new WebSocketServer(given);
    cleanups.push(() => server.shutdown({ timeoutMs: 100 }));
    await Promise.all([once(theirs, 'listening'), once(server, 'listening')]);

    // The options ws has and this package ignores (docs/ws-compat.md), and maxFragments, whose default
    // differs (0: no limit): every other entry is ws's, with functions compared by kind.
    const notOurs = ['maxBufferedChunks', 'maxPendingAutoPongs', 'maxFragments'];
    const shape = (options: object) =>
      Object.fromEntries(
        Object.entries(options)
          .filter(([name]) => !notOurs.includes(name))
          .map(([name, value]) => [name, typeof value === 'function' ? 'a function' : value]),
      );
    expect(shape(server.options)).toEqual(shape(theirs.options));
    expect(server.options).toMatchObject({ maxPayload: 4096, closeTimeout: 30_000, perMessageDeflate: false });
    expect(server.options.maxFragments).toBe(0);
    expect(server.options.WebSocket).toBe(WebSocket);
  });

  it("a server built from another one's options (ws's nulls included) works as the first", async () => {
    const first = new WebSocketServer({ noServer: true, maxPayload: 8 });
    const second = new WebSocketServer({ ...first.options, noServer: false, port: 0, host: '127.0.0.1' });
    cleanups.push(() => second.shutdown({ timeoutMs: 100 }));
    await once(second, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(second.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    const [socket] = (await within(once(second, 'connection'), 'the connection')) as [WebSocket];
    const failed = within(once(socket, 'error'), "the server's error for a message over maxPayload");
    await within(once(client, 'open'), 'the client to open');
    client.send('123456789');
    const [error] = (await failed) as [Error & { code: string }];
    expect(error.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  });
});

describe('a refused Sec-WebSocket-Version', () => {
  /** Sends an upgrade request for version 7 and reads the answer's status and version header. */
  async function versionAnswer(port: number): Promise<{ status: string; versions: string | undefined }> {
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n',
    );
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    await within(once(socket, 'close'), 'the server to answer and close');
    const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
    return {
      status: head.split(' ')[1],
      versions: /^sec-websocket-version: *(.*)$/im.exec(head)?.[1],
    };
  }

  it('is answered with every version the server takes, as ws lists them; with 426 where ws says 400', async () => {
    const theirs = new wsModule.WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((resolve) => theirs.close(resolve)));
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => server.shutdown({ timeoutMs: 100 }));
    await Promise.all([once(theirs, 'listening'), once(server, 'listening')]);

    const wsAnswer = await versionAnswer((theirs.address() as AddressInfo).port);
    const ourAnswer = await versionAnswer((server.address() as AddressInfo).port);
    expect(wsAnswer).toEqual({ status: '400', versions: '13, 8' });
    expect(ourAnswer).toEqual({ status: '426', versions: wsAnswer.versions });

    // Both versions it names are taken: a version-8 client of ws opens.
    const old = new wsModule.WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      protocolVersion: 8,
    });
    cleanups.push(() => old.terminate());
    await within(once(old, 'open'), 'the version-8 client to open');
  });
});

describe('the differences docs/ws-compat.md states, as it states them', () => {
  /** Starts a server of each library with `options`, on 127.0.0.1. */
  async function bothServers(options: object = {}) {
    const theirs = new wsModule.WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
    cleanups.push(() => {
      for (const client of theirs.clients) client.terminate();
      return new Promise((resolve) => theirs.close(resolve));
    });
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
    cleanups.push(() => server.shutdown({ timeoutMs: 100 }));
    await Promise.all([once(theirs, 'listening'), once(server, 'listening')]);
    return {
      theirs: (theirs.address() as AddressInfo).port,
      ours: (server.address() as AddressInfo).port,
      servers: { theirs, ours: server },
    };
  }

  /** Sends an upgrade request with `extra` header lines; returns the status and head of the answer. */
  async function answerTo(port: number, extra: string, path = '/'): Promise<{ status: string; head: string }> {
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    );
    let answer = '';
    socket.setEncoding('latin1');
    const head = new Promise<string>((resolve) =>
      socket.on('data', (chunk: string) => {
        answer += chunk;
        if (answer.includes('\r\n\r\n')) resolve(answer.slice(0, answer.indexOf('\r\n\r\n')));
      }),
    );
    const text = await within(head, 'the answer');
    return { status: text.split(' ')[1], head: text };
  }

  it('empty list elements: ws answers 400, ours goes on (RFC 7230 section 7)', async () => {
    // ws reads Sec-WebSocket-Extensions only when it has perMessageDeflate on.
    const ports = await bothServers({
      perMessageDeflate: true,
      handleProtocols: (offered: Set<string>) => [...offered].join('+'),
    });
    for (const line of ['Sec-WebSocket-Protocol: a,,b\r\n', 'Sec-WebSocket-Extensions: x,,y\r\n']) {
      expect((await answerTo(ports.theirs, line)).status, line).toBe('400');
      expect((await answerTo(ports.ours, line)).status, line).toBe('101');
    }
    expect((await answerTo(ports.ours, 'Sec-WebSocket-Protocol: a,,b\r\n')).head).toMatch(
      /^Sec-WebSocket-Protocol: a\+b$/m,
    );
  });

  it("a 64-bit length with its top bit set: ws's 1009, ours 1002; ws's UTF-8 error a plain Error, ours a RangeError", async () => {
    const { servers, ...ports } = await bothServers();
    /** The server's error and the close code the raw client gets for `bytes`. */
    const outcome = async (port: number, server: WebSocketServer, bytes: Buffer) => {
      const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
      const peer = await openRawClient(port);
      cleanups.push(() => peer.destroy());
      const socket = await within(accepted, 'the connection');
      const failed = within(once(socket, 'error'), "the server's error");
      await peer.write(bytes);
      const [error] = (await failed) as [Error & { code: string }];
      let event = await peer.next('the close frame');
      while (event.kind !== 'close' && event.kind !== 'end') event = await peer.next('the close frame');
      return [error.code, error instanceof RangeError, event.kind === 'close' ? event.code : null];
    };
    const theirs = servers.theirs as unknown as WebSocketServer;
    const topBit = Buffer.from([0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await outcome(ports.theirs, theirs, topBit)).toEqual(['WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', true, 1009]);
    expect(await outcome(ports.ours, servers.ours, topBit)).toEqual(['WS_ERR_INVALID_PAYLOAD_LENGTH', true, 1002]);
    const badText = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe]);
    expect(await outcome(ports.theirs, theirs, badText)).toEqual(['WS_ERR_INVALID_UTF8', false, 1007]);
    expect(await outcome(ports.ours, servers.ours, badText)).toEqual(['WS_ERR_INVALID_UTF8', true, 1007]);
  });

  it('a refusal: the same status and body, text/plain where ws says text/html', async () => {
    const ports = await bothServers({ path: '/only' });
    const theirs = await answerTo(ports.theirs, '', '/other');
    const mine = await answerTo(ports.ours, '', '/other');
    expect([theirs.status, mine.status]).toEqual(['400', '400']);
    expect(theirs.head).toMatch(/^Content-Type: text\/html$/im);
    expect(mine.head).toMatch(/^Content-Type: text\/plain; charset=utf-8$/im);
  });

  it('perMessageDeflate.threshold: ws compresses a short message when it keeps context, ours does not', async () => {
    const { servers, ...ports } = await bothServers({ perMessageDeflate: { threshold: 10 } });
    /** What a server's connection looks like, and the first byte of its frame for 'short' (5 bytes). */
    const sendShort = async (
      port: number,
      server: { once(event: 'connection', listener: (peer: WebSocket) => void): unknown },
    ) => {
      const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
      const client = new wsModule.WebSocket(`ws://127.0.0.1:${port}`);
      cleanups.push(() => client.terminate());
      await within(once(client, 'open'), 'the client to open');
      const peer = await within(accepted, 'the connection');
      const socket = (client as unknown as { _socket: Socket })._socket;
      const byte = new Promise<number>((resolve) =>
        socket.prependOnceListener('data', (chunk: Buffer) => resolve(chunk[0])),
      );
      peer.send('short');
      return { firstByte: await within(byte, 'the frame'), url: peer.url, extensions: client.extensions };
    };
    const theirs = await sendShort(ports.theirs, servers.theirs as unknown as WebSocketServer);
    const mine = await sendShort(ports.ours, servers.ours);
    // Both agreed on permessage-deflate with context takeover; ws sets RSV1 (0xc1), ours sends it plain.
    expect([theirs.extensions, mine.extensions]).toEqual(['permessage-deflate', 'permessage-deflate']);
    expect(theirs.firstByte).toBe(0xc1);
    expect(mine.firstByte).toBe(0x81);
    // And a server connection's url: undefined in ws, '' here.
    expect([theirs.url, mine.url]).toEqual([undefined, '']);
  });
});
