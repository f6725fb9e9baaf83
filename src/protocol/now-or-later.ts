// A step that finishes either at once or later: compressing or inflating a message (node:zlib answers on a
// later tick, a codec without a thread answers before returning). The caller goes on in its own loop when
// the step finished at once (no recursion, nothing reordered), and from the step's callback when it
// finishes later. SendQueue and Connection's inflation both wait this way.
//
// One NowOrLater per owner, reused for each step: an owner runs one such step at a time (the send queue
// starts the next job only when one is done; the reader holds delivery while a piece inflates), and a
// reused object costs a compressed frame no allocation beyond the step's own callback.

export class NowOrLater {
  private readonly resume: () => void;
  /** True from begin() until end(): the step's start has not returned yet. */
  private starting = false;
  /** Set by finish() while starting. */
  private finishedNow = false;

  /** `resume` is what a step that finishes later calls from finish(), to carry on where the owner stopped. */
  constructor(resume: () => void) {
    this.resume = resume;
  }

  /** Call just before starting a step. */
  begin(): void {
    this.starting = true;
    this.finishedNow = false;
  }

  /** The step's completion calls this once its work is done (a step that failed and said so need not). */
  finish(): void {
    if (this.starting) this.finishedNow = true;
    else this.resume();
  }

  /** Call once the step's start has returned: true when it finished already, and the owner carries on itself. */
  end(): boolean {
    this.starting = false;
    return this.finishedNow;
  }
}
