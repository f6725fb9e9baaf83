// Modelled on Autobahn group 3, reserved bits (section 5.2): with no extension negotiated, a frame with any RSV bit
// set fails the connection with 1002. Frames before it are still answered; frames after it are not.
// Autobahn's RSV numbers count RSV1 as 4, RSV2 as 2 and RSV3 as 1.

import {
  type CaseRun,
  type ConformanceCase,
  closeFrame,
  conformanceGroup,
  expectFailure,
  expectMessage,
  Op,
  pingFrame,
  textFrame,
} from './harness.ts';

/** Autobahn's RSV value (0-7) as the bits of header byte 0. */
const rsvBits = (value: number) => value << 4;

const HELLO = 'Hello, world!';

/** A text with the RSV bits set, between an ordinary text (echoed) and a ping (never answered). */
function sandwichCase(id: string, rsv: number, chunkings: ConformanceCase['chunkings']): ConformanceCase {
  return {
    id,
    title: `text, then text with RSV=${rsv}, then ping: the first is echoed, then 1002 and no pong`,
    chunkings,
    async run(t: CaseRun) {
      await t.peer.send([textFrame(HELLO), { opcode: Op.TEXT, payload: HELLO, rsv: rsvBits(rsv) }, pingFrame()]);
      await expectMessage(t.peer, Op.TEXT, HELLO);
      await expectFailure(t, 1002);
    },
  };
}

const cases: ConformanceCase[] = [
  {
    id: '3.1',
    title: 'text with RSV=1 fails the connection with 1002',
    async run(t) {
      await t.peer.send([{ opcode: Op.TEXT, payload: HELLO, rsv: rsvBits(1) }]);
      await expectFailure(t, 1002);
    },
  },
  sandwichCase('3.2', 2, ['whole', 'bytes']),
  sandwichCase('3.3', 3, ['frames', 'bytes']),
  sandwichCase('3.4', 4, ['bytes', 'whole']),
  {
    id: '3.5',
    title: 'binary with RSV=5 fails the connection with 1002',
    async run(t) {
      const payload = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
      await t.peer.send([{ opcode: Op.BINARY, payload, rsv: rsvBits(5) }]);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '3.6',
    title: 'ping with RSV=6 fails the connection with 1002 (no pong)',
    async run(t) {
      await t.peer.send([{ opcode: Op.PING, payload: 'Hello', rsv: rsvBits(6) }]);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '3.7',
    title: 'close with RSV=7 fails the connection with 1002',
    async run(t) {
      await t.peer.send([{ ...closeFrame(1000), rsv: rsvBits(7) }]);
      await expectFailure(t, 1002);
    },
  },
];

conformanceGroup('reserved bits (modelled on Autobahn 3)', cases);
