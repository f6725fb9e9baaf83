// Child processes for the end-to-end suites (echo, memory, broadcast): servers that print a readiness line
// on stdout and answer IPC requests, and workers (load generators, receivers) that answer IPC commands.
// Robustness rules: every wait has a deadline, every child is registered and stopped in the suites' finally
// blocks (SIGTERM, then SIGKILL), and a last-resort 'exit' hook kills whatever is still alive if the runner
// itself dies. Children exit on their own when the IPC channel closes (ipc-worker.js, server-probe.js).

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** How long a server may take to print its listening line (Node start-up plus wasm compile: ~0.2 s here). */
export const READY_TIMEOUT_MS = 15_000;
/** How long a child gets to exit after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
/** Lines of a child's stderr kept for the report (the rest is counted, not kept). */
const STDERR_LINES_KEPT = 400;
/**
 * The soft open-files limit asked for when a child holds thousands of sockets. Node has no setrlimit, so
 * the child is started through bash, which raises the limit and then execs node (same pid).
 */
export const OPEN_FILES = 65_536;

const live = new Set();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.process.kill('SIGKILL');
  });
}

/** ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) of a process in microseconds, from /proc/<pid>/stat. */
export function processCpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // proc(5): utime is field 14 and stime field 15; fields[0] here is field 3 (state).
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Read and write system calls a process has made so far ({ reads, writes }, from /proc/<pid>/io): per echoed
 * message they show how well a server batches its socket I/O (one writev for many replies, or a write each).
 */
export function processSyscalls(pid) {
  const io = readFileSync(`/proc/${pid}/io`, 'latin1');
  const field = (name) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
  return { reads: field('syscr'), writes: field('syscw') };
}

/**
 * CPU time all processes on the machine spent busy (not idle or iowait) in microseconds, from the first line
 * of /proc/stat: with the server's and the load generator's own time, it shows how much other processes
 * took during a measurement (this machine may be shared).
 */
export function machineBusyMicros() {
  const line = readFileSync('/proc/stat', 'latin1').slice(0, 256).split('\n')[0];
  // cpu user nice system idle iowait irq softirq steal ...
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  const busy = ticks.reduce((sum, t) => sum + t, 0) - ticks[3] - ticks[4];
  return (busy * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of a process in bytes (VmRSS in /proc/<pid>/status). */
export function processRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`bench: no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** How many file descriptors a process has open (its sockets, once connections are up). */
export function openFileCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Starts `node [nodeArgs] script [args]` with stdout/stderr piped and an IPC channel. With openFiles, the
 * soft open-files limit is raised first (through bash; falls back to the hard limit if that is lower); with
 * cpu, the process is pinned to that core (through taskset, which execs it: the pid stays the same).
 * Returns a handle: { name, pid, request(), waitForLine(), stderrLines(), stop(), exited }.
 */
export function startNode(name, script, args = [], { nodeArgs = [], env = {}, openFiles = 0, cpu } = {}) {
  const command = [...nodeArgs, script instanceof URL ? script.pathname : script, ...args];
  return startProcess(name, process.execPath, command, { env, openFiles, cpu, ipc: true });
}

/**
 * Starts any program (a `bun` binary, say) the way startNode starts node: stdout/stderr piped, an IPC channel
 * only when `ipc` (a program that does not speak Node's IPC must not get one), optionally pinned to a core
 * and with a raised open-files limit. The handle's request() needs ipc.
 */
export function startProcess(name, program, args = [], { env = {}, openFiles = 0, cpu, ipc = false } = {}) {
  installExitHook();
  let argv = [program, ...args];
  if (openFiles > 0) {
    argv = ['bash', '-c', `ulimit -n ${openFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, ...argv];
  }
  if (cpu !== undefined) argv = ['taskset', '-c', String(cpu), ...argv];
  const stdio = ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(argv[0], argv.slice(1), { stdio, env: { ...process.env, ...env } });

  const handle = new ChildHandle(name, child);
  live.add(handle);
  child.once('exit', () => live.delete(handle));
  return handle;
}

class ChildHandle {
  constructor(name, child) {
    this.name = name;
    this.process = child;
    this.pid = child.pid;
    this.exitCode = undefined;
    this.stdoutText = '';
    this.stderrKept = [];
    this.stderrCount = 0;
    this.lineWaiters = [];
    this.pending = new Map();
    this.nextId = 1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? signal;
        const error = new Error(`bench: ${name} exited (${this.exitCode}) ${this.stderrTail(5)}`);
        for (const { reject } of this.pending.values()) reject(error);
        this.pending.clear();
        for (const waiter of this.lineWaiters) waiter.reject(error);
        this.lineWaiters = [];
        resolve(this.exitCode);
      });
    });
    child.once('error', (error) => {
      for (const { reject } of this.pending.values()) reject(error);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      // Only the start of stdout matters (the readiness line); keep a bounded amount.
      if (this.stdoutText.length < 64 * 1024) this.stdoutText += text;
      for (const waiter of [...this.lineWaiters]) waiter.check();
    });
    // stderr is always drained: a server that logs every connection would block on a full pipe otherwise
    // (pipes are synchronous for Node's stdio on Linux).
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        this.stderrCount++;
        this.stderrKept.push(line);
        if (this.stderrKept.length > STDERR_LINES_KEPT) this.stderrKept.shift();
      }
    });
    child.on('message', (message) => {
      const waiter = this.pending.get(message?.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message);
      else waiter.reject(new Error(`bench: ${this.name}: ${message.error}`));
    });
  }

  /** Resolves with the first regex match in stdout; rejects after timeoutMs or if the child exits. */
  waitForLine(pattern, timeoutMs = READY_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          const match = pattern.exec(this.stdoutText);
          if (match === null) return;
          clearTimeout(timer);
          this.lineWaiters = this.lineWaiters.filter((w) => w !== waiter);
          resolve(match);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.lineWaiters = this.lineWaiters.filter((w) => w !== waiter);
        reject(new Error(`bench: ${this.name} printed no ${pattern} within ${timeoutMs} ms ${this.stderrTail(5)}`));
      }, timeoutMs);
      if (this.exitCode !== undefined) {
        reject(new Error(`bench: ${this.name} already exited (${this.exitCode}) ${this.stderrTail(5)}`));
        return;
      }
      this.lineWaiters.push(waiter);
      waiter.check();
    });
  }

  /** Sends { type, ...fields } over IPC and resolves with the reply carrying the same id. */
  request(message, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (this.exitCode !== undefined) {
        reject(new Error(`bench: ${this.name} already exited (${this.exitCode}) ${this.stderrTail(5)}`));
        return;
      }
      if (typeof this.process.send !== 'function') {
        reject(new Error(`bench: ${this.name} was started without an IPC channel`));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`bench: ${this.name} did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.process.send({ ...message, id });
    });
  }

  /** The last `count` stderr lines, for error messages. */
  stderrTail(count) {
    const tail = this.stderrKept.slice(-count);
    return tail.length === 0 ? '' : `; stderr: ${tail.join(' | ')}`;
  }

  /** The kept stderr lines matching a pattern (errors a server logged). */
  stderrMatching(pattern) {
    return this.stderrKept.filter((line) => pattern.test(line));
  }

  /** SIGTERM, then SIGKILL after a deadline; resolves once the process has exited. */
  async stop() {
    if (this.exitCode !== undefined) return this.exitCode;
    this.process.kill('SIGTERM');
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => {
        this.process.kill('SIGKILL');
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }
}

/** Stops every handle given (in parallel), never throwing: for finally blocks. */
export async function stopAll(handles) {
  await Promise.allSettled(handles.filter((h) => h !== undefined && h !== null).map((h) => h.stop()));
}

/** The URL a server printed in its `listening on ws://HOST:PORT` line. */
export async function waitForListening(handle) {
  const match = await handle.waitForLine(/listening on (ws:\/\/\S+)/);
  return match[1];
}
