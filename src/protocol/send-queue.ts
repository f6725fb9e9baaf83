// Outgoing frames in call order. Most frames are built and written at once; a compressed one finishes
// later, and every frame queued after it (data, ping, pong, close) waits its turn, as the RFC's
// ordering requires. Nothing here waits on the socket: that is the transport's backpressure.

import { NowOrLater } from './now-or-later.js';

type Build = () => Uint8Array[];

interface SendTarget {
  write(chunks: Uint8Array[], done?: unknown): void;
  discarded?(done: unknown): void;
}
type Start = (write: (chunks: Uint8Array[]) => void) => void;

interface Job {
  build: Build | null;
  start: Start | null;
  done: unknown;
  /** Payload bytes the job carries, counted in queuedBytes until it is written. */
  size: number;
}

export class SendQueue {
  private readonly target: SendTarget;
  private readonly jobs: Job[] = [];
  /** True while a job's asynchronous step runs. */
  private running = false;
  /** The `done` of the job whose asynchronous step is running. */
  private runningDone: unknown;
  /** Payload bytes of the frames waiting here. */
  private waitingBytes = 0;
  /** After abandon(): nothing queued is written any more. */
  private abandoned = false;
  /** Whether the running job's asynchronous step finished before its start returned (made on first use). */
  private step: NowOrLater | null = null;

  /**
   * `target.write` receives every frame's chunks, in order (the connection's handler); `target.discarded`,
   * where the handler has it, the `done` of each frame abandoned before it was written.
   */
  constructor(target: SendTarget) {
    this.target = target;
  }

  /** True while a job waits for an asynchronous step. */
  get busy(): boolean {
    return this.running || this.jobs.length > 0;
  }

  /** Payload bytes of the frames waiting here (what ws's bufferedAmount counts beside the socket's). */
  get queuedBytes(): number {
    return this.waitingBytes;
  }

  /** A frame built now, or after the jobs ahead of it. `size`: its payload bytes. */
  push(build: Build, done?: unknown, size = 0): void {
    if (!this.busy) {
      this.target.write(build(), done);
      return;
    }
    this.jobs.push({ build, start: null, done, size });
    this.waitingBytes += size;
  }

  /** A frame whose bytes come from an asynchronous step (compression). */
  pushAsync(start: Start, done?: unknown, size = 0): void {
    this.jobs.push({ build: null, start, done, size });
    this.waitingBytes += size;
    if (!this.running) this.next();
  }

  /**
   * Drops every queued job, and the output of one still running: the connection failed or was
   * terminated, and nothing queued may follow what comes next (a close frame, or nothing).
   */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.waitingBytes = 0;
    const dropped = this.jobs.splice(0).map((job) => job.done);
    if (this.running) dropped.unshift(this.runningDone);
    // Every send learns its fate: a callback waiting on a frame that will never be written is told so.
    for (const done of dropped) if (done !== undefined) this.target.discarded?.(done);
  }

  private next(): void {
    while (this.jobs.length > 0) {
      const job = this.jobs.shift() as Job;
      if (job.build !== null) {
        this.waitingBytes -= job.size;
        this.target.write(job.build(), job.done);
        continue;
      }
      this.running = true;
      this.runningDone = job.done;
      this.step ??= new NowOrLater(() => this.next());
      const step = this.step;
      step.begin();
      (job.start as Start)((chunks) => {
        this.running = false;
        if (this.abandoned) return;
        this.waitingBytes -= job.size;
        this.target.write(chunks, job.done);
        step.finish();
      });
      if (!step.end()) return;
    }
  }
}
