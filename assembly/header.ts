// Decoding one frame header (RFC 6455 section 5.2) and the checks section 5 makes on it.

import {
  DECODE_ALLOWED_RSV_SHIFT, DECODE_FORBID_MASK, DECODE_REQUIRE_MASK,
  ERR_CONTROL_FRAGMENTED, ERR_CONTROL_TOO_LONG, ERR_LENGTH_MSB_SET, ERR_LENGTH_UNSAFE,
  ERR_MASK_FORBIDDEN, ERR_MASK_REQUIRED, ERR_RESERVED_OPCODE, ERR_RSV1_NOT_ALLOWED,
  ERR_RSV23_NOT_ALLOWED, FIN_BIT, LENGTH_BITS, MASK_BIT, MAX_CONTROL_PAYLOAD, NEED_MORE,
  OPCODE_BITS, OPCODE_CONTINUATION, RSV1_BIT, RSV_BITS,
} from './constants';
import {
  SLOT_BYTE0, SLOT_BYTE1, SLOT_HEADER_LENGTH, SLOT_MASK_KEY, SLOT_PAYLOAD_LENGTH,
} from './layout';

// The largest integer a JS number holds exactly: 2^53 - 1, as the high 32 bits of a 64-bit length.
const MAX_SAFE_HIGH_WORD: u32 = (1 << 21) - 1;

// Opcodes 0-2 and 8-10 are defined; a table bit per opcode says which.
const DEFINED_OPCODES: u32 = 0b0000_0111_0000_0111;

/**
 * Decodes the header at ptr (len bytes available). Returns the header length (2-14) and fills the
 * header slots, NEED_MORE (0) when the header is not complete, or a negative ERR_* code.
 */
export function decodeHeaderAt(ptr: usize, len: usize, options: u32): i32 {
  if (len < 2) return NEED_MORE;
  const byte0 = <u32>load<u8>(ptr);
  const byte1 = <u32>load<u8>(ptr, 1);
  const opcode = byte0 & OPCODE_BITS;
  if (((DEFINED_OPCODES >>> opcode) & 1) == 0) return ERR_RESERVED_OPCODE;

  const rsv = byte0 & RSV_BITS;
  const allowedRsv = (options >>> DECODE_ALLOWED_RSV_SHIFT) & RSV_BITS;
  const forbiddenRsv = rsv & ~allowedRsv;
  if (forbiddenRsv != 0) {
    return (forbiddenRsv & RSV1_BIT) != 0 ? ERR_RSV1_NOT_ALLOWED : ERR_RSV23_NOT_ALLOWED;
  }

  // RFC 7692 section 6: RSV1 marks a compressed message, so it belongs on the first frame of a data
  // message only. (permessage-deflate is the only extension here that defines RSV1.)
  const isControl = (opcode & 0x8) != 0;
  if ((rsv & RSV1_BIT) != 0 && (isControl || opcode == OPCODE_CONTINUATION)) return ERR_RSV1_NOT_ALLOWED;

  const masked = (byte1 & MASK_BIT) != 0;
  if (!masked && (options & DECODE_REQUIRE_MASK) != 0) return ERR_MASK_REQUIRED;
  if (masked && (options & DECODE_FORBID_MASK) != 0) return ERR_MASK_FORBIDDEN;

  const length7 = byte1 & LENGTH_BITS;
  if (isControl) {
    if ((byte0 & FIN_BIT) == 0) return ERR_CONTROL_FRAGMENTED;
    if (length7 > MAX_CONTROL_PAYLOAD) return ERR_CONTROL_TOO_LONG;
  }

  let headerLength: usize = 2;
  let payloadLength: f64;
  if (length7 < 126) {
    payloadLength = <f64>length7;
  } else if (length7 == 126) {
    headerLength = 4;
    if (len < headerLength) return NEED_MORE;
    payloadLength = <f64>bswap<u16>(load<u16>(ptr, 2));
  } else {
    headerLength = 10;
    if (len < headerLength) return NEED_MORE;
    const high = bswap<u32>(load<u32>(ptr, 2));
    const low = bswap<u32>(load<u32>(ptr, 6));
    if ((high & 0x8000_0000) != 0) return ERR_LENGTH_MSB_SET;
    if (high > MAX_SAFE_HIGH_WORD) return ERR_LENGTH_UNSAFE;
    payloadLength = <f64>high * 4294967296.0 + <f64>low;
  }

  if (masked) {
    if (len < headerLength + 4) return NEED_MORE;
    store<u32>(SLOT_MASK_KEY, load<u32>(ptr + headerLength));
    headerLength += 4;
  } else {
    store<u32>(SLOT_MASK_KEY, 0);
  }
  store<u8>(SLOT_BYTE0, <u8>byte0);
  store<u8>(SLOT_BYTE1, <u8>byte1);
  store<u8>(SLOT_HEADER_LENGTH, <u8>headerLength);
  store<f64>(SLOT_PAYLOAD_LENGTH, payloadLength);
  return <i32>headerLength;
}
