// The progress line on stderr: which measure, which cell, how far. On a terminal one line is redrawn in
// place; elsewhere (CI logs, pipes) a line is printed at each tenth of a measure so that logs stay short.

export function createProgress(stream = process.stderr) {
  const redraw = stream.isTTY === true;
  let title = '';
  let total = 0;
  let done = 0;
  let lastTenth = -1;
  const started = Date.now();

  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

  return {
    /** A measure begins, with this many cells. */
    begin(measureTitle, cellCount) {
      title = measureTitle;
      total = cellCount;
      done = 0;
      lastTenth = -1;
    },
    /** The next cell starts. */
    step(label) {
      const line = `[${elapsed()}] ${title}: ${done + 1}/${total} ${label}`;
      done++;
      if (redraw) {
        stream.write(`\r\x1b[K${line.slice(0, (stream.columns ?? 120) - 1)}`);
        return;
      }
      const tenth = Math.floor((10 * (done - 1)) / total);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line}\n`);
      }
    },
    /** The measure is finished. */
    end() {
      const line = `[${elapsed()}] ${title}: done (${total} cells)`;
      stream.write(redraw ? `\r\x1b[K${line}\n` : `${line}\n`);
    },
    /** A free-form note (a suite starting, a child process). */
    note(text) {
      stream.write(redraw ? `\r\x1b[K${text}\n` : `${text}\n`);
    },
  };
}
