// permessage-deflate on the wire (RFC 7692), modelled on Autobahn group 12 (compressed messages of many
// sizes and kinds) and the framing rules Autobahn's other groups check with compression on: fragmented
// compressed messages, empty ones, ones ending in a BFINAL block, control frames between fragments,
// RSV1 where it may not be, invalid compressed data, text that is not UTF-8 once inflated, and the
// inflated-size limit. Every check runs for our server and our client, in both memory modes, against a
// raw peer (test/deflate/harness.ts) whose bytes the test chooses.
// Then Autobahn's groups 12 and 13 case by case (all 216) in the client role: our client, offering what
// `wasmsocket autobahn-client --deflate` offers, against a stand-in fuzzing server that accepts offers as
// Autobahn's does (test/deflate/fuzzing-server.ts); none may end UNIMPLEMENTED.

import { afterEach, describe, expect, it } from 'vitest';
import { autobahnOffersFor } from '../../src/cli/deflate-flag.ts';
import WebSocket from '../../src/index.ts';
import type { PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.ts';
import { concatBytes } from '../support/frames.ts';
import { type AutobahnCase, autobahnCases, type OfferReading } from './autobahn-cases.ts';
import { type CaseVerdict, FuzzingServer } from './fuzzing-server.ts';
import { closeAll, type Memory, openPeer, type Role } from './harness.ts';
import {
  compressMessage,
  compressWithFinalBlock,
  FULL,
  jsonLikeText,
  MESSAGE_SIZES,
  noiseBytes,
  repetitiveBinary,
  split,
} from './messages.ts';
import { OPCODE, RSV1 } from './wire.ts';

afterEach(closeAll);

const ROLES: Role[] = ['server', 'client'];
const MEMORY: Memory[] = ['dedicated', 'shared'];
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe.each(ROLES.flatMap((role) => MEMORY.map((memory) => ({ role, memory }))))(
  'our $role, $memory memory',
  ({ role, memory }) => {
    it(`modelled on Autobahn 12: echoes compressed text and binary of ${MESSAGE_SIZES[0]} B to ${MESSAGE_SIZES.at(-1)} B`, async () => {
      const peer = await openPeer({ role, memory });
      const kinds = [
        { opcode: OPCODE.TEXT, make: (size: number) => Buffer.from(jsonLikeText(size, size)) },
        { opcode: OPCODE.BINARY, make: (size: number) => repetitiveBinary(size, `b${size}`) },
        { opcode: OPCODE.BINARY, make: (size: number) => noiseBytes(size, `n${size}`) },
      ];
      for (const size of MESSAGE_SIZES) {
        for (const { opcode, make } of kinds) {
          const data = make(size);
          // Twice where the window holds all of it: with context takeover the second copy compresses to
          // back-references into the first (a 15-bit window reaches 32 KiB back).
          const copies = size <= 16384 ? 2 : 1;
          for (let copy = 0; copy < copies; copy++) {
            peer.end.sendFrame({ opcode, rsv: RSV1, payload: await peer.deflater.compress(data) });
            const echoed = await peer.ours.next();
            expect(echoed.opcode).toBe(opcode);
            expect(echoed.compressed).toBe(true);
            expect(echoed.data.equals(data)).toBe(true);
          }
        }
      }
      expect(peer.errors).toEqual([]);
    });

    it('reassembles a compressed message split into frames of 1, 7, 125, 126, 1000 and 65536 bytes', async () => {
      const peer = await openPeer({ role, memory });
      const text = Buffer.from(jsonLikeText(60_000, 7));
      for (const frameSize of [1, 7, 125, 126, 1000, 65536]) {
        const compressed = await peer.deflater.compress(text);
        const pieces = split(compressed, frameSize);
        // RFC 7692 section 6.1: RSV1 on the first frame only.
        peer.end.sendFrames(
          pieces.map((payload, index) => ({
            opcode: index === 0 ? OPCODE.TEXT : OPCODE.CONTINUATION,
            rsv: index === 0 ? RSV1 : 0,
            fin: index === pieces.length - 1,
            payload,
          })),
        );
        const echoed = await peer.ours.next();
        expect(echoed.data.toString()).toBe(text.toString());
      }
    });

    it('sends a fragmented message compressed as one stream, RSV1 on its first frame only', async () => {
      const peer = await openPeer({ role, memory });
      const parts = [jsonLikeText(3000, 1), jsonLikeText(5000, 2), jsonLikeText(10, 3), jsonLikeText(40_000, 4)];
      parts.forEach((part, index) => {
        peer.socket.send(part, { fin: index === parts.length - 1 });
      });
      const sent = await peer.ours.next();
      expect(sent.frames).toBe(parts.length);
      expect(sent.compressed).toBe(true);
      expect(sent.data.toString()).toBe(parts.join(''));
      // ... and the peer's echo of it comes back whole.
      peer.end.sendFrame({ opcode: OPCODE.TEXT, rsv: RSV1, payload: await peer.deflater.compress(sent.data) });
      const echoed = await peer.ours.next();
      expect(echoed.data.toString()).toBe(parts.join(''));
    });

    it('takes empty compressed messages (section 7.2.3.6) without carrying bytes into the next message', async () => {
      const peer = await openPeer({ role, memory, deflate: { threshold: 1 } });
      peer.end.sendFrames([
        // The single 00 byte (an empty stored block's header) a compressor emits for nothing.
        { opcode: OPCODE.BINARY, rsv: RSV1, payload: hex('00') },
        // The same split into an empty first fragment and a 00 last one.
        { opcode: OPCODE.TEXT, rsv: RSV1, fin: false, payload: new Uint8Array(0) },
        { opcode: OPCODE.CONTINUATION, payload: hex('00') },
        // No payload at all: 00 00 FF FF alone opens a stored block; it must not swallow what follows.
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: new Uint8Array(0) },
        { opcode: OPCODE.TEXT, rsv: RSV1, fin: false, payload: new Uint8Array(0) },
        { opcode: OPCODE.CONTINUATION, payload: new Uint8Array(0) },
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') },
      ]);
      for (const opcode of [OPCODE.BINARY, OPCODE.TEXT, OPCODE.TEXT, OPCODE.TEXT]) {
        const echoed = await peer.ours.next();
        expect(echoed.opcode).toBe(opcode);
        expect(echoed.data.length).toBe(0);
      }
      expect((await peer.ours.next()).data.toString()).toBe('Hello');
      // With threshold 0 our side compresses an empty message too: to a payload that inflates to nothing.
      const peer0 = await openPeer({ role, memory, deflate: { threshold: 0 } });
      peer0.socket.send(Buffer.alloc(0));
      const sent = await peer0.ours.next();
      expect(sent.opcode).toBe(OPCODE.BINARY);
      expect(sent.compressed).toBe(true);
      expect(sent.data.length).toBe(0);
    });

    it('takes messages that end in a BFINAL block, and the messages after them (RFC 7692 section 7.2.3.4)', async () => {
      const peer = await openPeer({ role, memory });
      const big = Buffer.from(jsonLikeText(50_000, 9));
      // Each as a complete DEFLATE stream (BFINAL, no sync flush), then the RFC's own example (BFINAL
      // block + one 00 byte), then ordinary sync-flushed messages on a fresh window.
      peer.end.sendFrames([
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: compressWithFinalBlock(big) },
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('f3 48 cd c9 c9 07 00 00') },
        { opcode: OPCODE.BINARY, rsv: RSV1, payload: compressWithFinalBlock(Buffer.from('after a final block')) },
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: compressMessage(Buffer.from('Hello again')) },
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: compressMessage(big) },
      ]);
      const expected = [big.toString(), 'Hello', 'after a final block', 'Hello again', big.toString()];
      for (const text of expected) expect((await peer.ours.next()).data.toString()).toBe(text);
      expect(peer.errors).toEqual([]);
    });

    it("decodes RFC 7692 section 7.2.3's examples: one block, two blocks, a stored block, a fragmented message", async () => {
      const peer = await openPeer({ role, memory });
      peer.end.sendFrames([
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') },
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00') },
        { opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('00 05 00 fa ff 48 65 6c 6c 6f 00') },
        { opcode: OPCODE.TEXT, rsv: RSV1, fin: false, payload: hex('f2 48 cd') },
        { opcode: OPCODE.CONTINUATION, payload: hex('c9 c9 07 00') },
      ]);
      for (let n = 0; n < 4; n++) expect((await peer.ours.next()).data.toString()).toBe('Hello');
    });

    it("decodes section 7.2.3.2's second message, which reuses the first one's window, when context is kept", async () => {
      const peer = await openPeer({ role, memory });
      const peerKeepsContext =
        role === 'server' ? !peer.agreement.clientNoContextTakeover : !peer.agreement.serverNoContextTakeover;
      peer.end.sendFrame({ opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') });
      expect((await peer.ours.next()).data.toString()).toBe('Hello');
      peer.end.sendFrame({ opcode: OPCODE.TEXT, rsv: RSV1, payload: hex('f2 00 11 00 00') });
      if (peerKeepsContext) {
        expect((await peer.ours.next()).data.toString()).toBe('Hello');
      } else {
        // Without context takeover the second message points before its own start: invalid data (1007).
        expect(await peer.end.closeCode()).toBe(1007);
      }
    });

    it('answers a ping sent between the fragments of a compressed message, and the message survives', async () => {
      const peer = await openPeer({ role, memory });
      const text = Buffer.from(jsonLikeText(20_000, 3));
      const pieces = split(await peer.deflater.compress(text), 4000);
      const frames = pieces.flatMap((payload, index) => [
        {
          opcode: index === 0 ? OPCODE.TEXT : OPCODE.CONTINUATION,
          rsv: index === 0 ? RSV1 : 0,
          fin: index === pieces.length - 1,
          payload,
        },
        ...(index < pieces.length - 1 ? [{ opcode: OPCODE.PING, payload: `ping ${index}` }] : []),
      ]);
      peer.end.sendFrames(frames);
      const echoed = await peer.ours.next();
      expect(echoed.data.toString()).toBe(text.toString());
      const pongs = peer.end.frames.filter((frame) => frame.opcode === OPCODE.PONG).map((f) => f.payload.toString());
      expect(pongs).toEqual(pieces.slice(0, -1).map((_, index) => `ping ${index}`));
    });

    it.each([
      ['RSV1 on a ping', [{ opcode: OPCODE.PING, rsv: RSV1, payload: 'x' }]],
      ['RSV1 on a pong', [{ opcode: OPCODE.PONG, rsv: RSV1, payload: 'x' }]],
      ['RSV1 on a close', [{ opcode: OPCODE.CLOSE, rsv: RSV1, payload: hex('03e8') }]],
      [
        'RSV1 on a continuation frame',
        [
          { opcode: OPCODE.TEXT, rsv: RSV1, fin: false, payload: hex('f2 48 cd') },
          { opcode: OPCODE.CONTINUATION, rsv: RSV1, payload: hex('c9 c9 07 00') },
        ],
      ],
      ['RSV2 on a data frame', [{ opcode: OPCODE.TEXT, rsv: 0x20, payload: 'x' }]],
      ['RSV3 on a data frame', [{ opcode: OPCODE.TEXT, rsv: 0x10, payload: 'x' }]],
    ])('fails the connection with 1002 for a reserved bit where it may not be: %s', async (_what, frames) => {
      const peer = await openPeer({ role, memory });
      peer.end.sendFrames(frames);
      expect(await peer.end.closeCode()).toBe(1002);
      expect((await peer.closed).code).toBe(1006); // failed by us: no close frame read after it
      expect(peer.errors.map((error) => (error as { closeCode?: number }).closeCode)).toEqual([1002]);
    });

    it.each([
      ['block type 3 (reserved)', hex('07 00')],
      ['a stored block whose NLEN does not match', hex('00 05 00 00 00 48 65 6c 6c 6f')],
      ['a distance before the start of the data', hex('f2 00 11 00 00')],
      // A fixed-Huffman block: BFINAL, BTYPE 01, literal 'a', length 3, then distance code 30 (RFC 1951
      // section 3.2.6: codes 30 and 31 never occur).
      ['distance code 30 in a fixed-Huffman block', hex('4b 04 3e 00')],
    ])('fails the connection with 1007 for compressed data that is invalid: %s', async (_what, payload) => {
      const peer = await openPeer({ role, memory });
      peer.end.sendFrame({ opcode: OPCODE.BINARY, rsv: RSV1, payload });
      expect(await peer.end.closeCode()).toBe(1007);
      expect((await peer.closed).code).toBe(1006); // failed by us: no close frame read after it
      expect(peer.errors.map((error) => (error as { closeCode?: number }).closeCode)).toEqual([1007]);
      // As ws reports it: zlib's own code and errno.
      expect(peer.errors.map((error) => (error as { code?: string }).code)).toEqual(['Z_DATA_ERROR']);
      expect(peer.errors.map((error) => (error as { errno?: number }).errno)).toEqual([-3]);
    });

    it('checks UTF-8 after inflating: 1007 for compressed text that is not UTF-8, even split mid-character', async () => {
      const peer = await openPeer({ role, memory });
      // Valid: a 4-byte character whose bytes straddle two compressed fragments.
      const valid = Buffer.from(`${'a'.repeat(999)}😀${'b'.repeat(1000)}`);
      const compressed = compressMessage(valid);
      const halves = [compressed.subarray(0, 6), compressed.subarray(6)];
      peer.end.sendFrames([
        { opcode: OPCODE.TEXT, rsv: RSV1, fin: false, payload: halves[0] },
        { opcode: OPCODE.CONTINUATION, payload: halves[1] },
      ]);
      expect((await peer.ours.next()).data.equals(valid)).toBe(true);
      const invalid = concatBytes(Buffer.from('valid so far '), new Uint8Array([0xf0, 0x28, 0x8c, 0x28]));
      peer.end.sendFrame({ opcode: OPCODE.TEXT, rsv: RSV1, payload: compressMessage(invalid) });
      expect(await peer.end.closeCode()).toBe(1007);
    });

    it('fails with 1009 once a message inflates past maxPayload, and takes one of exactly maxPayload', async () => {
      const maxPayload = 64 * 1024;
      const peer = await openPeer({ role, memory, maxPayload });
      const exact = Buffer.alloc(maxPayload, 'a');
      peer.end.sendFrame({ opcode: OPCODE.BINARY, rsv: RSV1, payload: compressMessage(exact) });
      expect((await peer.ours.next()).data.equals(exact)).toBe(true);
      // 1 MiB of zeros compresses to about 1 KiB: far below the limit on the wire, far above it inflated.
      const bomb = compressMessage(Buffer.alloc(1024 * 1024));
      expect(bomb.length).toBeLessThan(maxPayload);
      peer.end.sendFrame({ opcode: OPCODE.BINARY, rsv: RSV1, payload: bomb });
      expect(await peer.end.closeCode()).toBe(1009);
      expect((await peer.closed).code).toBe(1006); // failed by us: no close frame read after it
      expect(peer.errors.map((error) => (error as { closeCode?: number }).closeCode)).toEqual([1009]);
    });

    it('sends below the threshold uncompressed, at and above it compressed, and never with compress: false', async () => {
      const peer = await openPeer({ role, memory, deflate: { threshold: 1024 } });
      peer.socket.send(Buffer.alloc(1023, 'x'));
      peer.socket.send(Buffer.alloc(1024, 'x'));
      peer.socket.send(Buffer.alloc(100_000, 'x'), { compress: false });
      const sent = [await peer.ours.next(), await peer.ours.next(), await peer.ours.next()];
      expect(sent.map((message) => message.compressed)).toEqual([false, true, false]);
      expect(sent.map((message) => message.data.length)).toEqual([1023, 1024, 100_000]);
    });
  },
);

/** Messages per case: Autobahn sends 1000; two already show context takeover. All 1000 with WASMSOCKET_FULL=1. */
const MESSAGES_PER_CASE = FULL ? 1000 : 2;

/**
 * Runs `cases` one after another against a fuzzing server, our client offering `perMessageDeflate` and
 * echoing every message with its type (as autobahn-client does). Returns every verdict.
 */
async function runCases(
  reading: OfferReading,
  perMessageDeflate: PerMessageDeflateOptions[] | boolean,
  cases: readonly AutobahnCase[],
  messages: number,
): Promise<CaseVerdict[]> {
  const fuzzing = await FuzzingServer.start(reading);
  const verdicts: CaseVerdict[] = [];
  try {
    for (const autobahnCase of cases) {
      const clientErrors: Error[] = [];
      let client: WebSocket | undefined;
      const verdict = await fuzzing.run(autobahnCase, messages, (url) => {
        client = new WebSocket(url, { perMessageDeflate });
        client.on('message', (data: Buffer, isBinary: boolean) => client?.send(data, { binary: isBinary }));
        client.on('error', (error: Error) => clientErrors.push(error));
      });
      client?.terminate();
      if (verdict.behavior === 'OK' && clientErrors.length > 0) {
        verdicts.push({ ...verdict, behavior: 'FAILED', result: `our client reported ${clientErrors[0].message}` });
      } else verdicts.push(verdict);
    }
  } finally {
    fuzzing.close();
  }
  return verdicts;
}

/** The verdicts that are not OK, as "id BEHAVIOR: result" lines (empty when all passed). */
function notOk(verdicts: readonly CaseVerdict[]): string[] {
  return verdicts.filter((each) => each.behavior !== 'OK').map((each) => `${each.id} ${each.behavior}: ${each.result}`);
}

describe('the cases of Autobahn 12.x and 13.x in the client role, played by our stand-in fuzzing server, as autobahn-client --deflate runs them', () => {
  const cases = autobahnCases();

  it('has the 216 cases of groups 12 and 13', () => {
    expect(cases.length).toBe(216);
    expect(cases.filter((each) => each.id.startsWith('12.')).length).toBe(90);
    expect(cases.at(-1)?.id).toBe('13.7.18');
  });

  it.each([
    { mode: 'dedicated', reading: 'as-published' },
    { mode: 'dedicated', reading: 'named' },
    { mode: 'shared', reading: 'as-published' },
    { mode: 'shared', reading: 'named' },
  ] as const)(
    '--deflate=$mode, offers read $reading: all 216 cases OK, none UNIMPLEMENTED',
    async ({ mode, reading }) => {
      const offers = autobahnOffersFor(mode);
      expect(offers).not.toBe(false);
      const verdicts = await runCases(reading, offers as PerMessageDeflateOptions[], cases, MESSAGES_PER_CASE);
      expect(notOk(verdicts)).toEqual([]);
      expect(verdicts.length).toBe(216);
      // What each subgroup agreed: the client's side as the case asks, the server's as our offer asked.
      const server = mode === 'shared' ? 'server_no_context_takeover; ' : '';
      const agreed = (id: string) => verdicts.find((each) => each.id === id)?.result;
      for (const set of [1, 2, 3, 4, 5])
        expect(agreed(`12.${set}.1`)).toBe(`permessage-deflate; ${server}`.replace(/; $/, ''));
      expect([1, 2, 3, 4, 5, 6, 7].map((group) => agreed(`13.${group}.1`))).toEqual(
        [
          '',
          'client_no_context_takeover',
          'client_max_window_bits=8',
          'client_max_window_bits=15',
          'client_no_context_takeover; client_max_window_bits=8',
          'client_no_context_takeover; client_max_window_bits=15',
          'client_no_context_takeover; client_max_window_bits=8',
        ].map((client) => `permessage-deflate; ${server}${client}`.replace(/; $/, '')),
      );
      // Our client compressed every echo from its threshold (1 KiB) up, in every window, 8 bits included.
      for (const verdict of verdicts) {
        const length = cases.find((each) => each.id === verdict.id)?.size.length ?? 0;
        expect(verdict.compressedEchoes, verdict.id).toBe(length >= 1024 ? MESSAGES_PER_CASE : 0);
      }
    },
    // 216 connections and 432 messages of up to 128 KiB each way, every compressed one decoded by the
    // pure-JS inspector: seconds on a quiet machine, the bound is for a loaded one.
    FULL ? 3_600_000 : 300_000,
  );

  it("a single default offer leaves 13.2, 13.5 and 13.6 UNIMPLEMENTED where offers are read as 'named' (why the list)", async () => {
    const group13 = cases.filter((each) => each.id.startsWith('13.'));
    const verdicts = await runCases('named', true, group13, 1);
    const unimplemented = verdicts.filter((each) => each.behavior === 'UNIMPLEMENTED').map((each) => each.id);
    const expected = ['13.2', '13.5', '13.6'].flatMap((group) =>
      Array.from({ length: 18 }, (_, index) => `${group}.${index + 1}`),
    );
    expect(unimplemented).toEqual(expected);
    expect(verdicts.filter((each) => each.behavior === 'FAILED').map((each) => each.id)).toEqual([]);
  }, 300_000);

  it('an offer Autobahn cannot parse (client_max_window_bits with a value) fails the handshake with 400', async () => {
    const [first] = cases;
    const verdicts = await runCases('as-published', [{ clientMaxWindowBits: 12 }], [first], 1);
    expect(verdicts[0].behavior).toBe('FAILED');
    expect(verdicts[0].result).toMatch(/^handshake refused \(400\)/);
  });
});
