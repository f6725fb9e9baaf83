// Messages sent while a reconnecting client has no open connection: kept in order until the next one
// opens, up to a bound in bytes, so that an outage cannot grow memory without limit.

interface Queued<M> {
  readonly message: M;
  readonly bytes: number;
}

export class SendQueue<M> {
  private items: Queued<M>[] = [];
  private payloadBytes = 0;
  private countedBytes = 0;
  /** The most bytes that may wait (maxQueuedBytes). */
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Payload bytes waiting (what bufferedAmount adds). */
  get bytes(): number {
    return this.payloadBytes;
  }

  get length(): number {
    return this.items.length;
  }

  /**
   * Adds a message of `bytes` payload bytes at the end, or returns false, adding nothing, when it would
   * take the queue past its limit. An empty message counts as one byte against the limit, so that empty
   * messages cannot pile up without bound either.
   */
  offer(message: M, bytes: number): boolean {
    const counted = Math.max(bytes, 1);
    if (this.countedBytes + counted > this.limit) return false;
    this.items.push({ message, bytes });
    this.payloadBytes += bytes;
    this.countedBytes += counted;
    return true;
  }

  /** Empties the queue, returning its messages oldest first. */
  takeAll(): M[] {
    const messages = this.items.map((item) => item.message);
    this.items = [];
    this.payloadBytes = 0;
    this.countedBytes = 0;
    return messages;
  }
}
