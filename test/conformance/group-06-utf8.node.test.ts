// Modelled on Autobahn group 6, UTF-8 handling (section 8.1): a text message whose payload is not UTF-8 fails the
// connection with 1007, found as early as the first bad byte (fail fast, 6.4.x: without waiting for the
// rest of the message); valid text, however it is fragmented and cut, is echoed.

import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  type CaseRun,
  type ConformanceCase,
  closeNormally,
  conformanceGroup,
  continuation,
  expectFailure,
  expectMessage,
  expectPong,
  Op,
  pingFrame,
  textFrame,
  utf8,
} from './harness.ts';
import { KOSME, UTF8_GROUPS } from './utf8-sequences.ts';

const HELLO_UTF8 = utf8('Hello-µ@ßöäüàá-UTF-8!!');

/** κόσμε, then U+D800 (a lone surrogate: ED A0 80), then "edited": invalid at the A0 (byte 12). */
const SURROGATE_IN_MIDDLE = Buffer.concat([KOSME, Buffer.from([0xed, 0xa0, 0x80]), utf8('edited')]);

/** The 6.4.x message: κόσμε, then F4 90 80 80 (0x110000, beyond Unicode), then "edited". */
const FAIL_FAST_PARTS = [KOSME, Buffer.from([0xf4, 0x90, 0x80, 0x80]), utf8('edited')];
const FAIL_FAST_MESSAGE = Buffer.concat(FAIL_FAST_PARTS);
/** F4 is fine on its own; the 90 after it (byte 12) is where the message stops being UTF-8. */
const FIRST_BAD_BYTE = KOSME.length + 1;

function echoes(id: string, title: string, frames: () => Parameters<CaseRun['peer']['send']>[0], echo: Buffer) {
  return {
    id,
    title,
    async run(t: CaseRun) {
      await t.peer.send(frames());
      await expectMessage(t.peer, Op.TEXT, echo);
      await closeNormally(t);
    },
  } satisfies ConformanceCase;
}

/** One frame per byte: fragments that end inside characters. */
const oneFramePerByte = (bytes: Buffer) =>
  Array.from(bytes, (byte, index) => ({
    opcode: index === 0 ? Op.TEXT : Op.CONTINUATION,
    payload: Buffer.from([byte]),
    fin: index === bytes.length - 1,
  }));

const cases: ConformanceCase[] = [
  echoes('6.1.1', 'empty text is echoed', () => [textFrame('')], Buffer.alloc(0)),
  echoes(
    '6.1.2',
    'text in 3 empty fragments is echoed empty',
    () => [textFrame('', false), continuation('', false), continuation('')],
    Buffer.alloc(0),
  ),
  echoes(
    '6.1.3',
    'text in 3 fragments, first and last empty, is echoed',
    () => [textFrame('', false), continuation('middle frame payload', false), continuation('')],
    utf8('middle frame payload'),
  ),
  echoes('6.2.1', 'valid UTF-8 in one frame is echoed', () => [textFrame(HELLO_UTF8)], HELLO_UTF8),
  echoes(
    '6.2.2',
    'valid UTF-8 in 2 fragments cut between characters is echoed',
    () => [textFrame(utf8('Hello-µ@ßöä'), false), continuation(utf8('üàá-UTF-8!!'))],
    HELLO_UTF8,
  ),
  echoes('6.2.3', 'valid UTF-8 in 1-byte fragments is echoed', () => oneFramePerByte(HELLO_UTF8), HELLO_UTF8),
  echoes('6.2.4', 'κόσμε in 1-byte fragments is echoed', () => oneFramePerByte(KOSME), KOSME),
  {
    id: '6.3.1',
    title: 'text with a lone surrogate in one frame: 1007',
    async run(t) {
      await t.peer.send([textFrame(SURROGATE_IN_MIDDLE)]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.3.2',
    title: 'text with a lone surrogate in 1-byte fragments: 1007',
    async run(t) {
      await t.peer.send(oneFramePerByte(SURROGATE_IN_MIDDLE));
      await expectFailure(t, 1007);
    },
  },
  // 6.4.x: the part that makes the text invalid fails the connection at once; the rest is never sent.
  // Autobahn waits 1 s after each part; here a ping after the first part, answered, shows it was taken.
  {
    id: '6.4.1',
    title: '3 fragments, the 2nd makes the text invalid: 1007 without the 3rd',
    async run(t) {
      await t.peer.send([textFrame(FAIL_FAST_PARTS[0], false), pingFrame('part 1 taken')]);
      await expectPong(t.peer, 'part 1 taken');
      await t.peer.send([continuation(FAIL_FAST_PARTS[1], false)]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.4.2',
    title: '3 fragments, the 2nd is the one bad byte: 1007 without the 3rd',
    async run(t) {
      const message = FAIL_FAST_MESSAGE;
      await t.peer.send([textFrame(message.subarray(0, FIRST_BAD_BYTE), false), pingFrame('part 1 taken')]);
      await expectPong(t.peer, 'part 1 taken');
      await t.peer.send([continuation(message.subarray(FIRST_BAD_BYTE, FIRST_BAD_BYTE + 1), false)]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.4.3',
    title: 'one frame sent in 3 parts, the 2nd makes it invalid: 1007 before the 3rd',
    async run(t) {
      const frame = t.peer.encode(textFrame(FAIL_FAST_MESSAGE));
      const headerLength = frame.length - FAIL_FAST_MESSAGE.length;
      const firstEnd = headerLength + FAIL_FAST_PARTS[0].length;
      await t.peer.send([frame.subarray(0, firstEnd)]);
      await t.peer.send([frame.subarray(firstEnd, firstEnd + FAIL_FAST_PARTS[1].length)]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.4.4',
    title: 'one frame sent in 3 parts, the 2nd is the one bad byte: 1007 before the 3rd',
    async run(t) {
      const frame = t.peer.encode(textFrame(FAIL_FAST_MESSAGE));
      const badAt = frame.length - FAIL_FAST_MESSAGE.length + FIRST_BAD_BYTE;
      await t.peer.send([frame.subarray(0, badAt)]);
      await t.peer.send([frame.subarray(badAt, badAt + 1)]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.x.1',
    title: 'valid text, invalid text and a ping in one write: the first is echoed, then 1007, no pong',
    async run(t) {
      await t.peer.send([textFrame('valid'), textFrame(SURROGATE_IN_MIDDLE), pingFrame('never answered')]);
      await expectMessage(t.peer, Op.TEXT, 'valid');
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.x.2',
    title: 'a character cut between two fragments, the second not continuing it: 1007',
    async run(t) {
      await t.peer.send([textFrame(Buffer.from([0x41, 0xce]), false), continuation(Buffer.from([0x41]))]);
      await expectFailure(t, 1007);
    },
  },
  {
    id: '6.x.3',
    title: 'a 1 MiB text frame whose first 64 KiB end in a bad byte: 1007 without the rest of the frame',
    async run(t) {
      const prefix = Buffer.concat([Buffer.alloc(64 * 1024 - 1, 0x61), Buffer.from([0xff])]);
      const frame = t.peer.encode({ opcode: Op.TEXT, payload: prefix, declaredLength: 1024 * 1024 });
      await t.peer.send([frame]);
      await expectFailure(t, 1007);
    },
  },
  ...(
    [
      ['6.x.4', 100, 3],
      ['6.x.5', 3, 100],
    ] as const
  ).map(
    ([id, firstLength, secondLength]): ConformanceCase => ({
      id,
      title: `a 4-byte character cut between a ${firstLength}-byte and a ${secondLength}-byte fragment, one write each, is echoed`,
      chunkings: ['frames', 'random'],
      async run(t: CaseRun) {
        const grinning = utf8('😀');
        const message = Buffer.concat([
          Buffer.alloc(firstLength - 2, 0x61),
          grinning,
          Buffer.alloc(secondLength - 2, 0x62),
        ]);
        const bad = Buffer.from(message);
        bad[firstLength + 1] = 0x41;
        await t.peer.send([
          textFrame(message.subarray(0, firstLength), false),
          continuation(message.subarray(firstLength)),
        ]);
        await expectMessage(t.peer, Op.TEXT, message);
        // The same cut with the character's last byte broken: 1007.
        const second = await t.openAnother();
        await second.peer.send([
          textFrame(bad.subarray(0, firstLength), false),
          continuation(bad.subarray(firstLength)),
        ]);
        await expectFailure(second, 1007);
        await closeNormally(t);
      },
    }),
  ),
];

for (const group of UTF8_GROUPS) {
  for (const [index, { valid, bytes }] of group.sequences.entries()) {
    cases.push({
      id: `${group.id}.${index + 1}`,
      title: `${group.title}: ${bytes.toString('hex')} ${valid ? 'is echoed' : 'fails with 1007'}`,
      async run(t) {
        await t.peer.send([textFrame(bytes)]);
        if (!valid) {
          await expectFailure(t, 1007);
          return;
        }
        await expectMessage(t.peer, Op.TEXT, bytes);
        await closeNormally(t);
      },
    });
  }
}

describe('the 6.5-6.23 table', () => {
  it('has as many cases as Autobahn in each group', () => {
    const counts = UTF8_GROUPS.map((group) => `${group.id}:${group.sequences.length}`);
    expect(counts.join(' ')).toBe(
      '6.5:5 6.6:11 6.7:4 6.8:2 6.9:4 6.10:3 6.11:5 6.12:8 6.13:5 6.14:10 6.15:1 6.16:3 6.17:5 6.18:5 6.19:5 6.20:7 6.21:8 6.22:34 6.23:7',
    );
  });

  it("marks valid exactly what Node's own validator (simdutf) accepts", () => {
    for (const group of UTF8_GROUPS) {
      for (const { valid, bytes } of group.sequences)
        expect([group.id, bytes.toString('hex'), valid]).toEqual([group.id, bytes.toString('hex'), isUtf8(bytes)]);
    }
  });
});

conformanceGroup('UTF-8 (modelled on Autobahn 6)', cases);
