// Heartbeat: ping a quiet peer every intervalMs and drop it when no pong comes within timeoutMs, so a
// half-open connection (a peer that vanished without a FIN) is noticed within interval + timeout.
// Off by default, as in ws; 30 s / 10 s is a good start for servers behind proxies.

import { isMilliseconds, isObjectOf } from '../protocol/option-checks.js';

export interface HeartbeatOptions {
  /** How long after the last sign of life (a pong, or the last ping answered) to send a ping. */
  intervalMs: number;
  /** How long a ping may go unanswered before the connection is terminated (1006 locally). */
  timeoutMs: number;
}

/** The heartbeat option: both delays required, each a positive number of milliseconds. */
export const isHeartbeatOptions = isObjectOf<HeartbeatOptions>(
  { intervalMs: isMilliseconds({ allowZero: false }), timeoutMs: isMilliseconds({ allowZero: false }) },
  ['intervalMs', 'timeoutMs'],
);

/** The timers of one connection's heartbeat. */
export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private readonly ping: () => void;
  private readonly expire: () => void;
  private timer: NodeJS.Timeout | null = null;
  private awaitingPong = false;

  constructor(options: HeartbeatOptions, ping: () => void, expire: () => void) {
    this.options = options;
    this.ping = ping;
    this.expire = expire;
    this.schedule(options.intervalMs);
  }

  /** A pong arrived: the peer is alive; the next ping waits a full interval. */
  pong(): void {
    this.awaitingPong = false;
    this.schedule(this.options.intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    this.stop();
    this.timer = setTimeout(() => this.tick(), delayMs);
    // The heartbeat alone never keeps a process alive.
    this.timer.unref();
  }

  private tick(): void {
    if (this.awaitingPong) {
      this.timer = null;
      this.expire();
      return;
    }
    this.awaitingPong = true;
    this.ping();
    this.schedule(this.options.timeoutMs);
  }
}
