// `npm test` on a machine with only Node and npm: a test that needs Chromium, Python's websockets or
// redis-server is skipped with one line naming the program and how to install it, and the run fails
// instead when CI is set. "Missing" is decided by trying the program, so a binary that is absent, one
// that cannot be run, one that answers wrongly and a Python without the module all count.

import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherOutput } from '../support/child-output.ts';
import { PYTHON } from '../support/python.ts';
import { SYSTEM_PROGRAMS_ENV, tryProgram } from '../support/system-programs.ts';
import { within } from '../support/waits.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'wasmsocket-programs-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function script(name: string, body: string, executable = true): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, executable ? 0o755 : 0o644);
  return path;
}

describe('tryProgram decides by running the program', () => {
  it('accepts a program that runs and answers as expected', () => {
    const path = script('good', 'echo "Chromium 999.0 built on nothing"');
    expect(tryProgram({ command: path, args: ['--version'], answer: /chrom/i })).toBeUndefined();
  });

  it('refuses a program that is absent', () => {
    expect(tryProgram({ command: join(scratch, 'absent'), args: [], answer: /./ })).toMatch(
      /could not be run \(ENOENT\)/,
    );
  });

  it('refuses a file that exists but cannot be run', () => {
    const path = script('not-executable', 'echo Chromium', false);
    expect(tryProgram({ command: path, args: [], answer: /chrom/i })).toMatch(/could not be run \(EACCES\)/);
  });

  it('refuses a program that runs but fails, or answers something else', () => {
    expect(tryProgram({ command: script('fails', 'echo broken >&2; exit 3'), args: [], answer: /./ })).toMatch(
      /exited with 3: broken/,
    );
    expect(tryProgram({ command: script('other', 'echo "not it"'), args: [], answer: /chrom/i })).toMatch(
      /answered "not it"/,
    );
  });

  it('refuses a Python without the module', () => {
    const probe = { command: PYTHON, args: ['-c', 'import wasmsocket_no_such_module'], answer: /./ };
    const problem = tryProgram(probe);
    // Where this Python is itself missing the answer is "could not be run": refused as well.
    expect(problem).toMatch(/No module named 'wasmsocket_no_such_module'|could not be run/);
  });
});

/** Runs vitest on one small test file in a child, with the environment given, and returns its output. */
async function nestedRun(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  // The parent run's answers must not be handed down: the child tries the programs itself.
  delete childEnv[SYSTEM_PROGRAMS_ENV];
  delete childEnv.VITEST;
  delete childEnv.VITEST_POOL_ID;
  delete childEnv.VITEST_WORKER_ID;
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/codec/constants-mirror.node.test.ts'],
    { cwd: REPO_ROOT, env: childEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const printed = gatherOutput(child);
  try {
    const code = await within(new Promise<number | null>((resolve) => child.once('exit', resolve)), 'vitest', 120_000);
    return { code, output: printed.stdout + printed.stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('a vitest run without Chromium (CHROMIUM_PATH naming nothing)', () => {
  const missingChromium = join(scratch, 'no-chromium');

  it('skips with one line naming chromium and how to install it, and passes', async () => {
    const { code, output } = await nestedRun({ CHROMIUM_PATH: missingChromium, CI: undefined });
    const lines = output.split('\n').filter((line) => line.includes('chromium is missing'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${missingChromium} could not be run (ENOENT)`);
    expect(lines[0]).toContain('apt-get install chromium');
    // The browser project is left out, and the rest passes.
    expect(output).not.toMatch(/browser \(chromium\)/);
    expect(code, output).toBe(0);
  }, 150_000);

  it('fails when CI=true, naming the missing program', async () => {
    const { code, output } = await nestedRun({ CHROMIUM_PATH: missingChromium, CI: 'true' });
    expect(code).not.toBe(0);
    expect(output).toContain('CI is set, so no test may be skipped for a missing program');
    expect(output).toContain('chromium is missing');
  }, 150_000);
});
