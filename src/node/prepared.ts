// Preparing a message once for many connections in Node: the frame is built once, and where compression
// is asked for, the payload is compressed once (synchronously, so publishes stay in call order) with a
// fresh 15-bit window and a sync flush whose trailer is removed (RFC 7692 section 7.2.1).

import { constants, deflateRawSync } from 'node:zlib';
import { checkOptions, isBoolean, type OptionRules } from '../protocol/option-checks.js';
import { PreparedMessage } from '../protocol/prepared-message.js';
import { allocateBuffer, toBuffer } from './platform.js';

export interface PrepareOptions {
  /** Send as binary (default: true unless data is a string). */
  binary?: boolean;
  /** Also compress it once, for connections that negotiated permessage-deflate (default false). */
  compress?: boolean;
}

/** The options of prepare(), publish() and broadcast(), checked on every call. */
export const PREPARE_RULES: OptionRules<PrepareOptions> = { binary: isBoolean, compress: isBoolean };

export function prepareMessage(data: unknown, options: PrepareOptions = {}): PreparedMessage {
  checkOptions(options, PREPARE_RULES);
  if (data instanceof PreparedMessage) return data;
  const bytes = toBuffer(data);
  const { binary = typeof data !== 'string', compress = false } = options ?? {};
  let compressed: Uint8Array | null = null;
  if (compress) {
    const flushed = deflateRawSync(bytes, { windowBits: 15, finishFlush: constants.Z_SYNC_FLUSH });
    compressed = flushed.subarray(0, flushed.length - 4);
  }
  return new PreparedMessage(bytes, binary, compressed, allocateBuffer);
}

export { PreparedMessage };
