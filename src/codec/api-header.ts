import { checkBytes, checkIndex } from './arguments.js';
import { HeaderBits, isDecodeError } from './constants.js';
import { type DecodeOptions, decodeOptionBits } from './decode-options.js';
import { decodeError } from './errors.js';
import { DecodedHeader, decodeHeaderJs } from './frame-header.js';

/** A decoded frame header (RFC 6455 section 5.2). */
export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** Exact up to 2^53 - 1; longer lengths are refused with close code 1009. */
  payloadLength: number;
  /** The 4 key bytes, or null when unmasked. */
  maskKey: Uint8Array | null;
  /** Bytes from the start of the frame to its payload: 2 to 14. */
  headerLength: number;
}

/** Turns decoded header fields into the public shape. */
export function toFrameHeader(fields: DecodedHeader): FrameHeader {
  const { byte0, byte1, maskKey } = fields;
  const masked = (byte1 & HeaderBits.MASK) !== 0;
  return {
    fin: (byte0 & HeaderBits.FIN) !== 0,
    rsv1: (byte0 & HeaderBits.RSV1) !== 0,
    rsv2: (byte0 & HeaderBits.RSV2) !== 0,
    rsv3: (byte0 & HeaderBits.RSV3) !== 0,
    opcode: byte0 & HeaderBits.OPCODE,
    masked,
    payloadLength: fields.payloadLength,
    maskKey: masked
      ? Uint8Array.of(maskKey & 0xff, (maskKey >>> 8) & 0xff, (maskKey >>> 16) & 0xff, maskKey >>> 24)
      : null,
    headerLength: fields.headerLength,
  };
}

const fields = new DecodedHeader();

/**
 * Decodes the frame header at bytes[offset]. Returns null when more bytes are needed. A header that
 * RFC 6455 forbids throws a ProtocolError with the close code to send and a stable `code`.
 *
 * A lone header is at most 14 bytes, less than the cost of a crossing into WASM, so this always uses the
 * JavaScript decoder; the batch scanner decodes headers inside WASM.
 */
export function parseFrameHeader(bytes: Uint8Array, offset = 0, options?: DecodeOptions): FrameHeader | null {
  checkBytes(bytes, 'bytes');
  checkIndex(offset, 'offset', bytes.length);
  const result = decodeHeaderJs(bytes, offset, bytes.length, decodeOptionBits(options), fields);
  if (result === 0) return null;
  if (isDecodeError(result)) throw decodeError(result);
  return toFrameHeader(fields);
}
