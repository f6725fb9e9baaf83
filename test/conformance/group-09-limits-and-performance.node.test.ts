// Modelled on Autobahn group 9, limits and performance: large messages in one frame (9.1, 9.2), a large message in
// many fragments (9.3, 9.4), one frame cut into small socket writes (9.5, 9.6), and many small messages
// one after another (9.7, 9.8), each echoed exactly. CI runs reduced sizes; WASMSOCKET_FULL=1 (npm run
// test:full) runs Autobahn's: messages up to 16 MiB, a 4 MiB message in fragments of 64 B to 4 MiB, 1 MiB
// in writes of 64-2048 bytes, 1000 round trips per size.
// After them, the limits Autobahn leaves out: maxPayload (1009, found from the frame header alone),
// maxFragments (1008), and the 64-bit length whose most significant bit must be 0 (section 5.2).

import {
  type CaseRun,
  type ConformanceCase,
  closeNormally,
  conformanceGroup,
  continuation,
  expectFailure,
  expectMessage,
  FULL,
  Op,
  patternBytes,
  patternText,
} from './harness.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Autobahn's sizes, with how many of them CI runs (the smallest ones). */
const SINGLE_FRAME_SIZES = { all: [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB], ci: 3 };
const FRAGMENTED_BYTES = FULL ? 4 * MiB : MiB;
const FRAGMENT_SIZES = { all: [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB], ci: 8 };
const CHOPPED_BYTES = FULL ? MiB : 256 * KiB;
const CHOP_SIZES = [64, 128, 256, 512, 1024, 2048];
const ROUND_TRIP_SIZES = [0, 16, 64, 256, 1024, 4096];
const ROUND_TRIPS = FULL ? 1000 : 100;

const LARGE_CASE_TIMEOUT_MS = 120_000;

const pick = ({ all, ci }: { all: number[]; ci: number }) => (FULL ? all : all.slice(0, ci));

const sizeName = (bytes: number) =>
  bytes >= MiB ? `${bytes / MiB} MiB` : bytes >= KiB ? `${bytes / KiB} KiB` : `${bytes} B`;

function payloadFor(opcode: number, length: number, seed: number): Buffer {
  return opcode === Op.TEXT ? patternText(length) : patternBytes(length, seed);
}

const kindOf = (opcode: number) => (opcode === Op.TEXT ? 'text' : 'binary');

function cases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const [group, opcode] of [
    [1, Op.TEXT],
    [2, Op.BINARY],
  ] as const) {
    for (const [index, size] of pick(SINGLE_FRAME_SIZES).entries()) {
      out.push({
        id: `9.${group}.${index + 1}`,
        title: `${kindOf(opcode)} message of ${sizeName(size)} in one frame is echoed`,
        chunkings: ['whole'],
        timeoutMs: LARGE_CASE_TIMEOUT_MS,
        async run(t: CaseRun) {
          const payload = payloadFor(opcode, size, index + 1);
          await t.peer.send([{ opcode, payload }]);
          await expectMessage(t.peer, opcode, payload);
          await closeNormally(t);
        },
      });
    }
  }
  for (const [group, opcode] of [
    [3, Op.TEXT],
    [4, Op.BINARY],
  ] as const) {
    for (const [index, fragment] of pick(FRAGMENT_SIZES).entries()) {
      out.push({
        id: `9.${group}.${index + 1}`,
        title: `${kindOf(opcode)} message of ${sizeName(FRAGMENTED_BYTES)} in fragments of ${sizeName(fragment)} is echoed`,
        chunkings: ['whole'],
        timeoutMs: LARGE_CASE_TIMEOUT_MS,
        async run(t: CaseRun) {
          const payload = payloadFor(opcode, FRAGMENTED_BYTES, index + 1);
          const frames = [];
          for (let at = 0; at < payload.length; at += fragment) {
            const piece = payload.subarray(at, at + fragment);
            const fin = at + fragment >= payload.length;
            frames.push(t.peer.encode(at === 0 ? { opcode, payload: piece, fin } : continuation(piece, fin)));
          }
          await t.peer.send(frames);
          await expectMessage(t.peer, opcode, payload);
          await closeNormally(t);
        },
      });
    }
  }
  for (const [group, opcode] of [
    [5, Op.TEXT],
    [6, Op.BINARY],
  ] as const) {
    for (const [index, chop] of CHOP_SIZES.entries()) {
      out.push({
        id: `9.${group}.${index + 1}`,
        title: `${kindOf(opcode)} message of ${sizeName(CHOPPED_BYTES)} in one frame, written ${chop} bytes at a time, is echoed`,
        chunkings: ['whole'],
        timeoutMs: LARGE_CASE_TIMEOUT_MS,
        async run(t: CaseRun) {
          const payload = payloadFor(opcode, CHOPPED_BYTES, index + 1);
          await t.peer.sendChopped(t.peer.encode({ opcode, payload }), [chop]);
          await expectMessage(t.peer, opcode, payload);
          await closeNormally(t);
        },
      });
    }
  }
  for (const [group, opcode] of [
    [7, Op.TEXT],
    [8, Op.BINARY],
  ] as const) {
    for (const [index, size] of ROUND_TRIP_SIZES.entries()) {
      out.push({
        id: `9.${group}.${index + 1}`,
        title: `${ROUND_TRIPS} ${kindOf(opcode)} messages of ${sizeName(size)}, each sent after the last echo, are all echoed`,
        chunkings: ['whole'],
        timeoutMs: LARGE_CASE_TIMEOUT_MS,
        async run(t: CaseRun) {
          for (let i = 0; i < ROUND_TRIPS; i++) {
            const payload = payloadFor(opcode, size, i + 1);
            await t.peer.send([{ opcode, payload }]);
            await expectMessage(t.peer, opcode, payload);
          }
          await closeNormally(t);
        },
      });
    }
  }
  return out;
}

conformanceGroup('limits and performance (modelled on Autobahn 9)', cases());

/** The maxPayload and maxFragments both our server and our client get in the limit cases. */
const LIMIT = 64 * KiB;
const FRAGMENT_LIMIT = 1000;

/** A frame header alone (section 5.2), declaring `length` bytes with the 64-bit form; masked for a client. */
function bareHeader(t: CaseRun, opcode: number, high: number, low: number): Buffer {
  const header = [0x80 | opcode, (t.peer.role === 'client' ? 0x80 : 0) | 127];
  for (const word of [high, low]) header.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
  if (t.peer.role === 'client') header.push(1, 2, 3, 4);
  return Buffer.from(header);
}

const limitCases: ConformanceCase[] = [
  {
    id: '9.x.1',
    title: `binary message of exactly maxPayload (${sizeName(LIMIT)}) is echoed`,
    async run(t) {
      const payload = patternBytes(LIMIT, 91);
      await t.peer.send([{ opcode: Op.BINARY, payload }]);
      await expectMessage(t.peer, Op.BINARY, payload);
      await closeNormally(t);
    },
  },
  {
    id: '9.x.2',
    title: 'a frame header declaring maxPayload + 1 bytes fails the connection with 1009 before any payload',
    async run(t) {
      await t.peer.send([bareHeader(t, Op.BINARY, 0, LIMIT + 1)]);
      await expectFailure(t, 1009);
    },
  },
  {
    id: '9.x.3',
    title: 'fragments each under maxPayload but over it together: 1009 at the fragment that crosses it',
    async run(t) {
      const half = patternBytes(LIMIT / 2, 93);
      await t.peer.send([{ opcode: Op.BINARY, payload: half, fin: false }, continuation(half, false)]);
      await t.peer.send([bareHeader(t, Op.CONTINUATION, 0, 1)]);
      await expectFailure(t, 1009);
    },
  },
  {
    id: '9.x.4',
    title: 'a 64-bit length of 2^53 (beyond what can be held) fails the connection with 1009 at once',
    async run(t) {
      await t.peer.send([bareHeader(t, Op.BINARY, 0x200000, 0)]);
      await expectFailure(t, 1009);
    },
  },
  {
    id: '9.x.5',
    title: 'a 64-bit length with its most significant bit set fails the connection with 1002',
    async run(t) {
      await t.peer.send([bareHeader(t, Op.BINARY, 0x80000000, 16)]);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '9.x.6',
    title: `text in exactly maxFragments (${FRAGMENT_LIMIT}) fragments is echoed`,
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send(fragmentsOf('f', FRAGMENT_LIMIT));
      await expectMessage(t.peer, Op.TEXT, 'f'.repeat(FRAGMENT_LIMIT));
      await closeNormally(t);
    },
  },
  {
    id: '9.x.7',
    title: `text in maxFragments + 1 fragments fails the connection with 1008 (policy)`,
    chunkings: ['whole'],
    async run(t) {
      await t.peer.send(fragmentsOf('f', FRAGMENT_LIMIT + 1));
      await expectFailure(t, 1008);
    },
  },
];

/** One text message of `count` frames, each carrying `piece`. */
function fragmentsOf(piece: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    opcode: i === 0 ? Op.TEXT : Op.CONTINUATION,
    payload: piece,
    fin: i === count - 1,
  }));
}

conformanceGroup(`wasmsocket limits (maxPayload ${sizeName(LIMIT)}, maxFragments ${FRAGMENT_LIMIT})`, limitCases, {
  serverOptions: { maxPayload: LIMIT, maxFragments: FRAGMENT_LIMIT },
  clientOptions: { maxPayload: LIMIT, maxFragments: FRAGMENT_LIMIT },
});
