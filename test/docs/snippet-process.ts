// A documentation snippet running as a child process (node or deno): its output line by line, bounded
// waits for a line or for its exit, and SIGKILL at the end. Every process started here is remembered so
// that stopSnippetProcesses() (afterEach) kills what a failed test left running.

import { type ChildProcess, spawn } from 'node:child_process';
import { within } from '../support/waits.ts';

/** The end of a process's output kept for failure messages. */
const OUTPUT_KEPT_CHARS = 8_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<SnippetProcess>();

export class SnippetProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();

  constructor(command: string, args: string[], options: { cwd: string; env?: Record<string, string | undefined> }) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        running.delete(this);
        this.notify();
        resolve({ code, signal });
      });
      this.child.once('error', (error) => {
        this.stderr += `\nspawn failed: ${error.message}`;
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    const complete = this.stdout.split('\n');
    complete.pop();
    return complete;
  }

  /**
   * Resolves with the first stdout line matching `pattern`; rejects when the process exits first, or
   * after timeoutMs (only a hang: the caller's bound is generous), with what the process printed.
   */
  waitForLine(pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = () => {
        for (const line of this.lines()) {
          const match = pattern.exec(line);
          if (match) {
            finish();
            resolve(match);
            return;
          }
        }
        if (!this.running) {
          finish();
          reject(new Error(`the snippet exited before printing ${what}\n${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves with the exit; rejects after timeoutMs with what the process printed. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for the snippet to exit\n${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  describe(): string {
    return `stdout:\n${this.stdout.slice(-OUTPUT_KEPT_CHARS)}\nstderr:\n${this.stderr.slice(-OUTPUT_KEPT_CHARS)}`;
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await within(this.exited, 'the snippet to die after SIGKILL', 10_000).catch(() => {});
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export async function stopSnippetProcesses(): Promise<void> {
  await Promise.all([...running].map((process) => process.stop()));
}
