// A step that finishes either at once or later: compressing or inflating a message (node:zlib answers on a
// later tick, a codec without a thread answers before returning). The caller goes on in its own loop when
// the step finished at once (no recursion, nothing reordered), and from the step's callback when it
// finishes later. SendQueue and Connection's inflation both wait this way.

/**
 * Runs `start`, handing it `finish` to call once the step's work is done. Returns true when `finish` was
 * called before `start` returned: the caller carries on itself. Otherwise `finish`, when it comes, calls
 * `resume`. A step that never calls `finish` (it failed, and reported that itself) returns false and never
 * resumes anything.
 */
export function finishedNowOrLater(start: (finish: () => void) => void, resume: () => void): boolean {
  let returned = false;
  let finishedNow = false;
  start(() => {
    if (returned) resume();
    else finishedNow = true;
  });
  returned = true;
  return finishedNow;
}
