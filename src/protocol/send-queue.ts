// Outgoing frames in call order. Most frames are built and written at once; a compressed one finishes
// later, and every frame queued after it (data, ping, pong, close) waits its turn, as the RFC's
// ordering requires. Nothing here waits on the socket: that is the transport's backpressure.

type Build = () => Uint8Array[];
type Start = (write: (chunks: Uint8Array[]) => void) => void;

interface Job {
  build: Build | null;
  start: Start | null;
  done: unknown;
}

export class SendQueue {
  private readonly jobs: Job[] = [];
  private running = false;
  private readonly target: { write(chunks: Uint8Array[], done?: unknown): void };

  /** `target.write` receives every frame's chunks, in order (the connection's handler). */
  constructor(target: { write(chunks: Uint8Array[], done?: unknown): void }) {
    this.target = target;
  }

  private write(chunks: Uint8Array[], done: unknown): void {
    this.target.write(chunks, done);
  }

  /** True while a job waits for an asynchronous step. */
  get busy(): boolean {
    return this.running || this.jobs.length > 0;
  }

  /** A frame built now, or after the jobs ahead of it. */
  push(build: Build, done?: unknown): void {
    if (!this.busy) {
      this.write(build(), done);
      return;
    }
    this.jobs.push({ build, start: null, done });
  }

  /** A frame whose bytes come from an asynchronous step (compression). */
  pushAsync(start: Start, done?: unknown): void {
    this.jobs.push({ build: null, start, done });
    if (!this.running) this.next();
  }

  /**
   * Drops every queued job, and the output of one still running: the connection failed or was
   * terminated, and nothing queued may follow what comes next (a close frame, or nothing).
   */
  abandon(): void {
    this.jobs.length = 0;
    this.abandoned = true;
  }

  private abandoned = false;

  private next(): void {
    while (this.jobs.length > 0) {
      const job = this.jobs.shift() as Job;
      if (job.build !== null) {
        this.write(job.build(), job.done);
        continue;
      }
      this.running = true;
      let finishedSynchronously = false;
      let returned = false;
      (job.start as Start)((chunks) => {
        this.running = false;
        if (this.abandoned) return;
        this.write(chunks, job.done);
        if (returned) this.next();
        else finishedSynchronously = true;
      });
      returned = true;
      if (!finishedSynchronously) return;
    }
  }
}
