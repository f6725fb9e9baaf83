// The command line's own surface: the "bin" entry, usage and help, exit codes for mistakes, and `bench`
// both in this checkout and as an installed package (without bench/) would run it.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI_PATH, PACKAGE_ROOT, runCli, stopAll } from './cli-process.ts';

const COMMANDS = ['serve', 'connect', 'autobahn-client', 'bench'];

/** The flags each command's --help must list. */
const FLAGS: Record<string, string[]> = {
  serve: ['--host HOST', '--port PORT', '--path PATH', '--max-payload BYTES', '--shutdown-timeout MS', '--help'],
  connect: ['--protocol NAME', "--header 'NAME: VALUE'", '--handshake-timeout MS', '--help'],
  'autobahn-client': ['--url URL', '--agent NAME', '--cases LIST', '--case-timeout MS', '--help'],
  bench: ['--help'],
};

const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin?: Record<string, string>;
};

const temporaryDirectories: string[] = [];

beforeAll(assertBuilt);
afterAll(async () => {
  await stopAll();
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

describe('the wasmsocket command', () => {
  it('is package.json\'s "bin" and starts with a shebang line', () => {
    expect(manifest.bin).toEqual({ wasmsocket: './dist/src/cli.js' });
    expect(readFileSync(CLI_PATH, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('prints the usage with every command: exit 0 for --help, exit 2 with no command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));

    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: wasmsocket <command> [options]');
  });

  it('exits 2 with the usage for an unknown command or top-level option', async () => {
    for (const args of [['frobnicate'], ['--frobnicate'], ['help', 'frobnicate']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`unknown ${args.at(-1)?.startsWith('-') ? 'option' : 'command'}`);
      expect(result.stderr, args.join(' ')).toContain('Usage: wasmsocket <command> [options]');
      expect(result.stdout).toBe('');
    }
  });

  it('prints the version from package.json', async () => {
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  for (const name of COMMANDS) {
    it(`${name}: --help (and help ${name}) lists its flags with exit 0; an unknown flag exits 2`, async () => {
      for (const args of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ]) {
        const help = await runCli(args);
        expect(help.code, args.join(' ')).toBe(0);
        expect(help.stdout).toContain(`Usage: wasmsocket ${name} `);
        for (const flag of FLAGS[name]) expect(help.stdout, `${name} --help`).toContain(flag);
      }
      const wrong = await runCli([name, '--no-such-flag']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(`wasmsocket ${name}: Unknown option '--no-such-flag'`);
      expect(wrong.stderr).toContain(`Usage: wasmsocket ${name} `);
    });
  }

  it('serve: exits 2 for a port or size that is not a whole number in range', async () => {
    for (const args of [
      ['--port', '65536'],
      ['--port', 'http'],
      ['--max-payload', '1.5'],
      ['--path', 'no-slash'],
      ['--port'],
    ]) {
      const result = await runCli(['serve', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
    }
  });

  it('bench: runs bench/run.js with the suite names and passes on its exit code', async () => {
    // The tests run from a source checkout, which has the runner (the installed case is the next test).
    expect(existsSync(join(PACKAGE_ROOT, 'bench', 'run.js')), 'bench/run.js in this checkout').toBe(true);
    // An unknown suite makes the runner exit 2 at once, which shows both the hand-off and the exit code.
    const result = await runCli(['bench', 'no-such-suite']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such-suite');
  });

  it('bench: in an installed package (no bench/) explains that benchmarks need a source checkout', async () => {
    // What npm installs: package.json and dist/ ("files"), without bench/.
    const installed = mkdtempSync(join(tmpdir(), 'wasmsocket-installed-'));
    temporaryDirectories.push(installed);
    cpSync(join(PACKAGE_ROOT, 'package.json'), join(installed, 'package.json'));
    cpSync(join(PACKAGE_ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
    const result = await runCli(['bench'], { cwd: installed, cliPath: join(installed, 'dist', 'src', 'cli.js') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('benchmarks are only available from a source checkout');
    expect(result.stderr).toContain(join(installed, 'bench', 'run.js'));
  });
});
