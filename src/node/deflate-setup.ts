// Turning a negotiated permessage-deflate agreement into what a connection needs: a zlib codec for its
// role, and the send threshold.

import { createDeflateRaw, createInflateRaw, type ZlibOptions } from 'node:zlib';
import * as DEFAULTS from '../protocol/defaults.js';
import type { DeflateSettings } from '../protocol/deflate-codec.js';
import type {
  AcceptedDeflateOffer,
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
export const DEFAULT_DEFLATE_THRESHOLD = DEFAULTS.DEFAULT_DEFLATE_THRESHOLD;
export const DEFAULT_CONCURRENCY_LIMIT = DEFAULTS.DEFAULT_DEFLATE_CONCURRENCY_LIMIT;

/**
 * The windowBits to give zlib's raw deflate for a negotiated window of `bits` (RFC 7692 section 7.1.2).
 * zlib refuses 8 for raw deflate (since 1.2.9; Node's createDeflateRaw turns 8 into 9 itself). A 9-bit
 * zlib compressor fits an 8-bit window anyway: its match finder never looks further back than
 * 2^windowBits - MIN_LOOKAHEAD (zlib's MAX_DIST: 512 - 262 = 250 bytes), so no back-reference passes the
 * 256 bytes an 8-bit peer keeps (the reason zlib 1.2.8 and Node map 8 to 9). Measured here (Node 20.20,
 * zlib 1.3.1, 2026-12): over 110 inputs built to tempt distances of 200-520 bytes, levels 1-9, memLevels
 * 1/8/9 and the default, filtered, RLE and fixed strategies, windowBits 9 never referred further back
 * than 250 bytes (windowBits 10: 758). Compressing instead of sending uncompressed keeps 8-bit
 * agreements (Autobahn 13.3, 13.5, 13.7) compressed; the tests decode every such message with an
 * independent decoder that checks each distance, and Python's websockets, whose inflater really keeps
 * 256 bytes, reads them.
 */
export function compressorWindowBits(bits: number): number {
  return bits === 8 ? 9 : bits;
}

export function deflateSettings(
  agreement: DeflateAgreement,
  role: 'server' | 'client',
  options: PerMessageDeflateOptions,
): DeflateSettings {
  const server = role === 'server';
  const ourBits = server ? agreement.serverMaxWindowBits : agreement.clientMaxWindowBits;
  const ourNoContextTakeover = server ? agreement.serverNoContextTakeover : agreement.clientNoContextTakeover;
  const peerNoContextTakeover = server ? agreement.clientNoContextTakeover : agreement.serverNoContextTakeover;
  const settings = {
    deflateWindowBits: compressorWindowBits(ourBits),
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
    threshold: options.threshold ?? DEFAULT_DEFLATE_THRESHOLD,
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
 * A client's offers, most preferred first: one for true or an object (as ws), each element of an array
 * (RFC 7692 section 5); null when compression is off.
 */
export function deflateOfferListOf(
  value: boolean | PerMessageDeflateOptions | readonly PerMessageDeflateOptions[] | undefined,
): readonly PerMessageDeflateOptions[] | null {
  if (Array.isArray(value)) return value;
  const single = deflateOptionsOf(value as boolean | PerMessageDeflateOptions | undefined);
  return single === null ? null : [single];
}

/**
 * Tries perMessageDeflate's zlib options on a real deflater and inflater, so that a level of 99 or a
 * chunkSize of 1 throws from the constructor (zlib's own TypeError or RangeError, with the option's
 * name in front) rather than from the first compressed message.
 */
export function checkZlibOptions(
  value: boolean | PerMessageDeflateOptions | readonly PerMessageDeflateOptions[] | undefined,
): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((each, index) => {
      checkZlibOptionsOf(each, `perMessageDeflate[${index}]`);
    });
  } else {
    checkZlibOptionsOf(value as PerMessageDeflateOptions, 'perMessageDeflate');
  }
}

function checkZlibOptionsOf(value: PerMessageDeflateOptions, prefix: string): void {
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
      throw new Class(`${prefix}.${name}: ${error.message}`, { cause: error });
    }
  }
}

/**
 * The client's deflate settings for the offer the server's answer accepted (checkAnswer in
 * protocol/handshake-negotiation.ts checked the answer against `offers`); undefined when it accepted none.
 */
export function clientDeflateSettings(
  accepted: AcceptedDeflateOffer | undefined,
  offers: readonly PerMessageDeflateOptions[] | null,
): DeflateSettings | undefined {
  if (accepted === undefined || offers === null) return undefined;
  return deflateSettings(accepted.agreement, 'client', offers[accepted.offer]);
}
