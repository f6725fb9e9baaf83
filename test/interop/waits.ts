// Bounded waits and test data shared by the interop suites. Every wait has a limit so that a peer that
// never answers fails the test with what it was waiting for, instead of hanging the run.

import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';

/** Long enough for a 16 MiB message through a Python peer on a loaded 2-core machine; only catches hangs. */
export const WAIT_MS = 20_000;

/** The size of the large messages every peer exchanges with us (RFC 6455 section 5.2's 64-bit length). */
export const LARGE_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Rejects with `what` after timeoutMs unless the promise settles first. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves with the arguments of the next `name` event. Unlike events.once it does not reject on 'error',
 * so a test can wait for 'close' after an expected error.
 */
export function nextEvent<T extends unknown[] = unknown[]>(emitter: EventEmitter, name: string): Promise<T> {
  return within(
    new Promise<T>((resolve) => emitter.once(name, (...args: unknown[]) => resolve(args as T))),
    `the '${name}' event`,
  );
}

/** Starts listening on 127.0.0.1 with a port the system picks, and returns that port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await within(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    }),
    'the HTTP server to listen',
  );
  return (server.address() as { port: number }).port;
}

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
