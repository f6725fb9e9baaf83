// Turning a negotiated permessage-deflate agreement into what a connection needs: a zlib codec for its
// role, and the send threshold.

import { createDeflateRaw, createInflateRaw, type ZlibOptions } from 'node:zlib';
import type { DeflateSettings } from '../protocol/deflate-codec.js';
import type {
  DeflateAgreement,
  PerMessageDeflateOptions as ProtocolDeflateOptions,
} from '../protocol/permessage-deflate.js';
import { DedicatedZlibCodec, SharedZlibCodec } from './zlib-codec.js';

/** The perMessageDeflate option of the Node server and client: the negotiation's, with zlib's options typed. */
export interface PerMessageDeflateOptions
  extends Omit<ProtocolDeflateOptions, 'zlibDeflateOptions' | 'zlibInflateOptions'> {
  /** Passed to zlib.createDeflateRaw (level, memLevel, strategy, chunkSize...); the window comes from the negotiation. */
  zlibDeflateOptions?: ZlibOptions | undefined;
  /** Passed to zlib.createInflateRaw. */
  zlibInflateOptions?: ZlibOptions | undefined;
}

/** ws's defaults: compress messages of 1 KiB and more; at most 10 zlib jobs at once. */
export const DEFAULT_DEFLATE_THRESHOLD = 1024;
export const DEFAULT_CONCURRENCY_LIMIT = 10;

export function deflateSettings(
  agreement: DeflateAgreement,
  role: 'server' | 'client',
  options: PerMessageDeflateOptions,
): DeflateSettings {
  const server = role === 'server';
  const ourBits = server ? agreement.serverMaxWindowBits : agreement.clientMaxWindowBits;
  const ourNoContextTakeover = server ? agreement.serverNoContextTakeover : agreement.clientNoContextTakeover;
  const peerNoContextTakeover = server ? agreement.clientNoContextTakeover : agreement.serverNoContextTakeover;
  // zlib cannot compress with an 8-bit window (it widens it to 9, which a peer held to 8 bits could not
  // read); compression is optional per message, so with an 8-bit limit we only ever send uncompressed.
  const canCompress = ourBits > 8;
  const settings = {
    deflateWindowBits: canCompress ? ourBits : null,
    inflateWindowBits: server ? agreement.clientMaxWindowBits : agreement.serverMaxWindowBits,
    deflateNoContextTakeover: ourNoContextTakeover,
    inflateNoContextTakeover: peerNoContextTakeover,
    zlibDeflateOptions: options.zlibDeflateOptions,
    zlibInflateOptions: options.zlibInflateOptions,
  };
  const concurrencyLimit = options.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT;
  const codec =
    options.memory === 'shared' && ourNoContextTakeover && peerNoContextTakeover
      ? new SharedZlibCodec(settings, concurrencyLimit)
      : new DedicatedZlibCodec(settings, concurrencyLimit);
  return {
    codec,
    threshold: canCompress ? (options.threshold ?? DEFAULT_DEFLATE_THRESHOLD) : Number.POSITIVE_INFINITY,
    // A prepared message is compressed once with a fresh 15-bit window (prepared.ts); the client's
    // inflater must have that window, and our own compressor must never rely on history the client's
    // window no longer lines up with.
    takesPrecompressed: server && agreement.serverNoContextTakeover && agreement.serverMaxWindowBits === 15,
  };
}

/** ws accepts `perMessageDeflate: true` for the defaults; false or absent turns it off. */
export function deflateOptionsOf(
  value: boolean | PerMessageDeflateOptions | undefined,
): PerMessageDeflateOptions | null {
  if (value === undefined || value === false) return null;
  return value === true ? {} : value;
}

/**
 * Tries perMessageDeflate's zlib options on a real deflater and inflater, so that a level of 99 or a
 * chunkSize of 1 throws from the constructor (zlib's own TypeError or RangeError, with the option's
 * name in front) rather than from the first compressed message.
 */
export function checkZlibOptions(value: boolean | PerMessageDeflateOptions | undefined): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [name, zlibOptions, create] of [
    ['zlibDeflateOptions', value.zlibDeflateOptions, createDeflateRaw],
    ['zlibInflateOptions', value.zlibInflateOptions, createInflateRaw],
  ] as const) {
    if (zlibOptions === undefined) continue;
    try {
      create(zlibOptions as ZlibOptions).close();
    } catch (error) {
      if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
      const Class = error instanceof RangeError ? RangeError : TypeError;
      throw new Class(`perMessageDeflate.${name}: ${error.message}`, { cause: error });
    }
  }
}
