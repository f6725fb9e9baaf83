// Outgoing frames in call order. Most frames are built and written at once; a compressed one finishes
// later, and every frame queued after it (data, ping, pong, close) waits its turn, as the RFC's
// ordering requires. Nothing here waits on the socket: that is the transport's backpressure.

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
  private readonly jobs: Job[] = [];
  private running = false;
  private readonly target: SendTarget;
  /** The `done` of the job whose asynchronous step is running. */
  private runningDone: unknown;

  /**
   * `target.write` receives every frame's chunks, in order (the connection's handler); `target.discarded`,
   * where the handler has it, the `done` of each frame abandoned before it was written.
   */
  constructor(target: SendTarget) {
    this.target = target;
  }

  private write(chunks: Uint8Array[], done: unknown): void {
    this.target.write(chunks, done);
  }

  /** True while a job waits for an asynchronous step. */
  get busy(): boolean {
    return this.running || this.jobs.length > 0;
  }

  /** Payload bytes of the frames waiting here (what ws's bufferedAmount counts beside the socket's). */
  queuedBytes = 0;

  /** A frame built now, or after the jobs ahead of it. `size`: its payload bytes. */
  push(build: Build, done?: unknown, size = 0): void {
    if (!this.busy) {
      this.write(build(), done);
      return;
    }
    this.jobs.push({ build, start: null, done, size });
    this.queuedBytes += size;
  }

  /** A frame whose bytes come from an asynchronous step (compression). */
  pushAsync(start: Start, done?: unknown, size = 0): void {
    this.jobs.push({ build: null, start, done, size });
    this.queuedBytes += size;
    if (!this.running) this.next();
  }

  /**
   * Drops every queued job, and the output of one still running: the connection failed or was
   * terminated, and nothing queued may follow what comes next (a close frame, or nothing).
   */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.queuedBytes = 0;
    const dropped = this.jobs.splice(0).map((job) => job.done);
    if (this.running) dropped.unshift(this.runningDone);
    // Every send learns its fate: a callback waiting on a frame that will never be written is told so.
    for (const done of dropped) if (done !== undefined) this.target.discarded?.(done);
  }

  private abandoned = false;

  private next(): void {
    while (this.jobs.length > 0) {
      const job = this.jobs.shift() as Job;
      if (job.build !== null) {
        this.queuedBytes -= job.size;
        this.write(job.build(), job.done);
        continue;
      }
      this.running = true;
      this.runningDone = job.done;
      let finishedSynchronously = false;
      let returned = false;
      (job.start as Start)((chunks) => {
        this.running = false;
        if (this.abandoned) return;
        this.queuedBytes -= job.size;
        this.write(chunks, job.done);
        if (returned) this.next();
        else finishedSynchronously = true;
      });
      returned = true;
      if (!finishedSynchronously) return;
    }
  }
}
