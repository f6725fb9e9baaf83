// Random bytes, handed in by the transport (node:crypto in Node, crypto.getRandomValues on the web):
// RFC 6455 section 5.3 wants each masking key unpredictable, and section 4.1 a random handshake nonce.

/** Fills `target` with cryptographically strong random bytes. */
export type RandomSource = (target: Uint8Array) => void;

/** The WebCrypto source, present in Node 20, browsers, workerd and Deno. */
export const webRandom: RandomSource = (target) => {
  // getRandomValues refuses more than 65536 bytes per call.
  for (let at = 0; at < target.length; at += 65536) {
    globalThis.crypto.getRandomValues(
      target.subarray(at, Math.min(target.length, at + 65536)) as Uint8Array<ArrayBuffer>,
    );
  }
};

const pools = new WeakMap<RandomSource, MaskKeyPool>();

/**
 * The process-wide key pool of a random source: connections share it, so a server's connections (which
 * never mask) and many clients cost no pool each.
 */
export function maskKeyPoolFor(random: RandomSource): MaskKeyPool {
  let pool = pools.get(random);
  if (pool === undefined) {
    pool = new MaskKeyPool(random);
    pools.set(random, pool);
  }
  return pool;
}

/**
 * Masking keys drawn from a pool refilled 8 KiB at a time: one call into the random source per 2048
 * frames instead of one per frame, which matters for small messages from clients.
 */
export class MaskKeyPool {
  private readonly pool = new Uint8Array(8192);
  private next = this.pool.length;
  private readonly random: RandomSource;

  constructor(random: RandomSource) {
    this.random = random;
  }

  /** A fresh key as a little-endian word (key byte 0 lowest), as the kernels take it. */
  take(): number {
    if (this.next === this.pool.length) {
      this.random(this.pool);
      this.next = 0;
    }
    const pool = this.pool;
    const at = this.next;
    this.next = at + 4;
    return (pool[at] | (pool[at + 1] << 8) | (pool[at + 2] << 16) | (pool[at + 3] << 24)) >>> 0;
  }
}
