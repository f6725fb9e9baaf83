// Negotiating permessage-deflate (RFC 7692 section 7.1), modelled on Autobahn group 13: every
// combination of server_no_context_takeover, client_no_context_takeover, server_max_window_bits and
// client_max_window_bits (8..15, with and without a value), several offers in one header, in both memory
// modes and both roles. Each agreement is checked on the wire (the Sec-WebSocket-Extensions response) and
// then used: messages round-trip, and the compressed bytes our side sends are decoded by an independent
// decoder that checks they keep to the agreed window and context takeover.

import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as PeerServer, type WebSocket as PeerWebSocket } from 'ws';
import WebSocket, { WebSocketServer } from '../../src/index.ts';
import type { PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.ts';
import { within } from '../support/waits.ts';
import { inspectDeflate } from './deflate-inspector.ts';
import { type Agreement, closeAll, type Memory, openPeer, parseAgreement } from './harness.ts';
import { eightBitWindowProbe, jsonLikeText, noiseBytes } from './messages.ts';
import { OPCODE, RSV1, rawClient, rawServer, tapProxy } from './wire.ts';

afterEach(closeAll);

const MEMORY: Memory[] = ['dedicated', 'shared'];
const WINDOW_BITS = [8, 9, 10, 11, 12, 13, 14, 15];

/**
 * A message that shows which window compressed it: a 400-byte block repeated (distance 400 > 2^8), a
 * 3000-byte one repeated (> 2^11), and text. Sent twice, so that with context takeover the second copy
 * can refer to the first.
 */
const PROBE = Buffer.concat([
  noiseBytes(400, 'a'),
  noiseBytes(400, 'a'),
  noiseBytes(3000, 'b'),
  noiseBytes(3000, 'b'),
  Buffer.from(jsonLikeText(1000, 13)),
]);

interface Offer {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** null: absent. */
  serverMaxWindowBits: number | null;
  /** null: absent; true: without a value. */
  clientMaxWindowBits: number | true | null;
}

function offerHeader(offer: Offer): string {
  const parts = ['permessage-deflate'];
  if (offer.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (offer.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (offer.serverMaxWindowBits !== null) parts.push(`server_max_window_bits=${offer.serverMaxWindowBits}`);
  if (offer.clientMaxWindowBits === true) parts.push('client_max_window_bits');
  else if (offer.clientMaxWindowBits !== null) parts.push(`client_max_window_bits=${offer.clientMaxWindowBits}`);
  return parts.join('; ');
}

/** Every offer group 13 can make: 2 x 2 x 9 x 10 = 360. */
const ALL_OFFERS: Offer[] = [false, true].flatMap((serverNoContextTakeover) =>
  [false, true].flatMap((clientNoContextTakeover) =>
    [null, ...WINDOW_BITS].flatMap((serverMaxWindowBits) =>
      ([null, true, ...WINDOW_BITS] as const).map((clientMaxWindowBits) => ({
        serverNoContextTakeover,
        clientNoContextTakeover,
        serverMaxWindowBits,
        clientMaxWindowBits,
      })),
    ),
  ),
);

/** A sample of ALL_OFFERS for the runs with server limits: window bits 8, 12 and 15 only (80 offers). */
const SAMPLED_OFFERS = ALL_OFFERS.filter(
  (offer) =>
    [null, 8, 12, 15].includes(offer.serverMaxWindowBits) &&
    [null, true, 8, 12, 15].includes(offer.clientMaxWindowBits),
);

/**
 * What RFC 7692 section 7.1 requires of a server's response to `offer`, plus the choices our server
 * documents: in shared memory it asks for no context takeover both ways, and it sets a limit the client
 * did not ask for only where its own options say so.
 */
function checkResponse(agreement: Agreement, response: string, offer: Offer, memory: Memory, limits: Limits): void {
  const has = (name: string) => response.split(';').some((part) => part.trim().split('=')[0] === name);
  const shared = memory === 'shared';
  // 7.1.1.1: an accepted server_no_context_takeover is echoed.
  expect(agreement.serverNoContextTakeover).toBe(offer.serverNoContextTakeover || shared);
  // 7.1.1.2: the server may always ask the client not to keep context; ours does in shared mode only.
  expect(agreement.clientNoContextTakeover).toBe(offer.clientNoContextTakeover || shared);
  // 7.1.2.1: an offered server_max_window_bits is answered with the same or a smaller value.
  if (offer.serverMaxWindowBits !== null) {
    expect(has('server_max_window_bits')).toBe(true);
    expect(agreement.serverMaxWindowBits).toBeLessThanOrEqual(offer.serverMaxWindowBits);
  } else {
    expect(has('server_max_window_bits')).toBe(limits.server !== undefined);
  }
  if (limits.server !== undefined) expect(agreement.serverMaxWindowBits).toBeLessThanOrEqual(limits.server);
  // 7.1.2.2: client_max_window_bits only when offered, and never above an offered value.
  if (offer.clientMaxWindowBits === null) expect(has('client_max_window_bits')).toBe(false);
  if (typeof offer.clientMaxWindowBits === 'number') {
    expect(agreement.clientMaxWindowBits).toBeLessThanOrEqual(offer.clientMaxWindowBits);
  }
  if (limits.client !== undefined && offer.clientMaxWindowBits !== null) {
    expect(agreement.clientMaxWindowBits).toBeLessThanOrEqual(limits.client);
  }
}

interface Limits {
  server?: number;
  client?: number;
}

describe.each(MEMORY)('our server, %s memory: offers modelled on Autobahn 13 (from a raw client)', (memory) => {
  it.each([
    ['all 360 single offers', 'default options', ALL_OFFERS, {} as Limits],
    ['80 single offers', 'serverMaxWindowBits 10, clientMaxWindowBits 9', SAMPLED_OFFERS, { server: 10, client: 9 }],
  ])('answers %s by the RFC and keeps to each agreement (%s)', async (_count, _name, offers, limits) => {
    const deflate: PerMessageDeflateOptions = {};
    if (limits.server !== undefined) deflate.serverMaxWindowBits = limits.server;
    if (limits.client !== undefined) deflate.clientMaxWindowBits = limits.client;
    for (const offer of offers) {
      const header = offerHeader(offer);
      const peer = await openPeer({ role: 'server', memory, offer: header, deflate });
      checkResponse(peer.agreement, peer.response, offer, memory, limits);
      for (let copy = 0; copy < 2; copy++) {
        peer.end.sendFrame({ opcode: OPCODE.BINARY, rsv: RSV1, payload: await peer.deflater.compress(PROBE) });
        // ours.next() checks the window and context of what our server compressed.
        const echoed = await peer.ours.next();
        expect(echoed.data.equals(PROBE), header).toBe(true);
        // Compressed whatever the window, 8 bits included (deflate-setup.ts: zlib's 9-bit compressor
        // never reaches back more than 250 bytes); ours.next() has checked every distance against it.
        expect(echoed.compressed, header).toBe(true);
      }
      closeAll();
    }
  });

  it.each([
    [
      'permessage-deflate; server_max_window_bits=8; client_max_window_bits=8, permessage-deflate; client_no_context_takeover, permessage-deflate',
      'permessage-deflate; server_max_window_bits=8; client_max_window_bits=8',
    ],
    // Autobahn 13.7's three offers.
    [
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=8; client_max_window_bits, permessage-deflate; server_no_context_takeover; client_max_window_bits, permessage-deflate; client_max_window_bits',
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=8',
    ],
    // An invalid first offer is skipped, the next one taken (section 7: decline what breaks the rules).
    [
      'permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover',
      'permessage-deflate; client_no_context_takeover',
    ],
    ['x-webkit-deflate-frame, permessage-deflate; unknown_param, permessage-deflate', 'permessage-deflate'],
    // Two header fields are one list (RFC 9110 section 5.3).
    [
      ['permessage-deflate; server_max_window_bits=20', 'permessage-deflate; server_max_window_bits=12'],
      'permessage-deflate; server_max_window_bits=12',
    ],
    // A quoted value is the same value (RFC 6455 section 9.1, RFC 7692 section 7.1).
    ['permessage-deflate; server_max_window_bits="10"', 'permessage-deflate; server_max_window_bits=10'],
  ])('takes the first acceptable of several offers: %s', async (offers, expected) => {
    const peer = await openPeer({ role: 'server', memory, offer: offers as string | string[] });
    const shared = memory === 'shared';
    // In shared memory our server adds the two no_context_takeover parameters to what it accepts.
    const withShared = (text: string) => {
      if (!shared) return text;
      const [name, ...params] = text.split('; ');
      const ours = ['server_no_context_takeover', 'client_no_context_takeover'];
      return [name, ...ours, ...params.filter((param) => !ours.includes(param))].join('; ');
    };
    expect(peer.response).toBe(withShared(expected));
    peer.end.sendFrame({ opcode: OPCODE.BINARY, rsv: RSV1, payload: await peer.deflater.compress(PROBE) });
    expect((await peer.ours.next()).data.equals(PROBE)).toBe(true);
  });
});

describe.each(MEMORY)('an 8-bit window agreed for our side, %s memory', (memory) => {
  // zlib refuses to compress raw deflate into 8 bits; ours compresses with 9 (deflate-setup.ts), whose
  // matches never reach back more than 250 bytes. Before, such agreements went uncompressed.
  it.each([
    ['server', 'permessage-deflate; server_max_window_bits=8; client_max_window_bits'],
    ['client', 'permessage-deflate; client_max_window_bits=8'],
  ] as const)('our %s compresses every message, no back-reference longer than 256 bytes (%s)', async (role, header) => {
    const peer = await openPeer({
      role,
      memory,
      offer: header,
      // Shared memory needs no context takeover both ways from the raw server too.
      response: () =>
        memory === 'shared' ? `${header}; server_no_context_takeover; client_no_context_takeover` : header,
    });
    expect(role === 'server' ? peer.agreement.serverMaxWindowBits : peer.agreement.clientMaxWindowBits).toBe(8);
    for (let seed = 0; seed < 6; seed++) {
      const probe = eightBitWindowProbe(seed);
      peer.socket.send(probe);
      // ours.next() fails on any distance past 2^8 (and, without context takeover, into an earlier message).
      const sent = await peer.ours.next();
      expect(sent.compressed).toBe(true);
      expect(sent.data.equals(probe)).toBe(true);
      expect(sent.inspection?.maxDistance).toBeGreaterThan(0);
      expect(sent.inspection?.maxDistance).toBeLessThanOrEqual(256);
    }
    expect(peer.errors).toEqual([]);
  });
});

describe('our server declines offers that break section 7.1', () => {
  it('answers 400 to a header that breaks the list grammar (RFC 6455 section 9.1)', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
    await within(new Promise((resolve) => server.once('listening', resolve)), 'listening');
    try {
      const end = await rawClient((server.address() as { port: number }).port, 'permessage-deflate; a="unterminated');
      expect(end.status).toBe(400);
      end.destroy();
    } finally {
      server.close();
    }
  });

  it.each([
    'permessage-deflate; unknown_param',
    'permessage-deflate; server_max_window_bits',
    'permessage-deflate; server_max_window_bits=7',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; server_max_window_bits=08',
    'permessage-deflate; server_max_window_bits=1a',
    'permessage-deflate; client_max_window_bits=7',
    'permessage-deflate; client_max_window_bits=16',
    'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    'permessage-deflate; client_max_window_bits; client_max_window_bits=10',
    'permessage-deflate; server_max_window_bits=10; server_max_window_bits=11',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; client_no_context_takeover=true',
  ])('answers 101 without the extension, and talks uncompressed: %s', async (offer) => {
    for (const memory of MEMORY) {
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { memory } });
      await within(new Promise((resolve) => server.once('listening', resolve)), 'listening');
      server.on('connection', (ws: WebSocket) => {
        ws.on('message', (data: Buffer) => ws.send(data));
        // The RSV1 frame below fails the connection: our server reports it here.
        ws.on('error', () => {});
      });
      const end = await rawClient((server.address() as { port: number }).port, offer);
      try {
        expect(end.status).toBe(101);
        expect(end.headers.has('sec-websocket-extensions')).toBe(false);
        // Without the extension RSV1 means nothing agreed: 1002.
        end.sendFrame({ opcode: OPCODE.TEXT, payload: 'plain' });
        expect((await end.dataFrames(1))[0].payload.toString()).toBe('plain');
        end.sendFrame({ opcode: OPCODE.TEXT, rsv: RSV1, payload: Buffer.from('f248cdc9c90700', 'hex') });
        expect(await end.closeCode()).toBe(1002);
      } finally {
        end.destroy();
        server.close();
      }
    }
  });
});

describe.each(MEMORY)('our client, %s memory, against ws servers', (memory) => {
  const clientOptions: PerMessageDeflateOptions[] = [false, true].flatMap((serverNoContextTakeover) =>
    [false, true].flatMap((clientNoContextTakeover) =>
      [undefined, 8, 9, 12, 15].flatMap((serverMaxWindowBits) =>
        ([true, false, 8, 9, 12, 15] as const).map((clientMaxWindowBits) => ({
          serverNoContextTakeover,
          clientNoContextTakeover,
          ...(serverMaxWindowBits === undefined ? {} : { serverMaxWindowBits }),
          clientMaxWindowBits,
        })),
      ),
    ),
  );
  const peerOptions = [
    {},
    { serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
    { serverNoContextTakeover: true, clientNoContextTakeover: true },
  ];

  it.each(peerOptions.map((options) => [JSON.stringify(options), options] as const))(
    'offers what each of 240 option sets asks, agrees with ws (%s), and keeps to the agreement',
    async (_name, peerDeflate) => {
      const server = new PeerServer({
        host: '127.0.0.1',
        port: 0,
        perMessageDeflate: { threshold: 0, ...peerDeflate },
      });
      await within(new Promise((resolve) => server.once('listening', resolve)), 'ws to listen');
      let offered = '';
      server.on('connection', (ws: PeerWebSocket, request: IncomingMessage) => {
        offered = request.headers['sec-websocket-extensions'] ?? '';
        ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
      });
      const tap = await tapProxy((server.address() as { port: number }).port);
      try {
        for (const options of clientOptions) {
          const label = JSON.stringify(options);
          const client = new WebSocket(`ws://127.0.0.1:${tap.port}`, {
            perMessageDeflate: { ...options, memory, threshold: 0 },
          });
          const fromClient = tap.fromClient.length;
          const fromServer = tap.fromServer.length;
          if (wsRefuses(peerDeflate, options)) {
            const error = await within(new Promise<Error>((resolve) => client.once('error', resolve)), 'the refusal');
            expect(error.message, label).toBe('Unexpected server response: 400');
            continue;
          }
          await within(
            new Promise<void>((resolve, reject) => {
              client.once('open', () => resolve());
              client.once('error', (error: Error) => reject(new Error(`${label}: ${error.message}`)));
            }),
            `open with ${label}`,
          );
          // Our offer carries what the options ask (shared memory asks for no context takeover both ways).
          const offer = parseOffer(offered);
          const shared = memory === 'shared';
          expect(offer.has('server_no_context_takeover'), label).toBe(
            Boolean(options.serverNoContextTakeover) || shared,
          );
          expect(offer.has('client_no_context_takeover'), label).toBe(
            Boolean(options.clientNoContextTakeover) || shared,
          );
          expect(offer.get('server_max_window_bits'), label).toBe(
            options.serverMaxWindowBits === undefined ? undefined : String(options.serverMaxWindowBits),
          );
          expect(offer.get('client_max_window_bits'), label).toBe(
            options.clientMaxWindowBits === false
              ? undefined
              : options.clientMaxWindowBits === true
                ? true
                : String(options.clientMaxWindowBits),
          );
          // Both ends see the same agreement: the response as it crossed the wire.
          expect(client.extensions, label).toBe(tap.agreed());
          const agreement = parseAgreement(client.extensions);
          const received = new Promise<Buffer>((resolve) => client.once('message', resolve));
          client.send(PROBE);
          expect((await within(received, `the echo with ${label}`)).equals(PROBE), label).toBe(true);
          const received2 = new Promise<Buffer>((resolve) => client.once('message', resolve));
          client.send(PROBE);
          expect((await within(received2, `the second echo with ${label}`)).equals(PROBE), label).toBe(true);
          // What our client compressed keeps to its window and context (checked by the independent decoder).
          const ourFrames = tap.fromClient.slice(fromClient).filter((frame) => frame.opcode === OPCODE.BINARY);
          expect(ourFrames.length, label).toBe(2);
          let history: Uint8Array = new Uint8Array(0);
          for (const frame of ourFrames) {
            // Compressed with an 8-bit window too, which ws inflates with a true 256-byte window.
            expect((frame.rsv & RSV1) !== 0, label).toBe(true);
            const inspection = inspectDeflate(frame.payload, agreement.clientNoContextTakeover ? undefined : history);
            expect(Buffer.from(inspection.output).equals(PROBE), label).toBe(true);
            expect(inspection.maxDistance, label).toBeLessThanOrEqual(2 ** agreement.clientMaxWindowBits);
            if (agreement.clientNoContextTakeover) expect(inspection.maxReachIntoHistory, label).toBeLessThanOrEqual(0);
            history = inspection.output;
          }
          // ws compressed its echoes too.
          const peerFrames = tap.fromServer.slice(fromServer).filter((frame) => frame.opcode === OPCODE.BINARY);
          expect(
            peerFrames.every((frame) => (frame.rsv & RSV1) !== 0),
            label,
          ).toBe(true);
          client.close();
          await within(new Promise((resolve) => client.once('close', resolve)), 'the close');
        }
      } finally {
        tap.close();
        for (const client of server.clients) client.terminate();
        server.close();
      }
    },
  );
});

/**
 * ws answers 400 to an offer it cannot take with its options: one that does not let it limit the
 * client's window when it is told to (clientMaxWindowBits), or asks for a smaller window, either side,
 * than its own option for that side (ws never goes below its options).
 */
function wsRefuses(peer: PerMessageDeflateOptions, ours: PerMessageDeflateOptions): boolean {
  const below = (mine: unknown, theirs: unknown) =>
    typeof theirs === 'number' && typeof mine === 'number' && mine < theirs;
  if (typeof peer.clientMaxWindowBits === 'number' && ours.clientMaxWindowBits === false) return true;
  return (
    below(ours.serverMaxWindowBits, peer.serverMaxWindowBits) ||
    below(ours.clientMaxWindowBits, peer.clientMaxWindowBits)
  );
}

/** The parameters of a single permessage-deflate offer: name to value (true when it has none). */
function parseOffer(header: string): Map<string, string | true> {
  const [name, ...params] = header.split(';').map((part) => part.trim());
  expect(name).toBe('permessage-deflate');
  return new Map(
    params.map((param) => {
      const [key, value] = param.split('=');
      return [key, value === undefined ? true : value] as const;
    }),
  );
}

describe('our client fails the handshake on a response that breaks section 7.1', () => {
  it.each([
    ['an unknown parameter', {}, 'permessage-deflate; unknown_param'],
    ['a duplicated parameter', {}, 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['server_max_window_bits=7', {}, 'permessage-deflate; server_max_window_bits=7'],
    ['server_max_window_bits=16', {}, 'permessage-deflate; server_max_window_bits=16'],
    ['server_max_window_bits without a value', {}, 'permessage-deflate; server_max_window_bits'],
    ['client_max_window_bits without a value', {}, 'permessage-deflate; client_max_window_bits'],
    ['a value on a no_context_takeover parameter', {}, 'permessage-deflate; client_no_context_takeover=1'],
    ['two extensions', {}, 'permessage-deflate, permessage-deflate'],
    ['an extension we did not offer', {}, 'x-webkit-deflate-frame'],
    [
      'client_max_window_bits we did not offer',
      { clientMaxWindowBits: false },
      'permessage-deflate; client_max_window_bits=10',
    ],
    [
      'client_max_window_bits above our offer',
      { clientMaxWindowBits: 10 },
      'permessage-deflate; client_max_window_bits=12',
    ],
    [
      'server_max_window_bits above what we asked',
      { serverMaxWindowBits: 10 },
      'permessage-deflate; server_max_window_bits=12',
    ],
    ['server_max_window_bits missing when we asked', { serverMaxWindowBits: 10 }, 'permessage-deflate'],
    ['server_no_context_takeover missing when we asked', { serverNoContextTakeover: true }, 'permessage-deflate'],
    ['server_no_context_takeover missing in shared memory', { memory: 'shared' }, 'permessage-deflate'],
    // Several offers (RFC 7692 section 5): the response must fit one of them.
    [
      'client_max_window_bits that fits none of several offers',
      [{ clientMaxWindowBits: false }, { clientMaxWindowBits: 9 }],
      'permessage-deflate; client_max_window_bits=10',
    ],
    [
      'a response that names neither what one offer asked nor what the other did',
      [{ serverMaxWindowBits: 15 }, { serverNoContextTakeover: true }],
      'permessage-deflate',
    ],
  ] as const)('%s', async (_what, options, response) => {
    const server = await rawServer(() => response);
    try {
      const client = new WebSocket(`ws://127.0.0.1:${server.port}`, {
        perMessageDeflate: options as PerMessageDeflateOptions | PerMessageDeflateOptions[],
      });
      let opened = false;
      client.on('open', () => {
        opened = true;
      });
      const error = within(new Promise<Error>((resolve) => client.once('error', resolve)), 'the error');
      const closed = within(new Promise<number>((resolve) => client.once('close', resolve)), 'the close');
      expect((await error).message).toMatch(/Sec-WebSocket-Extensions|extension/i);
      expect(await closed).toBe(1006);
      expect(opened).toBe(false);
    } finally {
      server.close();
    }
  });

  it('accepts a response with no extension: the connection runs uncompressed', async () => {
    const server = await rawServer(() => null);
    try {
      const client = new WebSocket(`ws://127.0.0.1:${server.port}`, { perMessageDeflate: { memory: 'shared' } });
      await within(new Promise((resolve) => client.once('open', resolve)), 'open');
      expect(client.extensions).toBe('');
      const end = await server.nextConnection();
      client.send(Buffer.alloc(10_000, 'x'));
      const [frame] = await end.dataFrames(1);
      expect(frame.rsv).toBe(0);
      expect(frame.payload.length).toBe(10_000);
      client.terminate();
    } finally {
      server.close();
    }
  });
});
