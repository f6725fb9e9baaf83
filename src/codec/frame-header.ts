// Decoding one frame header in JavaScript (RFC 6455 section 5.2): the reference for the WASM decoder,
// and the path the dispatcher takes for a lone header, which is too small to be worth a crossing.

import { DecodeOption, DecodeResult, HeaderBits, MAX_CONTROL_PAYLOAD, Opcode } from './constants.js';

/**
 * The fields of one decoded frame header, as the kernels leave them in their result slots. (Not the HTTP
 * header fields of the handshake: those are protocol's HeaderFields.)
 */
export class DecodedHeader {
  byte0 = 0;
  byte1 = 0;
  headerLength = 0;
  /** The mask key as a little-endian word (key byte 0 lowest); 0 when unmasked. */
  maskKey = 0;
  payloadLength = 0;
}

// The high 32 bits of 2^53 - 1, the largest length a JS number holds exactly.
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

// A bit per opcode that RFC 6455 defines (0-2 and 8-10); the rest are reserved.
const DEFINED_OPCODES = 0b0000_0111_0000_0111;

/**
 * Decodes the header at bytes[offset, end) into `out`. Returns the header length (2-14),
 * DecodeResult.NEED_MORE when the header has not all arrived, or a DecodeError (isDecodeError tells).
 */
export function decodeHeaderJs(
  bytes: Uint8Array,
  offset: number,
  end: number,
  options: number,
  out: DecodedHeader,
): number {
  if (end - offset < 2) return DecodeResult.NEED_MORE;
  const byte0 = bytes[offset];
  const byte1 = bytes[offset + 1];
  const opcode = byte0 & HeaderBits.OPCODE;
  if (((DEFINED_OPCODES >>> opcode) & 1) === 0) return DecodeResult.RESERVED_OPCODE;

  const rsv = byte0 & HeaderBits.RSV;
  const forbiddenRsv = rsv & ~((options >>> DecodeOption.ALLOWED_RSV_SHIFT) & HeaderBits.RSV);
  if (forbiddenRsv !== 0) {
    return forbiddenRsv & HeaderBits.RSV1 ? DecodeResult.RSV1_NOT_ALLOWED : DecodeResult.RSV23_NOT_ALLOWED;
  }
  // RFC 7692 section 6: RSV1 marks a compressed message, so only the first frame of a data message has it.
  const isControl = (opcode & 0x8) !== 0;
  if (rsv & HeaderBits.RSV1 && (isControl || opcode === Opcode.CONTINUATION)) return DecodeResult.RSV1_NOT_ALLOWED;

  const masked = (byte1 & HeaderBits.MASK) !== 0;
  if (!masked && options & DecodeOption.REQUIRE_MASK) return DecodeResult.MASK_REQUIRED;
  if (masked && options & DecodeOption.FORBID_MASK) return DecodeResult.MASK_FORBIDDEN;

  const length7 = byte1 & HeaderBits.LENGTH;
  if (isControl) {
    if ((byte0 & HeaderBits.FIN) === 0) return DecodeResult.CONTROL_FRAGMENTED;
    if (length7 > MAX_CONTROL_PAYLOAD) return DecodeResult.CONTROL_TOO_LONG;
  }

  let headerLength = 2;
  let payloadLength = length7;
  if (length7 === 126) {
    headerLength = 4;
    if (end - offset < headerLength) return DecodeResult.NEED_MORE;
    payloadLength = (bytes[offset + 2] << 8) | bytes[offset + 3];
  } else if (length7 === 127) {
    headerLength = 10;
    if (end - offset < headerLength) return DecodeResult.NEED_MORE;
    const high = readUint32BE(bytes, offset + 2);
    if (high >= 0x8000_0000) return DecodeResult.LENGTH_MSB_SET;
    if (high > MAX_SAFE_HIGH_WORD) return DecodeResult.LENGTH_UNSAFE;
    payloadLength = high * 0x1_0000_0000 + readUint32BE(bytes, offset + 6);
  }

  let maskKey = 0;
  if (masked) {
    if (end - offset < headerLength + 4) return DecodeResult.NEED_MORE;
    const k = offset + headerLength;
    maskKey = (bytes[k] | (bytes[k + 1] << 8) | (bytes[k + 2] << 16) | (bytes[k + 3] << 24)) >>> 0;
    headerLength += 4;
  }
  out.byte0 = byte0;
  out.byte1 = byte1;
  out.headerLength = headerLength;
  out.maskKey = maskKey;
  out.payloadLength = payloadLength;
  return headerLength;
}

function readUint32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}
