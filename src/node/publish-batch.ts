// Frames published to many sockets in one tick, written once per socket at the tick's end. A publish to
// 1,000 subscribers used to cost 1,000 writes; 32 publishes in a tick, 32,000. Here each frame's bytes
// are copied once, into a shared slab, in the order they are first written; a socket gathers the runs
// of that slab it is to get (usually one run: the same frames as every other subscriber, in the same
// order), and writes them in one call when the tick's work is done. A frame costs its sockets no copy.
//
// Measured: docs/measurements.md#publish-batching. What decides whether a write is gathered, and when
// gathered bytes must go out first (another send, a callback, the high-water mark, ending the socket), is
// the socket glue's (socket-glue.ts).

/**
 * Slabs are this large: a socket's high-water mark by default, which bounds what one socket gathers; a
 * larger frame is never gathered (it is written as it is). A socket that cannot write at once keeps a
 * copy of its runs, never a slab (see the glue's flush), so a slab lives only as long as this tick's writes.
 */
const SLAB_BYTES = 16 * 1024;

/** The frames gathered in this tick, each copied once into a slab that every socket's runs point into. */
class TickFrames {
  /** Append-only across ticks: a run handed to a socket may still be waiting there, so bytes never move. */
  private slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;
  /** Per entry of this tick: the frame's chunks (its identity), the slab its bytes went to, where they end. */
  readonly frames: Uint8Array[][] = [];
  readonly slabs: Buffer[] = [];
  readonly ends: number[] = [];
  /** The last entry of each frame, for a socket that did not get the frame logged just before. */
  private readonly lastEntry = new Map<Uint8Array[], number>();

  /**
   * The entry to gather for `frame` (of `bytes` bytes) by a socket whose next entry would be `next`: the
   * latest copy of that frame, unless it comes before `next` (the same prepared frame published again),
   * when a new copy is made; -1 for a frame too large to gather.
   */
  entryFor(frame: Uint8Array[], bytes: number, next: number): number {
    const entry = this.lastEntry.get(frame);
    if (entry !== undefined && entry >= next) return entry;
    if (bytes > SLAB_BYTES) return -1;
    // A tick starts a slab once half of one is used, so that a burst seldom straddles two: every
    // subscriber would then write two runs (a writev) instead of one buffer.
    const fresh = this.frames.length === 0 && this.used > SLAB_BYTES / 2;
    if (fresh || this.used + bytes > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const slab = this.slab;
    let at = this.used;
    for (const chunk of frame) {
      slab.set(chunk, at);
      at += chunk.length;
    }
    this.used = at;
    const index = this.frames.length;
    this.frames.push(frame);
    this.slabs.push(slab);
    this.ends.push(at);
    this.lastEntry.set(frame, index);
    return index;
  }

  /** Forgets this tick's entries (their bytes stay where runs handed to sockets point). */
  reset(): void {
    this.frames.length = 0;
    this.slabs.length = 0;
    this.ends.length = 0;
    this.lastEntry.clear();
  }
}

const tickFrames = new TickFrames();

/** One socket's gathered frames: runs of the tick's slab, the last one still growing. */
export class GatheredFrames {
  /** Bytes gathered and not yet taken. */
  bytes = 0;
  /** The tick entry that would extend the current run; -1 before the first. */
  private next = -1;
  private runSlab: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  /** Runs closed before the current one (a frame in between went to other sockets only). */
  private readonly closedRuns: Buffer[] = [];

  /** Gathers `frame` (its chunks, `bytes` in all); false when it is too large, and must be written as it is. */
  add(frame: Uint8Array[], bytes: number): boolean {
    const next = this.next;
    // The common case: the frame every other subscriber got after the previous one.
    if (next >= 0 && tickFrames.frames[next] === frame && tickFrames.slabs[next] === this.runSlab) {
      this.runEnd = tickFrames.ends[next];
      this.next = next + 1;
      this.bytes += bytes;
      return true;
    }
    const entry = tickFrames.entryFor(frame, bytes, next);
    if (entry < 0) return false;
    const slab = tickFrames.slabs[entry];
    const end = tickFrames.ends[entry];
    if (entry === next && slab === this.runSlab) {
      this.runEnd = end;
    } else {
      if (this.runSlab !== null) this.closedRuns.push(this.runSlab.subarray(this.runStart, this.runEnd));
      this.runSlab = slab;
      this.runStart = end - bytes;
      this.runEnd = end;
    }
    this.next = entry + 1;
    this.bytes += bytes;
    return true;
  }

  /** The gathered bytes, to write in order (one buffer, or several), and gathering starts afresh. */
  take(): Buffer | Buffer[] {
    const slab = this.runSlab as Buffer;
    const run = slab.subarray(this.runStart, this.runEnd);
    this.runSlab = null;
    this.next = -1;
    this.bytes = 0;
    if (this.closedRuns.length === 0) return run;
    const runs = this.closedRuns.splice(0);
    runs.push(run);
    return runs;
  }
}

/** Called once every socket that gathered in this tick has written what it gathered. */
export function endTick(): void {
  tickFrames.reset();
}
