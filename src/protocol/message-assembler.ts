// Joining the fragments of a message (RFC 6455 section 5.4).
//
// An unfragmented message is passed through untouched. Fragments are copied into one buffer that grows
// by doubling, so memory stays within about twice the message size however the message is cut: a flood
// of 1-byte or empty fragments costs no more memory than the bytes themselves (empty ones cost nothing),
// unlike keeping one object per fragment, which let tiny fragments multiply memory (the ws 8.21 fix).

import type { Allocate } from './frame-writer.js';

export class MessageAssembler {
  private readonly allocate: Allocate;
  /** The most bytes a message may reach (maxPayload, checked before fragments get here); 0: no limit. */
  private readonly limit: number;
  private first: Uint8Array | null = null;
  private buffer: Uint8Array | null = null;
  private length = 0;

  constructor(allocate: Allocate, limit: number) {
    this.allocate = allocate;
    this.limit = limit;
  }

  /** Adds a fragment; returns the whole message when `fin`, else null. */
  add(payload: Uint8Array, fin: boolean): Uint8Array | null {
    if (this.first === null && this.buffer === null) {
      if (fin) return payload;
      this.first = payload;
      this.length = payload.length;
      return null;
    }
    if (payload.length > 0) this.append(payload);
    if (!fin) return null;
    const message = this.buffer === null ? (this.first as Uint8Array) : this.buffer.subarray(0, this.length);
    this.first = null;
    this.buffer = null;
    this.length = 0;
    return message;
  }

  /** Forgets a message in progress. */
  reset(): void {
    this.first = null;
    this.buffer = null;
    this.length = 0;
  }

  private append(payload: Uint8Array): void {
    const needed = this.length + payload.length;
    if (this.buffer === null || needed > this.buffer.length) {
      let capacity = Math.max(needed, (this.buffer?.length ?? 0) * 2, 256);
      if (this.limit > 0) capacity = Math.max(needed, Math.min(capacity, this.limit));
      const grown = this.allocate(capacity);
      if (this.buffer !== null) grown.set(this.buffer.subarray(0, this.length));
      else if (this.first !== null) grown.set(this.first);
      this.buffer = grown;
      this.first = null;
    }
    this.buffer.set(payload, this.length);
    this.length = needed;
  }
}
