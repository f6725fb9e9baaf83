// Heartbeat: ping a quiet peer every intervalMs and drop it when no pong comes within timeoutMs, so a
// half-open connection (a peer that vanished without a FIN) is noticed within interval + timeout.
// Off by default, as in ws; 30 s / 10 s is a good start for servers behind proxies.
//
// A ping takes its place in line: behind the megabytes we had queued before it, and its pong behind what
// the peer had queued. So a peer that is still busy is not taken for dead: while bytes keep arriving
// from it, or (before our ping has left) the data queued ahead of the ping keeps leaving, the deadline
// moves on by timeoutMs. A peer that vanished does neither, and is dropped as before.

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

/** A connection's byte counts so far, as its heartbeat reads them. */
export interface Traffic {
  /** Bytes received from the peer. */
  received: number;
  /** Bytes handed to the transport to send. */
  written: number;
  /** Of those, bytes still waiting in the transport's buffer (not yet taken by the operating system). */
  waiting: number;
}

/** The timers of one connection's heartbeat. */
export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private readonly ping: () => void;
  private readonly expire: () => void;
  private readonly traffic: () => Traffic;
  private timer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  /** Where the last ping stands in our output: the bytes written before it. */
  private aheadOfPing = 0;
  /** Bytes received, and bytes that left the transport, when the peer was last seen making progress. */
  private receivedAt = 0;
  private sentAt = 0;

  constructor(options: HeartbeatOptions, ping: () => void, expire: () => void, traffic: () => Traffic) {
    this.options = options;
    this.ping = ping;
    this.expire = expire;
    this.traffic = traffic;
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
      if (this.madeProgress()) {
        this.schedule(this.options.timeoutMs);
        return;
      }
      this.timer = null;
      this.expire();
      return;
    }
    this.awaitingPong = true;
    this.aheadOfPing = this.traffic().written;
    this.ping();
    const traffic = this.traffic();
    this.receivedAt = traffic.received;
    this.sentAt = traffic.written - traffic.waiting;
    this.schedule(this.options.timeoutMs);
  }

  /**
   * True when, since the last look, bytes came from the peer, or bytes queued ahead of the ping left
   * (the pong cannot come before the ping has gone).
   */
  private madeProgress(): boolean {
    const traffic = this.traffic();
    const sent = traffic.written - traffic.waiting;
    const received = traffic.received > this.receivedAt;
    const aheadOfPingLeft = sent > this.sentAt && this.sentAt < this.aheadOfPing;
    this.receivedAt = traffic.received;
    this.sentAt = sent;
    return received || aheadOfPingLeft;
  }
}
