// Modelled on Autobahn group 10, miscellaneous: 10.1.1, a message auto-fragmented into 1300-byte frames, echoed.
// Then cases of our own that Autobahn's peers cannot play: frames masked the wrong way for the role
// (section 5.1: 1002), more frames in one socket read than the reader's frame table holds, a message of
// thousands of empty fragments, many bad peers at once while a good one is served, and a check that the
// 'bytes' chunking these suites rely on does reach our side as one read per byte.

import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { encodeFrame } from '../support/frames.ts';
import { within } from '../support/waits.ts';
import {
  type CaseRun,
  type ConformanceCase,
  closeFrame,
  closeNormally,
  conformanceGroup,
  continuation,
  expectFailure,
  expectMessage,
  Op,
  patternText,
  textFrame,
} from './harness.ts';

/** Autobahn 10.1.1's autoFragmentSize. */
const AUTO_FRAGMENT_BYTES = 1300;

/** More frames than one scan's frame table holds (src/codec/scan-outcome.ts FRAME_TABLE_CAPACITY, 4096). */
const PIPELINED_MESSAGES = 4500;

const EMPTY_FRAGMENTS = 10_000;

/** Bad peers opened at once beside a good one. */
const BAD_PEERS = 24;

const cases: ConformanceCase[] = [
  {
    id: '10.1.1',
    title: `text of 65536 bytes in ${AUTO_FRAGMENT_BYTES}-byte fragments is echoed`,
    chunkings: ['whole', 'frames'],
    async run(t) {
      const payload = patternText(65536);
      const frames = [];
      for (let at = 0; at < payload.length; at += AUTO_FRAGMENT_BYTES) {
        const piece = payload.subarray(at, at + AUTO_FRAGMENT_BYTES);
        const fin = at + AUTO_FRAGMENT_BYTES >= payload.length;
        frames.push(at === 0 ? textFrame(piece, fin) : continuation(piece, fin));
      }
      await t.peer.send(frames);
      await expectMessage(t.peer, Op.TEXT, payload);
      await closeNormally(t);
    },
  },
  {
    id: '10.x.1',
    title: 'a frame masked the wrong way for the role (a client must mask, a server must not): 1002',
    async run(t) {
      const wrongKey = t.peer.role === 'client' ? null : randomBytes(4);
      await t.peer.send([{ opcode: Op.TEXT, payload: 'Hello, world!', maskKey: wrongKey }]);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '10.x.2',
    title: `${PIPELINED_MESSAGES} one-byte texts in one write (more than one scan's frame table) are all echoed in order`,
    chunkings: ['whole'],
    async run(t) {
      const letters = Array.from({ length: PIPELINED_MESSAGES }, (_, i) => String.fromCharCode(0x41 + (i % 26)));
      await t.peer.send(letters.map((letter) => textFrame(letter)));
      for (const letter of letters) await expectMessage(t.peer, Op.TEXT, letter);
      await closeNormally(t);
    },
  },
  {
    id: '10.x.3',
    title: `text in ${EMPTY_FRAGMENTS} empty fragments around one character is echoed`,
    chunkings: ['whole'],
    async run(t) {
      const frames = [textFrame('', false)];
      for (let i = 1; i < EMPTY_FRAGMENTS; i++) frames.push(continuation(i === EMPTY_FRAGMENTS / 2 ? 'é' : '', false));
      frames.push(continuation(''));
      await t.peer.send(frames);
      await expectMessage(t.peer, Op.TEXT, 'é');
      await closeNormally(t);
    },
  },
  {
    id: '10.x.4',
    title: `${BAD_PEERS} peers breaking the protocol at once are each failed with the right code while another is served`,
    chunkings: ['whole'],
    async run(t) {
      const offences: { code: number; frames: (peer: CaseRun['peer']) => Parameters<CaseRun['peer']['send']>[0] }[] = [
        { code: 1002, frames: () => [{ opcode: 3 }] },
        { code: 1002, frames: () => [{ opcode: Op.TEXT, payload: 'x', rsv: 0x20 }] },
        { code: 1007, frames: () => [textFrame(Buffer.from([0xc0, 0xaf]))] },
        { code: 1002, frames: () => [continuation('nothing to continue')] },
        { code: 1002, frames: () => [{ opcode: Op.PING, payload: Buffer.alloc(126) }] },
        { code: 1002, frames: () => [{ opcode: Op.CLOSE, payload: Buffer.from([0x03]) }] },
      ];
      const bad = await Promise.all(Array.from({ length: BAD_PEERS }, () => t.openAnother()));
      await Promise.all(bad.map((run, i) => run.peer.send(offences[i % offences.length].frames(run.peer))));
      // The good peer is served meanwhile.
      await t.peer.send([textFrame('served')]);
      await expectMessage(t.peer, Op.TEXT, 'served');
      await Promise.all(bad.map((run, i) => expectFailure(run, offences[i % offences.length].code)));
      await closeNormally(t);
    },
  },
  {
    id: '10.x.5',
    title: "the 'bytes' chunking reaches our side as many reads, not one",
    chunkings: ['bytes'],
    async run(t) {
      let reads = 0;
      t.ours.ws._socket?.on('data', () => reads++);
      const payload = patternText(200);
      await t.peer.send([textFrame(payload)]);
      await expectMessage(t.peer, Op.TEXT, payload);
      // Measured: one read per byte written. Asserting only "more than one" keeps this free of timing.
      expect(reads).toBeGreaterThan(1);
      await closeNormally(t);
    },
  },
  {
    id: '10.x.6',
    title: "frames in the same TCP write as the 101 response are delivered after 'open', and echoed",
    roles: ['client'],
    chunkings: ['whole'],
    async run(t) {
      const server = t.rawServer as NonNullable<CaseRun['rawServer']>;
      server.greetNext(Buffer.concat([encodeFrame({ opcode: Op.TEXT, payload: 'hello with the 101' })]));
      const greeted = await t.openAnother();
      await expectMessage(greeted.peer, Op.TEXT, 'hello with the 101');
      // As ws: a listener added in 'open' must not miss the first message.
      expect(greeted.ours.order).toEqual(['open', 'message']);
      await closeNormally(greeted);
      await closeNormally(t);
    },
  },
  {
    id: '10.x.7',
    title: 'the TCP connection ends in the middle of a frame: no close frame, our side reports 1006',
    async run(t) {
      const frame = t.peer.encode(textFrame('cut short'));
      await t.peer.send([frame.subarray(0, frame.length - 3)]);
      t.peer.end();
      const end = await t.peer.next('our side to close the TCP connection');
      expect(end.kind).toBe('end');
      const closed = await within(t.ours.closed, "our side's 'close' event");
      expect([closed.code, closed.wasClean]).toEqual([1006, false]);
    },
  },
  {
    id: '10.x.9',
    title: 'the peer resets the connection right after a message and a close: our side closes, nothing crashes',
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send([textFrame('gone'), closeFrame(1000)]);
      t.peer.socket.resetAndDestroy();
      const closed = await within(t.ours.closed, "our side's 'close' event");
      expect([1000, 1006]).toContain(closed.code);
      // The endpoint still serves: checked at the end of the block.
    },
  },
  {
    id: '10.x.10',
    title: 'the peer resets the connection in the middle of a frame: our side reports 1006',
    chunkings: ['whole'],
    async run(t) {
      const frame = t.peer.encode(textFrame(patternText(1000)));
      await t.peer.send([frame.subarray(0, 500)]);
      t.peer.socket.resetAndDestroy();
      const closed = await within(t.ours.closed, "our side's 'close' event");
      expect([closed.code, closed.wasClean]).toEqual([1006, false]);
    },
  },
  {
    id: '10.x.8',
    title: 'our client masks every frame with a fresh key (section 5.3)',
    roles: ['client'],
    chunkings: ['whole'],
    async run(t) {
      const count = 64;
      for (let i = 0; i < count; i++) await t.peer.send([textFrame(`message ${i}`)]);
      for (let i = 0; i < count; i++) await expectMessage(t.peer, Op.TEXT, `message ${i}`);
      const keys = new Set(t.peer.frames.map((frame) => frame.maskKey.toString('hex')));
      // 64 random 32-bit keys: a repeat has a chance of about 5e-7.
      expect(keys.size).toBe(count);
      await closeNormally(t);
    },
  },
];

conformanceGroup('miscellaneous (modelled on Autobahn 10)', cases);
