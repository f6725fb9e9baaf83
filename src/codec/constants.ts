// Protocol constants named after RFC 6455. assembly/constants.ts mirrors the ones the kernels use;
// test/codec/constants-mirror.test.ts keeps the two in agreement.

/** Frame opcodes, RFC 6455 section 5.2 (11.8 for the registry). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Close status codes, RFC 6455 section 7.4.1 and the IANA registry (11.7). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Reserved: never sent; reported when a close frame carried no code. */
  NO_STATUS_RECEIVED: 1005,
  /** Reserved: never sent; reported when the connection closed without a close frame. */
  ABNORMAL_CLOSURE: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** Reserved: never sent. */
  TLS_HANDSHAKE: 1015,
} as const;

/** Bits of header byte 0 and byte 1, RFC 6455 section 5.2. */
export const HeaderBits = {
  FIN: 0x80,
  RSV1: 0x40,
  RSV2: 0x20,
  RSV3: 0x10,
  RSV: 0x70,
  OPCODE: 0x0f,
  MASK: 0x80,
  LENGTH: 0x7f,
} as const;

/** RFC 6455 section 5.5: control frames carry at most 125 bytes of payload. */
export const MAX_CONTROL_PAYLOAD = 125;

/** Decoder options, combined into one integer for the kernels. */
export const DecodeOption = {
  /** We are a server: client frames must be masked (5.1). */
  REQUIRE_MASK: 0x1,
  /** We are a client: server frames must not be masked (5.1). */
  FORBID_MASK: 0x2,
  /** The scanner validates the UTF-8 of uncompressed text (8.1). */
  VALIDATE_UTF8: 0x4,
  /** Bits 8-15 hold the RSV bits (as in byte 0) that negotiated extensions allow. */
  ALLOWED_RSV_SHIFT: 8,
} as const;

/** Decoder results: positive numbers are header lengths, 0 asks for more bytes, the rest are errors. */
export const DecodeResult = {
  NEED_MORE: 0,
  RESERVED_OPCODE: -1,
  RSV1_NOT_ALLOWED: -2,
  RSV23_NOT_ALLOWED: -3,
  CONTROL_TOO_LONG: -4,
  CONTROL_FRAGMENTED: -5,
  MASK_REQUIRED: -6,
  MASK_FORBIDDEN: -7,
  LENGTH_MSB_SET: -8,
  LENGTH_UNSAFE: -9,
  UNEXPECTED_CONTINUATION: -10,
  EXPECTED_CONTINUATION: -11,
  INVALID_UTF8: -12,
} as const;
export type DecodeError = Exclude<(typeof DecodeResult)[keyof typeof DecodeResult], 0>;

/** True when a decoder result is an error: the negative DecodeResult values. */
export function isDecodeError(result: number): result is DecodeError {
  return result < 0;
}

/** The per-connection message state word the scanner carries between calls. */
export const MessageState = {
  /** Bits 0-3: the opcode of the fragmented message in progress, 0 when none is. */
  OPCODE_BITS: 0xf,
  /** Set when that message is compressed: its UTF-8 is checked after inflating, not here. */
  COMPRESSED_BIT: 0x10,
  /** Bits 8-15: the UTF-8 DFA state of the text received so far. */
  UTF8_SHIFT: 8,
} as const;

/** How a scan ended. */
export const ScanStatus = {
  /** Every byte consumed, or the rest is a header still arriving. */
  COMPLETE: 0,
  /** Stopped inside a frame whose payload has not all arrived; its header is reported. */
  PARTIAL: 1,
  /** Stopped at a protocol error. */
  ERROR: 2,
  /** The frame table is full: scan again from `next`. */
  TABLE_FULL: 3,
} as const;
export type ScanStatus = (typeof ScanStatus)[keyof typeof ScanStatus];
