import { DecodeOption, HeaderBits } from './constants.js';

/** What the decoder checks, as a caller states it. */
export interface DecodeOptions {
  /**
   * 'server' when decoding what a client sent (frames must be masked), 'client' when decoding what a
   * server sent (frames must not be masked), absent to accept either (RFC 6455 section 5.1).
   */
  role?: 'server' | 'client';
  /**
   * RSV bits (as they sit in header byte 0: 0x40, 0x20, 0x10) that negotiated extensions define;
   * 0x40 when permessage-deflate is in use. Default 0: any RSV bit is an error (section 5.2).
   */
  allowedRsvBits?: number;
  /** Validate the UTF-8 of uncompressed text payloads while scanning (default true). */
  validateUtf8?: boolean;
}

/** Packs DecodeOptions into the integer the kernels take. */
export function decodeOptionBits(options: DecodeOptions | undefined): number {
  if (options === undefined) return DecodeOption.VALIDATE_UTF8;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('wasmsocket: decode options must be an object');
  }
  const { role, allowedRsvBits = 0, validateUtf8 = true } = options;
  if (role !== undefined && role !== 'server' && role !== 'client') {
    throw new RangeError(`wasmsocket: role must be 'server' or 'client', got ${String(role)}`);
  }
  if (!Number.isInteger(allowedRsvBits) || (allowedRsvBits & ~HeaderBits.RSV) !== 0) {
    throw new RangeError('wasmsocket: allowedRsvBits may only combine 0x40, 0x20 and 0x10');
  }
  return (
    (role === 'server' ? DecodeOption.REQUIRE_MASK : 0) |
    (role === 'client' ? DecodeOption.FORBID_MASK : 0) |
    (validateUtf8 ? DecodeOption.VALIDATE_UTF8 : 0) |
    (allowedRsvBits << DecodeOption.ALLOWED_RSV_SHIFT)
  );
}
