// The batch scanner: every complete frame per call, fed whole, split, and in random streams.

import { type DecodeOptions, FRAME_ENTRY_WORDS, FrameScanner, Opcode, type ProtocolError } from 'wasmsocket/codec';
import { assert, assertBytesEqual, assertEqual, type Check } from '../../support/check.ts';
import { concatBytes, encodeFrame, type RawFrame } from '../../support/frames.ts';
import { Random } from '../../support/random.ts';

interface Decoded {
  byte0: number;
  payload: Uint8Array;
}

interface Fed {
  frames: Decoded[];
  error: ProtocolError | null;
  /** Bytes left over, not yet a complete frame. */
  pending: number;
}

/** Feeds chunks as a receiver would: the bytes from `next` on are kept and scanned again with more. */
function feed(scanner: FrameScanner, chunks: Uint8Array[]): Fed {
  const frames: Decoded[] = [];
  let pending: Uint8Array = new Uint8Array(0);
  for (const chunk of chunks) {
    const buffer = concatBytes(pending, chunk);
    const result = scanner.scan(buffer);
    for (let i = 0; i < result.count; i++) {
      const [offset, length, byte0] = result.frames.subarray(i * FRAME_ENTRY_WORDS, i * FRAME_ENTRY_WORDS + 3);
      frames.push({ byte0, payload: buffer.slice(offset, offset + length) });
    }
    if (result.error) return { frames, error: result.error, pending: 0 };
    pending = buffer.subarray(result.next);
  }
  return { frames, error: null, pending: pending.length };
}

/** Cuts bytes at the given offsets. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  return pieces;
}

const SERVER: DecodeOptions = { role: 'server' };
const encoder = new TextEncoder();

function expectFrames(fed: Fed, expected: RawFrame[], label: string): void {
  assertEqual(fed.error?.message ?? null, null, `${label}: no error`);
  assertEqual(fed.frames.length, expected.length, `${label}: frame count`);
  expected.forEach((frame, i) => {
    const payload =
      typeof frame.payload === 'string' ? encoder.encode(frame.payload) : (frame.payload ?? new Uint8Array(0));
    const byte0 = (frame.fin === false ? 0 : 0x80) | (frame.rsv ?? 0) | frame.opcode;
    assertEqual(fed.frames[i].byte0, byte0, `${label}: frame ${i} byte 0`);
    assertBytesEqual(fed.frames[i].payload, payload, `${label}: frame ${i} payload`);
  });
  assertEqual(fed.pending, 0, `${label}: nothing left over`);
}

function masked(frame: RawFrame, random: Random): RawFrame {
  return { ...frame, maskKey: random.bytes(4) };
}

function expectError(fed: Fed, goodFrames: number, code: string, closeCode: number, label: string): void {
  assert(fed.error !== null, `${label}: an error`);
  assertEqual(fed.frames.length, goodFrames, `${label}: good frames before the error`);
  assertEqual(fed.error.code, code, `${label}: code`);
  assertEqual(fed.error.closeCode, closeCode, `${label}: closeCode`);
}

export const scannerChecks: Check[] = [
  {
    name: 'scanner: frames of boundary lengths, whole and split at every header byte and through the payload',
    run() {
      const random = new Random(5);
      for (const length of [0, 1, 125, 126, 127, 65535, 65536]) {
        const frame = masked({ opcode: Opcode.BINARY, payload: random.bytes(length) }, random);
        const bytes = encodeFrame(frame);
        expectFrames(feed(new FrameScanner(SERVER), [bytes]), [frame], `length ${length} whole`);
        const cuts = length <= 127 ? bytes.length : 16;
        for (let cut = 0; cut <= cuts; cut++) {
          expectFrames(feed(new FrameScanner(SERVER), split(bytes, [cut])), [frame], `length ${length} cut at ${cut}`);
        }
        if (length > 127) {
          const step = Math.ceil(length / 7);
          const cuts = Array.from({ length: 6 }, (_, i) => (i + 1) * step);
          expectFrames(feed(new FrameScanner(SERVER), split(bytes, cuts)), [frame], `length ${length} in 7 pieces`);
        }
      }
    },
  },
  {
    name: 'scanner: a stream of small frames fed one byte at a time',
    run() {
      const random = new Random(6);
      const frames: RawFrame[] = [
        masked({ opcode: Opcode.TEXT, payload: 'héllo' }, random),
        masked({ opcode: Opcode.PING, payload: 'p' }, random),
        masked({ opcode: Opcode.BINARY, payload: random.bytes(130) }, random),
        masked({ opcode: Opcode.TEXT, fin: false, payload: 'frag' }, random),
        masked({ opcode: Opcode.PONG }, random),
        masked({ opcode: Opcode.CONTINUATION, payload: 'ment' }, random),
        masked({ opcode: Opcode.CLOSE, payload: Uint8Array.of(0x03, 0xe8) }, random),
      ];
      const bytes = concatBytes(...frames.map(encodeFrame));
      const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expectFrames(feed(new FrameScanner(SERVER), split(bytes, cuts)), frames, 'one byte at a time');
    },
  },
  {
    name: 'scanner: more frames in one buffer than one frame table holds',
    run() {
      const random = new Random(7);
      const frames = Array.from({ length: 9000 }, (_, i) =>
        masked({ opcode: Opcode.BINARY, payload: Uint8Array.of(i & 0xff, i >> 8) }, random),
      );
      expectFrames(feed(new FrameScanner(SERVER), [concatBytes(...frames.map(encodeFrame))]), frames, '9000 frames');
    },
  },
  {
    name: 'scanner: frames larger than the staging area, among small ones, with multibyte text',
    run() {
      const random = new Random(8);
      const big = 'Grüße, 世界! 🎉 '.repeat(20_000);
      const frames = [
        masked({ opcode: Opcode.TEXT, payload: 'before' }, random),
        masked({ opcode: Opcode.TEXT, payload: big }, random),
        masked({ opcode: Opcode.BINARY, payload: random.bytes(600_000) }, random),
        masked({ opcode: Opcode.TEXT, payload: 'after' }, random),
      ];
      const bytes = concatBytes(...frames.map(encodeFrame));
      expectFrames(feed(new FrameScanner(SERVER), [bytes]), frames, 'whole');
      expectFrames(feed(new FrameScanner(SERVER), split(bytes, [70_000, 300_000, 900_000])), frames, 'in pieces');
      const broken = encodeFrame({ opcode: Opcode.TEXT, payload: `${big.slice(0, 200_000)}\uFFFD` });
      broken[broken.length - 3] = 0xff;
      expectError(feed(new FrameScanner(), [broken]), 0, 'WS_ERR_INVALID_UTF8', 1007, 'large invalid text');
    },
  },
  {
    name: 'scanner: fragmented text with code points split between fragments and control frames between',
    run() {
      const random = new Random(9);
      const text = encoder.encode('κόσμε €𝄞');
      const frames: RawFrame[] = [];
      for (let i = 0; i < text.length; i++) {
        frames.push(
          masked(
            {
              opcode: i === 0 ? Opcode.TEXT : Opcode.CONTINUATION,
              fin: i === text.length - 1,
              payload: text.subarray(i, i + 1),
            },
            random,
          ),
        );
        if (i % 3 === 0) frames.push(masked({ opcode: Opcode.PING, payload: `${i}` }, random));
      }
      expectFrames(
        feed(new FrameScanner(SERVER), [concatBytes(...frames.map(encodeFrame))]),
        frames,
        'byte-sized fragments',
      );
    },
  },
  {
    name: 'scanner: sequence and UTF-8 errors stop after the good frames with the right codes',
    run() {
      const ok = encodeFrame({ opcode: Opcode.TEXT, payload: 'fine' });
      const cases: ReadonlyArray<readonly [string, Uint8Array[], number, string, number]> = [
        [
          'continuation first',
          [ok, encodeFrame({ opcode: Opcode.CONTINUATION, payload: 'x' })],
          1,
          'WS_ERR_INVALID_OPCODE',
          1002,
        ],
        [
          'text inside a fragmented message',
          [
            ok,
            encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: 'a' }),
            encodeFrame({ opcode: Opcode.TEXT, payload: 'b' }),
          ],
          2,
          'WS_ERR_INVALID_OPCODE',
          1002,
        ],
        [
          'invalid byte',
          [ok, encodeFrame({ opcode: Opcode.TEXT, payload: Uint8Array.of(0x61, 0xc0, 0x80) })],
          1,
          'WS_ERR_INVALID_UTF8',
          1007,
        ],
        [
          'invalid byte in a first fragment (fail fast)',
          [encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: Uint8Array.of(0xed, 0xa0, 0x80) })],
          0,
          'WS_ERR_INVALID_UTF8',
          1007,
        ],
        [
          'unfinished code point at FIN',
          [
            encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: 'a' }),
            encodeFrame({ opcode: Opcode.CONTINUATION, payload: Uint8Array.of(0xe2, 0x82) }),
          ],
          1,
          'WS_ERR_INVALID_UTF8',
          1007,
        ],
        ['reserved opcode', [ok, ok, encodeFrame({ opcode: 0xc })], 2, 'WS_ERR_INVALID_OPCODE', 1002],
        [
          'long ping',
          [ok, encodeFrame({ opcode: Opcode.PING, payload: new Uint8Array(126) })],
          1,
          'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
          1002,
        ],
        ['fragmented close', [encodeFrame({ opcode: Opcode.CLOSE, fin: false })], 0, 'WS_ERR_EXPECTED_FIN', 1002],
        ['RSV2', [ok, encodeFrame({ opcode: Opcode.BINARY, rsv: 0x20 })], 1, 'WS_ERR_UNEXPECTED_RSV_2_3', 1002],
      ];
      for (const [name, parts, good, code, closeCode] of cases) {
        const bytes = concatBytes(...parts);
        expectError(feed(new FrameScanner(), [bytes]), good, code, closeCode, name);
        const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
        expectError(feed(new FrameScanner(), split(bytes, cuts)), good, code, closeCode, `${name}, byte by byte`);
      }
      expectError(feed(new FrameScanner(SERVER), [ok]), 0, 'WS_ERR_EXPECTED_MASK', 1002, 'unmasked to a server');
      const maskedOk = encodeFrame({ opcode: Opcode.TEXT, payload: 'm', maskKey: Uint8Array.of(1, 2, 3, 4) });
      expectError(
        feed(new FrameScanner({ role: 'client' }), [maskedOk]),
        0,
        'WS_ERR_UNEXPECTED_MASK',
        1002,
        'masked to a client',
      );
    },
  },
  {
    name: 'scanner: compressed messages and validateUtf8 false leave text unchecked',
    run() {
      const notUtf8 = Uint8Array.of(0xff, 0xfe, 0xc0);
      const compressed = [
        encodeFrame({ opcode: Opcode.TEXT, rsv: 0x40, fin: false, payload: notUtf8 }),
        encodeFrame({ opcode: Opcode.CONTINUATION, payload: notUtf8 }),
      ];
      const fed = feed(new FrameScanner({ allowedRsvBits: 0x40 }), [concatBytes(...compressed)]);
      assertEqual(fed.error, null, 'compressed text is validated after inflating, not here');
      assertEqual(fed.frames.length, 2, 'both frames');
      const raw = feed(new FrameScanner({ validateUtf8: false }), [
        encodeFrame({ opcode: Opcode.TEXT, payload: notUtf8 }),
      ]);
      assertEqual(raw.error, null, 'validateUtf8: false');
    },
  },
  {
    name: 'scanner: a frame still arriving is reported as partial with its header',
    run() {
      const bytes = encodeFrame({
        opcode: Opcode.BINARY,
        payload: new Uint8Array(1000),
        maskKey: Uint8Array.of(9, 8, 7, 6),
      });
      const result = new FrameScanner(SERVER).scan(bytes.subarray(0, 500));
      assertEqual(result.count, 0, 'no complete frame');
      assertEqual(result.next, 0, 'nothing consumed');
      assertEqual(result.partial?.payloadLength, 1000, 'partial header length');
      assertEqual(result.partial?.headerLength, 8, 'partial header size');
    },
  },
  {
    name: 'scanner: random streams of random frames split at random points decode as built',
    run() {
      const random = new Random(10);
      for (let round = 0; round < 40; round++) {
        const frames: RawFrame[] = [];
        let fragmented = false;
        for (let i = random.below(30) + 1; i > 0; i--) {
          const kind = random.below(6);
          if (kind === 0) {
            frames.push(masked({ opcode: Opcode.PING, payload: random.bytes(random.below(126)) }, random));
          } else {
            const last: boolean = !fragmented || random.below(2) === 0;
            const size = [0, 3, 40, 126, 300, 70_000][random.below(6)];
            frames.push(
              masked(
                { opcode: fragmented ? Opcode.CONTINUATION : Opcode.BINARY, fin: last, payload: random.bytes(size) },
                random,
              ),
            );
            fragmented = !last;
          }
        }
        if (fragmented) frames.push(masked({ opcode: Opcode.CONTINUATION, payload: 'end' }, random));
        const bytes = concatBytes(...frames.map(encodeFrame));
        const cuts = Array.from({ length: random.below(12) }, () => random.below(bytes.length)).sort((a, b) => a - b);
        expectFrames(feed(new FrameScanner(SERVER), split(bytes, cuts)), frames, `round ${round}`);
      }
    },
  },
];
