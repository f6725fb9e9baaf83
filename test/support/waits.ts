// The one bounded wait of the test suite. Every wait on a peer, a process or a condition goes through
// here with one default limit, so that a peer that never answers fails the test with what it was waiting
// for instead of hanging the run, and a slow (shared, loaded) machine never fails a test on a timing.
// A test waits for the thing it needs (an event, a condition), never for a fixed time.

import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';

/**
 * The limit on any single wait. It only turns a hang into a failure: long enough for a 16 MiB message
 * through a Python peer, or a cold Node start, on a loaded 2-core machine; shorter than vitest's 30 s
 * test timeout, so that the failure names what was awaited.
 */
export const WAIT_MS = 20_000;

/** How often until() looks at its condition, unless told otherwise. */
const POLL_MS = 5;

/** Rejects with `what` after timeoutMs unless the promise settles first. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `condition()` holds (it may be asynchronous: a question to another process), looking
 * every few milliseconds; rejects with `what` (and, when given, `describe()` of the state at that moment)
 * after timeoutMs.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  {
    timeoutMs = WAIT_MS,
    everyMs = POLL_MS,
    describe,
  }: { timeoutMs?: number; everyMs?: number; describe?: () => string } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `; ${describe()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
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
