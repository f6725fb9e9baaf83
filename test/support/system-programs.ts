// The system programs some tests need beyond Node and npm: Chromium, Python's websockets and
// redis-server. Each is tried (started with a harmless argument and its answer checked), not looked for
// on disk: a binary may be missing, present but not runnable, or, for Python, lack the module.
//
// vitest.config.ts checks them once per run: for each missing one it prints one line naming it and how
// to install it, leaves the browser project out when Chromium is missing, and, when CI is set, fails the
// run instead, so CI can never pass by skipping. The test files that need a program skip their groups
// with describe.skipIf(!systemProgram(name).available).

import { spawnSync } from 'node:child_process';
import { CHROMIUM_PATH } from './chromium.ts';
import { PYTHON } from './python.ts';

export type SystemProgramName = 'chromium' | 'python3-websockets' | 'redis-server';

export interface SystemProgram {
  name: SystemProgramName;
  available: boolean;
  /** What trying it gave, when it is not available. */
  problem?: string;
}

export interface Probe {
  command: string;
  args: string[];
  /** The answer a working program prints on stdout. */
  answer: RegExp;
}

interface Requirement extends Probe {
  /** The tests that need it, for the skip line. */
  needs: string;
  install: string;
}

const REQUIREMENTS: Record<SystemProgramName, Requirement> = {
  chromium: {
    command: CHROMIUM_PATH,
    args: ['--version'],
    answer: /chrom/i,
    needs: 'the browser project and the tests that drive Chromium (interop, http2, deflate, the Vite page)',
    install: 'apt-get install chromium, or set CHROMIUM_PATH to a Chromium binary',
  },
  'python3-websockets': {
    command: PYTHON,
    args: ['-c', 'import websockets; print("websockets", websockets.__version__)'],
    answer: /^websockets \d/,
    needs: 'the interop and permessage-deflate tests against Python websockets',
    install: `apt-get install python3-websockets (the tests run ${PYTHON})`,
  },
  'redis-server': {
    command: 'redis-server',
    args: ['--version'],
    answer: /Redis server v=/,
    needs: 'the Redis fan-out tests and the README Redis example',
    install: 'apt-get install redis-server',
  },
};

/** A cold start of Chromium's wrapper script on a loaded machine takes well under this. */
const PROBE_TIMEOUT_MS = 20_000;

/** The environment variable through which vitest.config.ts hands its results to the test workers. */
export const SYSTEM_PROGRAMS_ENV = 'WASMSOCKET_SYSTEM_PROGRAMS';

const cache = new Map<SystemProgramName, SystemProgram>();

/** Runs the program with its harmless arguments; undefined when it answered as expected, else what went wrong. */
export function tryProgram({ command, args, answer }: Probe): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: 'pipe' });
  if (result.error) {
    return `${command} could not be run (${(result.error as NodeJS.ErrnoException).code ?? result.error.message})`;
  }
  if (result.status !== 0) {
    // Python's traceback ends with the error itself ("ModuleNotFoundError: No module named ...").
    const last = `${result.stderr ?? ''}`.trim().split('\n').at(-1) ?? '';
    return `${command} exited with ${result.status ?? result.signal}${last ? `: ${last}` : ''}`;
  }
  if (!answer.test(result.stdout)) return `${command} answered ${JSON.stringify(result.stdout.trim().slice(0, 80))}`;
  return undefined;
}

function probe(name: SystemProgramName): SystemProgram {
  const problem = tryProgram(REQUIREMENTS[name]);
  return problem === undefined ? { name, available: true } : { name, available: false, problem };
}

/** Whether `name` works here: the run's answer from vitest.config.ts, or a fresh try. */
export function systemProgram(name: SystemProgramName): SystemProgram {
  let known = cache.get(name);
  if (known === undefined) {
    const handed = process.env[SYSTEM_PROGRAMS_ENV];
    const fromRun = handed ? (JSON.parse(handed) as SystemProgram[]).find((entry) => entry.name === name) : undefined;
    known = fromRun ?? probe(name);
    cache.set(name, known);
  }
  return known;
}

/** Tries every program (afresh). */
export function checkSystemPrograms(): SystemProgram[] {
  return (Object.keys(REQUIREMENTS) as SystemProgramName[]).map((name) => {
    const result = probe(name);
    cache.set(name, result);
    return result;
  });
}

/** The one line printed for a missing program whose tests are skipped. */
export function skipLine(program: SystemProgram): string {
  const { needs, install } = REQUIREMENTS[program.name];
  return `skipping ${needs}: ${program.name} is missing (${program.problem}); install: ${install}`;
}

/** The line for a missing program when nothing may be skipped (CI). */
export function requiredLine(program: SystemProgram): string {
  const { needs, install } = REQUIREMENTS[program.name];
  return `${program.name} is missing (${program.problem}), and ${needs} need it; install: ${install}`;
}

/** True when CI is set (CI=true, as CI services set it): missing programs then fail the run. */
export function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
