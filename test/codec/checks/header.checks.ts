// Frame-header decoding (RFC 6455 section 5.2) through parseFrameHeader.

import { CloseCode, Opcode, ProtocolError, parseFrameHeader } from 'wasmsocket/codec';
import { assert, assertEqual, assertThrows, type Check } from '../../support/check.ts';
import { encodeFrame, type RawFrame } from '../../support/frames.ts';

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** Length boundaries and the length form each must use. */
const LENGTHS: ReadonlyArray<readonly [number, 7 | 16 | 64, number]> = [
  [0, 7, 2],
  [125, 7, 2],
  [126, 16, 4],
  [127, 16, 4],
  [65535, 16, 4],
  [65536, 64, 10],
  [2 ** 32, 64, 10],
  [2 ** 53 - 1, 64, 10],
];

/** A header for a payload of `length` bytes, without the payload. */
function headerOnly(frame: RawFrame & { declaredLength: number }): Uint8Array {
  const bytes = encodeFrame({ ...frame, payload: new Uint8Array(0) });
  return bytes;
}

type Forbidden = readonly [
  name: string,
  frame: RawFrame,
  role: 'server' | 'client' | undefined,
  code: string,
  close: number,
];

const FORBIDDEN: Forbidden[] = [
  ['reserved opcode 3', { opcode: 3 }, undefined, 'WS_ERR_INVALID_OPCODE', CloseCode.PROTOCOL_ERROR],
  ['reserved opcode 7', { opcode: 7 }, undefined, 'WS_ERR_INVALID_OPCODE', CloseCode.PROTOCOL_ERROR],
  ['reserved opcode 0xB', { opcode: 0xb }, undefined, 'WS_ERR_INVALID_OPCODE', CloseCode.PROTOCOL_ERROR],
  ['reserved opcode 0xF', { opcode: 0xf }, undefined, 'WS_ERR_INVALID_OPCODE', CloseCode.PROTOCOL_ERROR],
  ['RSV1 not negotiated', { opcode: 1, rsv: 0x40 }, undefined, 'WS_ERR_UNEXPECTED_RSV_1', CloseCode.PROTOCOL_ERROR],
  ['RSV2', { opcode: 1, rsv: 0x20 }, undefined, 'WS_ERR_UNEXPECTED_RSV_2_3', CloseCode.PROTOCOL_ERROR],
  ['RSV3', { opcode: 2, rsv: 0x10 }, undefined, 'WS_ERR_UNEXPECTED_RSV_2_3', CloseCode.PROTOCOL_ERROR],
  [
    'ping of 126 bytes',
    { opcode: Opcode.PING, declaredLength: 126 },
    undefined,
    'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    CloseCode.PROTOCOL_ERROR,
  ],
  [
    'close without FIN',
    { opcode: Opcode.CLOSE, fin: false },
    undefined,
    'WS_ERR_EXPECTED_FIN',
    CloseCode.PROTOCOL_ERROR,
  ],
  ['unmasked frame to a server', { opcode: 1 }, 'server', 'WS_ERR_EXPECTED_MASK', CloseCode.PROTOCOL_ERROR],
  [
    'masked frame to a client',
    { opcode: 1, maskKey: KEY },
    'client',
    'WS_ERR_UNEXPECTED_MASK',
    CloseCode.PROTOCOL_ERROR,
  ],
  [
    '64-bit length with the top bit set',
    { opcode: 2, declaredLength: 2 ** 63, lengthForm: 64 },
    undefined,
    'WS_ERR_INVALID_PAYLOAD_LENGTH',
    CloseCode.PROTOCOL_ERROR,
  ],
  [
    '64-bit length of 2^53',
    { opcode: 2, declaredLength: 2 ** 53, lengthForm: 64 },
    undefined,
    'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
    CloseCode.MESSAGE_TOO_BIG,
  ],
];

export const headerChecks: Check[] = [
  {
    name: 'header: boundary lengths decode exactly, masked and not, and every prefix asks for more',
    run() {
      for (const [length, form, headerLength] of LENGTHS) {
        for (const maskKey of [undefined, KEY]) {
          const bytes = headerOnly({ opcode: Opcode.BINARY, declaredLength: length, maskKey });
          for (let cut = 0; cut < bytes.length; cut++) {
            assertEqual(parseFrameHeader(bytes.subarray(0, cut)), null, `length ${length} cut at ${cut}`);
          }
          const header = parseFrameHeader(bytes);
          assert(header !== null, `length ${length} decodes`);
          assertEqual(header.payloadLength, length, `payloadLength (form ${form})`);
          assertEqual(header.headerLength, headerLength + (maskKey ? 4 : 0), `headerLength of ${length}`);
          assertEqual(header.masked, maskKey !== undefined, 'masked');
          assertEqual(header.maskKey?.join(',') ?? 'none', maskKey?.join(',') ?? 'none', 'maskKey');
          assertEqual(header.opcode, Opcode.BINARY, 'opcode');
          assertEqual(header.fin, true, 'fin');
        }
      }
    },
  },
  {
    name: 'header: FIN, RSV bits and every defined opcode are reported',
    run() {
      for (const opcode of [0, 1, 2, 8, 9, 10]) {
        const control = opcode >= 8;
        for (const fin of control ? [true] : [true, false]) {
          for (const rsv of control || opcode === 0 ? [0] : [0, 0x40]) {
            const header = parseFrameHeader(encodeFrame({ opcode, fin, rsv, payload: 'ab' }), 0, {
              allowedRsvBits: 0x40,
            });
            assert(header !== null, 'decodes');
            assertEqual(header.opcode, opcode, 'opcode');
            assertEqual(header.fin, fin, 'fin');
            assertEqual(header.rsv1, rsv === 0x40, 'rsv1');
            assertEqual(header.payloadLength, 2, 'length');
          }
        }
      }
      const atOffset = new Uint8Array(10);
      atOffset.set(encodeFrame({ opcode: 1, payload: 'x' }), 3);
      assertEqual(parseFrameHeader(atOffset, 3)?.payloadLength, 1, 'decodes at an offset');
    },
  },
  {
    name: 'header: each forbidden header throws a ProtocolError with its code and close code',
    run() {
      for (const [name, frame, role, code, closeCode] of FORBIDDEN) {
        const bytes = headerOnly({ ...frame, declaredLength: frame.declaredLength ?? 0 });
        const error = assertThrows(
          () => parseFrameHeader(bytes, 0, { role }),
          (e) => e instanceof ProtocolError,
          name,
        ) as ProtocolError;
        assertEqual(error.code, code, `${name}: code`);
        assertEqual(error.closeCode, closeCode, `${name}: closeCode`);
      }
    },
  },
  {
    name: 'header: RSV1 is refused on control and continuation frames even when negotiated',
    run() {
      for (const opcode of [Opcode.CONTINUATION, Opcode.PING, Opcode.CLOSE]) {
        assertThrows(
          () => parseFrameHeader(encodeFrame({ opcode, rsv: 0x40 }), 0, { allowedRsvBits: 0x40 }),
          (e) => e instanceof ProtocolError && e.code === 'WS_ERR_UNEXPECTED_RSV_1',
          `opcode ${opcode}`,
        );
      }
    },
  },
  {
    name: 'header: bad arguments throw TypeError or RangeError',
    run() {
      assertThrows(
        () => parseFrameHeader([0x81, 0] as unknown as Uint8Array),
        (e) => e instanceof TypeError,
        'array',
      );
      assertThrows(
        () => parseFrameHeader(new Uint8Array(2), 3),
        (e) => e instanceof RangeError,
        'offset past end',
      );
      assertThrows(
        () => parseFrameHeader(new Uint8Array(2), 0, { role: 'peer' as 'server' }),
        (e) => e instanceof RangeError,
        'unknown role',
      );
      assertThrows(
        () => parseFrameHeader(new Uint8Array(2), 0, { allowedRsvBits: 0x80 }),
        (e) => e instanceof RangeError,
        'FIN as an RSV bit',
      );
    },
  },
];
