// The AssemblyScript mirror of the protocol constants the kernels need.
// test/codec/constants-mirror.test.ts checks that these agree with src/codec/constants.ts.

// RFC 6455 section 5.2: opcodes.
export const OPCODE_CONTINUATION: u32 = 0x0;
export const OPCODE_TEXT: u32 = 0x1;
export const OPCODE_BINARY: u32 = 0x2;
export const OPCODE_CLOSE: u32 = 0x8;
export const OPCODE_PING: u32 = 0x9;
export const OPCODE_PONG: u32 = 0xa;

// RFC 6455 section 5.2: bits of the first two header bytes.
export const FIN_BIT: u32 = 0x80;
export const RSV_BITS: u32 = 0x70;
export const RSV1_BIT: u32 = 0x40;
export const OPCODE_BITS: u32 = 0x0f;
export const MASK_BIT: u32 = 0x80;
export const LENGTH_BITS: u32 = 0x7f;

// RFC 6455 section 5.5: control frames carry at most 125 bytes.
export const MAX_CONTROL_PAYLOAD: u32 = 125;

// Decoder options, passed as one integer.
export const DECODE_REQUIRE_MASK: u32 = 0x1; // we are a server: client frames must be masked (5.1)
export const DECODE_FORBID_MASK: u32 = 0x2; // we are a client: server frames must not be masked (5.1)
export const DECODE_VALIDATE_UTF8: u32 = 0x4; // the scanner validates text payloads (8.1)
// Bits 8-15: the RSV bits (as they sit in byte 0) that negotiated extensions allow.
export const DECODE_ALLOWED_RSV_SHIFT: u32 = 8;

// Decoding results. Positive results are header lengths; these are the rest.
export const NEED_MORE: i32 = 0;
export const ERR_RESERVED_OPCODE: i32 = -1; // 5.2: opcodes 3-7 and 0xB-0xF are reserved
export const ERR_RSV1_NOT_ALLOWED: i32 = -2; // 5.2: RSV1 without an extension that defines it
export const ERR_RSV23_NOT_ALLOWED: i32 = -3; // 5.2: RSV2/RSV3 without an extension that defines them
export const ERR_CONTROL_TOO_LONG: i32 = -4; // 5.5: control payload over 125 bytes
export const ERR_CONTROL_FRAGMENTED: i32 = -5; // 5.5: control frames must not be fragmented
export const ERR_MASK_REQUIRED: i32 = -6; // 5.1: a server must close on an unmasked client frame
export const ERR_MASK_FORBIDDEN: i32 = -7; // 5.1: a client must close on a masked server frame
export const ERR_LENGTH_MSB_SET: i32 = -8; // 5.2: the most significant bit of a 64-bit length must be 0
export const ERR_LENGTH_UNSAFE: i32 = -9; // lengths beyond 2^53-1 cannot be held in a JS number
export const ERR_UNEXPECTED_CONTINUATION: i32 = -10; // 5.4: continuation with no message in progress
export const ERR_EXPECTED_CONTINUATION: i32 = -11; // 5.4: a new data frame inside a fragmented message
export const ERR_INVALID_UTF8: i32 = -12; // 8.1: text must be valid UTF-8

// The message state carried between scanner calls, one word per connection:
// bits 0-3 the opcode of the fragmented message in progress (0: none), bit 4 set when that message is
// compressed (its UTF-8 is checked after inflating), bits 8-15 the UTF-8 DFA state of its text so far.
export const STATE_OPCODE_BITS: u32 = 0xf;
export const STATE_COMPRESSED_BIT: u32 = 0x10;
export const STATE_UTF8_SHIFT: u32 = 8;
