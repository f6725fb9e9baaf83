// Test data shared by the suites that exchange large messages with real peers.

import { createHash } from 'node:crypto';

/** The size of the large messages every peer exchanges with us (RFC 6455 section 5.2's 64-bit length). */
export const LARGE_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Bytes with no short period (SHAKE256 of a seed), so a dropped, repeated or shifted chunk anywhere in a
 * large message changes its hash. Python's hashlib.shake_256 yields the same bytes for the same seed.
 */
export function patternBytes(length: number, seed = 'wasmsocket interop'): Buffer {
  return createHash('shake256', { outputLength: length }).update(seed).digest();
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A text of exactly `length` UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters. */
export function largeText(length: number): string {
  const unit = 'a-é-✓-😀|'; // 1+1+2+1+3+1+4+1 = 14 bytes
  const unitBytes = Buffer.byteLength(unit);
  const whole = unit.repeat(Math.floor(length / unitBytes));
  return whole + 'x'.repeat(length - Buffer.byteLength(whole));
}
