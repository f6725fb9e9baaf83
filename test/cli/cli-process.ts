// Runs the built command line (dist/src/cli.js, what package.json "bin" points at) as a child process and
// watches its output. Every wait has a bound and reports what the process printed when it runs out; every
// process started here is remembered so that stopAll() (in afterAll) can kill what a failed test left.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WAIT_MS } from '../support/waits.ts';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** How long a killed process gets to go before we stop waiting for it. */
const KILL_WAIT_MS = 5_000;

/** Fails with the fix when the package has not been built (`npm test` builds first). */
export function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first (npm test does)`);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<CliProcess>();

export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  constructor(args: string[], options: { cwd?: string; cliPath?: string } = {}) {
    this.child = spawn(process.execPath, [options.cliPath ?? CLI_PATH, ...args], {
      cwd: options.cwd ?? PACKAGE_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    // Writing to the stdin of a process that has exited fails with EPIPE: the exit is what tests check.
    this.child.stdin?.on('error', () => {});
    running.add(this);
    this.exited = new Promise((resolve) => {
      // 'close' (not 'exit'): stdout and stderr have been read to the end.
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve(this.exit);
      });
    });
  }

  /** The stdout lines so far, without the last one if it is not finished. */
  get lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }

  /** Waits for a complete stdout line matching `pattern` (counting from line `from`). */
  waitForLine(pattern: RegExp, from = 0, timeoutMs = WAIT_MS): Promise<RegExpMatchArray> {
    return this.waitFor(`a stdout line matching ${pattern}`, timeoutMs, () => {
      for (const line of this.lines.slice(from)) {
        const match = pattern.exec(line);
        if (match !== null) return match;
      }
      return undefined;
    });
  }

  /** Waits for stderr to contain `text`. */
  waitForStderr(text: string, timeoutMs = WAIT_MS): Promise<true> {
    return this.waitFor(`stderr to contain '${text}'`, timeoutMs, () => this.stderr.includes(text) || undefined);
  }

  /** Waits for the process to end; rejects if it does not within timeoutMs (stopAll kills it later). */
  async waitForExit(timeoutMs = WAIT_MS): Promise<Exit> {
    return this.waitFor('the process to exit', timeoutMs, () => this.exit ?? undefined);
  }

  /** Writes to stdin. */
  write(text: string): void {
    this.child.stdin?.write(text);
  }

  endInput(): void {
    this.child.stdin?.end();
  }

  private waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const poll = () => {
        const found = check();
        if (found === undefined && this.exit === null) return false;
        cleanup();
        if (found !== undefined) resolve(found);
        else reject(new Error(`the process exited (${describeExit(this.exit)}) before ${what}\n${this.output()}`));
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.output()}`));
      }, timeoutMs);
      const onChange = () => {
        // Let this chunk's listener (above) append the text first.
        setImmediate(poll);
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.removeListener('data', onChange);
        this.child.stderr?.removeListener('data', onChange);
        this.child.removeListener('close', onChange);
      };
      if (poll()) return;
      this.child.stdout?.on('data', onChange);
      this.child.stderr?.on('data', onChange);
      this.child.on('close', onChange);
    });
  }

  /** What the process printed, for failure messages. */
  output(): string {
    return `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}`;
  }
}

function describeExit(exit: Exit | null): string {
  if (exit === null) return 'running';
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}

/** Starts `node dist/src/cli.js ...args`. */
export function startCli(args: string[], options?: { cwd?: string; cliPath?: string }): CliProcess {
  return new CliProcess(args, options);
}

/** Runs a command to its end (bounded) and returns its exit and output. */
export async function runCli(
  args: string[],
  options?: { cwd?: string; cliPath?: string; input?: string },
): Promise<Exit & { stdout: string; stderr: string }> {
  const cli = startCli(args, options);
  if (options?.input !== undefined) cli.write(options.input);
  cli.endInput();
  const exit = await cli.waitForExit();
  return { ...exit, stdout: cli.stdout, stderr: cli.stderr };
}

/** Kills every process started here that is still running (afterAll). */
export async function stopAll(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.child.kill('SIGKILL');
  await Promise.all(
    left.map((cli) => Promise.race([cli.exited, new Promise((resolve) => setTimeout(resolve, KILL_WAIT_MS))])),
  );
}
