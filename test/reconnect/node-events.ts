// Helpers for the tests of the Node ReconnectingWebSocket: a log of what it emits with bounded waits,
// and clients and servers that are cleaned up after each test.

import { afterEach } from 'vitest';
import { ReconnectingWebSocket, type ReconnectingWebSocketOptions } from '../../src/index.ts';
import { within } from '../support/waits.ts';

/** Everything a ReconnectingWebSocket emits, in order, and bounded waits for the next of a kind. */
export function recordEvents(rws: ReconnectingWebSocket) {
  const log: Array<{ event: string; args: unknown[] }> = [];
  const waiters: Array<() => void> = [];
  for (const event of ['open', 'close', 'error', 'reconnecting', 'message']) {
    rws.on(event, (...args: unknown[]) => {
      log.push({ event, args });
      for (const waiter of waiters.splice(0)) waiter();
    });
  }
  const count = (event: string) => log.filter((entry) => entry.event === event).length;
  return {
    log,
    count,
    /** The arguments of each emission of `event`. */
    of: (event: string) => log.filter((entry) => entry.event === event).map((entry) => entry.args),
    /** Resolves once `event` has been emitted `times` times in all. */
    reached: (event: string, times: number) =>
      within(
        new Promise<void>((resolve) => {
          const check = () => (count(event) >= times ? resolve() : waiters.push(check));
          check();
        }),
        `'${event}' #${times}`,
      ),
  };
}

/** Registers an afterEach that closes what `track` and `client` made during the test. */
export function cleanupsAfterEach() {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    /** Runs `cleanup` after the test. */
    cleanups(cleanup: () => unknown): void {
      cleanups.push(cleanup);
    },
    track<T extends { close(): unknown }>(thing: T): T {
      cleanups.push(() => thing.close());
      return thing;
    },
    client(url: string, protocols?: string | string[], options: ReconnectingWebSocketOptions = {}) {
      const rws = new ReconnectingWebSocket(url, protocols, options);
      cleanups.push(() => rws.terminate());
      return rws;
    },
  };
}
