import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium.ts';
import {
  checkSystemPrograms,
  inCi,
  requiredLine,
  SYSTEM_PROGRAMS_ENV,
  skipLine,
} from './test/support/system-programs.ts';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the package by its public names; these point them at the TypeScript sources.
const packageAliases = {
  'wasmsocket/codec': source('./src/codec/index.ts'),
};

// Chromium, Python's websockets and redis-server, tried once per run (test/support/system-programs.ts).
// A missing one skips the tests that need it, with one line here, or fails the run under CI.
if (process.env[SYSTEM_PROGRAMS_ENV] === undefined) {
  const programs = checkSystemPrograms();
  const missing = programs.filter((program) => !program.available);
  if (missing.length > 0 && inCi()) {
    throw new Error(
      `CI is set, so no test may be skipped for a missing program:\n${missing.map(requiredLine).join('\n')}`,
    );
  }
  for (const program of missing) console.warn(skipLine(program));
  // The test workers inherit this, so they need not try the programs again.
  process.env[SYSTEM_PROGRAMS_ENV] = JSON.stringify(programs);
}
const chromiumAvailable = (
  JSON.parse(process.env[SYSTEM_PROGRAMS_ENV] as string) as { name: string; available: boolean }[]
).some((program) => program.name === 'chromium' && program.available);

const nodeProject = {
  resolve: { alias: { ...packageAliases, '#wasm-loader': source('./bindings/load.node.ts') } },
  test: {
    name: 'node',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.browser.test.ts', 'test/**/*.measured.node.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
};

// Tests whose assertion is a process's own resident memory (a bound the RSS of `wasmsocket serve` must
// keep under attack) run after every other project, one file at a time: with a hundred test files
// running beside it, the garbage collector's timing (when it frees the 64 KiB socket reads, how far it
// grows the young generation) varies the figure by more than the bound's margin.
const measuredProject = {
  resolve: nodeProject.resolve,
  test: {
    name: 'measured',
    environment: 'node',
    include: ['test/**/*.measured.node.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    fileParallelism: false,
    sequence: { groupOrder: 1 },
  },
};

const browserProject = {
  resolve: { alias: { ...packageAliases, '#wasm-loader': source('./bindings/load.browser.ts') } },
  test: {
    name: 'browser',
    include: ['test/codec/**/*.test.ts', 'test/**/*.browser.test.ts'],
    exclude: ['test/**/*.node.test.ts'],
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' as const }],
    },
  },
};

export default defineConfig({
  test: {
    projects: chromiumAvailable ? [nodeProject, browserProject, measuredProject] : [nodeProject, measuredProject],
  },
});
