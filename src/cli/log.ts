// Progress and diagnostics go to stderr, one line each, so that stdout carries only what a script reads
// (the listening line, received messages).

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
