// Runs Python scripts that use the `websockets` package as peers in node-project tests. Debian installs
// websockets for the system interpreter only, so this always runs /usr/bin/python3. Every process started
// here has a time limit and is remembered, so stopPythonProcesses() (in afterAll) kills what a failed test
// left running.

import { type ChildProcess, spawn } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** How long a killed process gets to exit before we stop waiting for it. */
const KILL_WAIT_MS = 5_000;
/** The end of a process's output kept for error messages. */
const OUTPUT_KEPT_CHARS = 4_000;

export interface PythonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<PythonProcess>();

/** One Python process: its output so far, line by line, and its exit. */
export class PythonProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Complete stdout lines, in order. */
  readonly lines: string[] = [];
  readonly exited: Promise<PythonExit>;
  private readonly waiters = new Set<() => void>();
  private readonly killTimer: NodeJS.Timeout;

  constructor(script: string, args: string[], timeoutMs: number) {
    this.child = spawn(PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      const complete = this.stdout.split('\n');
      complete.pop();
      this.lines.splice(0, this.lines.length, ...complete);
      this.notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-OUTPUT_KEPT_CHARS);
    });
    // The process's own time limit, independent of the test's waits.
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        clearTimeout(this.killTimer);
        running.delete(this);
        this.notify();
        resolve({ code, signal });
      });
      this.child.once('error', (error) => {
        this.stderr += `\nspawn failed: ${error.message}`;
      });
    });
  }

  /** Resolves with the first stdout line (from index `from`) that parses as JSON and passes `accept`. */
  waitForJson<T>(accept: (entry: T) => boolean, timeoutMs: number, from = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let exited = false;
      void this.exited.then(() => {
        exited = true;
      });
      const check = () => {
        for (const line of this.lines.slice(from)) {
          let entry: T;
          try {
            entry = JSON.parse(line) as T;
          } catch {
            continue;
          }
          if (accept(entry)) {
            finish();
            resolve(entry);
            return;
          }
        }
        if (exited || this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`python exited without the expected output\n${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for python output\n${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** What the process printed, for failure messages. */
  describe(): string {
    return `stdout:\n${this.stdout.slice(-OUTPUT_KEPT_CHARS)}\nstderr:\n${this.stderr}`;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, KILL_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Starts a script; it is killed after timeoutMs whatever happens. */
export function startPython(script: string, args: string[], timeoutMs: number): PythonProcess {
  return new PythonProcess(script, args, timeoutMs);
}

/**
 * Runs a script to completion and returns the JSON object it printed last. Rejects, with its output, when
 * it exits non-zero, prints no JSON, or outlives timeoutMs.
 */
export async function runPythonForJson<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  const process = startPython(script, args, timeoutMs);
  const exit = await process.exited;
  if (exit.code !== 0) {
    throw new Error(`python ${script} exited with ${exit.code ?? exit.signal}\n${process.describe()}`);
  }
  const last = process.lines.at(-1);
  if (last === undefined) throw new Error(`python ${script} printed nothing\n${process.describe()}`);
  return JSON.parse(last) as T;
}

/** Kills every Python process still running (for afterAll). */
export async function stopPythonProcesses(): Promise<void> {
  await Promise.all([...running].map((process) => process.kill()));
}
