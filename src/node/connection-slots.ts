// The counts behind maxConnections and maxConnectionsPerAddress. A connection holds its slot from the
// moment its handshake passes the check until it closes, so a handshake still waiting on an asynchronous
// verifyClient is counted, and the handshakes that arrive meanwhile see it. (Counting only connections
// that had opened let 20 of 20 clients through maxConnections: 2 behind a 200 ms verifyClient.)
//
// A slot is released when its handshake ends without a connection (refused, timed out, the client gone
// before the answer), or handed over to the connection, which releases it as it closes.

import type { EventEmitter } from 'node:events';

export class ConnectionCounts {
  /** Connections open or with a handshake in progress. */
  total = 0;
  private readonly perAddress = new Map<string, number>();

  /** Connections open or in progress from `address`. */
  from(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /**
   * Takes a slot for a handshake from `address` that has passed the caps. It is released by itself if
   * `transport` (the socket, or the HTTP/2 stream) closes before the slot is handed over.
   */
  reserve(address: string, transport: EventEmitter): Slot {
    this.total++;
    this.perAddress.set(address, this.from(address) + 1);
    return new Slot(this, address, transport);
  }

  /** Frees the slot of a connection that closed, or of a handshake that ended without one. */
  remove(address: string): void {
    this.total--;
    const left = this.from(address) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
  }
}

const RESERVED = 0;
const HANDED_OVER = 1;
const RELEASED = 2;

/** One handshake's place under the caps. */
export class Slot {
  readonly address: string;
  private readonly counts: ConnectionCounts;
  private readonly transport: EventEmitter;
  private state = RESERVED;
  private readonly onTransportClose = () => this.release();

  constructor(counts: ConnectionCounts, address: string, transport: EventEmitter) {
    this.counts = counts;
    this.address = address;
    this.transport = transport;
    transport.once('close', this.onTransportClose);
  }

  /** The handshake ended without a connection: the slot is free again (nothing once handed over). */
  release(): void {
    if (this.state !== RESERVED) return;
    this.state = RELEASED;
    this.transport.removeListener('close', this.onTransportClose);
    this.counts.remove(this.address);
  }

  /** True until the slot is released or handed over. */
  get reserved(): boolean {
    return this.state === RESERVED;
  }

  /**
   * The connection opened: the count is now its own, removed when it closes (ConnectionCounts.remove).
   * Only a reserved slot may be handed over: check `reserved` before answering the handshake.
   */
  handOver(): void {
    this.state = HANDED_OVER;
    this.transport.removeListener('close', this.onTransportClose);
  }
}
