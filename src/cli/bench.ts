// `wasmsocket bench [SUITE...]`: runs the benchmark runner (bench/run.js, what `npm run bench` runs) in a
// child Node process, with the suite names passed through. bench/ is not published (package.json "files"),
// so an installed package says where the benchmarks are instead of failing obscurely.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { defineCommand, ExitCode } from './command.js';
import { log } from './log.js';
import { findPackage } from './package-root.js';

/** bench/run.js, relative to the package root. */
const RUNNER = join('bench', 'run.js');

/** The exit status a shell reports for a process ended by a signal: 128 + the signal's number. */
const SIGNAL_EXIT_BASE = 128;

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'Run the benchmarks (bench/run.js; only in a source checkout).',
  synopsis: '[SUITE...]',
  description: [
    'Runs every benchmark suite, or the named ones, printing one table per measure on stdout and writing',
    'results to bench/results/. Needs a built source checkout (npm run build); the published package',
    'does not include bench/.',
  ].join('\n'),
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  flags: {},
  run: ({ positionals }) => {
    const { root } = findPackage();
    const runner = join(root, RUNNER);
    if (!existsSync(runner)) {
      log(`benchmarks are only available from a source checkout: ${runner} does not exist.`);
      log('Clone the repository, run `npm ci` (which builds), then `npm run bench`.');
      return Promise.resolve(ExitCode.FAILURE);
    }
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [runner, ...positionals], { cwd: root, stdio: 'inherit' });
      // The terminal sends Ctrl-C to the child too; waiting for it to finish is all that is left to do.
      const ignore = () => {};
      process.on('SIGINT', ignore);
      child.on('error', (error) => {
        log(`cannot run ${runner}: ${error.message}`);
        resolve(ExitCode.FAILURE);
      });
      child.on('exit', (code, signal) => {
        process.removeListener('SIGINT', ignore);
        if (signal !== null) resolve(SIGNAL_EXIT_BASE + constants.signals[signal]);
        else resolve(code ?? ExitCode.FAILURE);
      });
    });
  },
});
