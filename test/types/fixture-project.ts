// Builds a small TypeScript project from the fixtures in ./fixtures and type-checks it with one compiler
// against one implementation of ws's API:
// - 'ws': the ws package with @types/ws, the control that shows a fixture is right about ws's types;
// - 'wasmsocket': this repository's built declarations (dist/), installed as a package named wasmsocket
//   (node_modules/wasmsocket links to the repository root, so package.json's "exports" and "types" are
//   read as a user's compiler reads them).
// The fixtures import 'wasmsocket'; for the control that module name, and nothing else, becomes 'ws'.
//
// Two module settings, as users have them: 'nodenext' (package "type": "module"; fixtures/esm as ES
// modules, fixtures/cjs as .cts files; with exactOptionalPropertyTypes) and 'commonjs' (module commonjs
// with esModuleInterop, which resolves packages the Node 10 way: "types", no "exports"; every fixture
// compiled as CommonJS).

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const requireFromRepo = createRequire(import.meta.url);

export type Target = 'ws' | 'wasmsocket';
export type ModuleSetting = 'nodenext' | 'commonjs';

/** The compilers users have: TypeScript 5.9 (the npm alias typescript59) and 7 (the repository's tsc). */
export const COMPILERS = {
  'tsc 5.9': join(dirname(requireFromRepo.resolve('typescript59/package.json')), 'bin', 'tsc'),
  'tsc 7': join(dirname(requireFromRepo.resolve('typescript/package.json')), 'bin', 'tsc'),
} as const;
export type Compiler = keyof typeof COMPILERS;

/** Bounds that only catch a hang: a check takes 2-10 s on two busy cores. */
const TSC_TIMEOUT_MS = 120_000;

export interface CheckResult {
  /** tsc's exit code. */
  code: number;
  /** What tsc printed (its diagnostics). */
  output: string;
  /** The number of diagnostics ("error TS...") in the output. */
  errors: number;
  /** Every file the program read (tsc --listFiles), to show which declarations were used. */
  files: string[];
}

function fixtureFiles(folder: string): string[] {
  return readdirSync(join(FIXTURES, folder)).filter((name) => name.endsWith('.ts'));
}

/** Links node_modules/<name> in `dir` to `target`. */
function link(dir: string, name: string, target: string): void {
  const path = join(dir, 'node_modules', name);
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, 'dir');
}

function packageDir(name: string): string {
  return dirname(requireFromRepo.resolve(`${name}/package.json`));
}

/** Writes the project into a new temporary directory; returns it and the files to compile. */
function writeProject(target: Target, setting: ModuleSetting): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `wasmsocket-types-${target}-${setting}-`));
  const files: string[] = [];
  const copy = (folder: string, name: string, as: string) => {
    const source = readFileSync(join(FIXTURES, folder, name), 'utf8');
    // Only the module name changes: 'wasmsocket' (the package itself, not its subpaths) becomes 'ws'.
    writeFileSync(join(dir, as), target === 'ws' ? source.replaceAll(/(['"])wasmsocket\1/g, "'ws'") : source);
    files.push(as);
  };
  for (const name of fixtureFiles('esm')) copy('esm', name, `esm-${name}`);
  for (const name of fixtureFiles('cjs')) {
    copy('cjs', name, setting === 'nodenext' ? `cjs-${name.replace(/\.ts$/, '.cts')}` : `cjs-${name}`);
  }
  // wasmsocket's own API (and wasmsocket/web, which Node 10 resolution cannot reach): wasmsocket only.
  if (target === 'wasmsocket' && setting === 'nodenext') {
    for (const name of fixtureFiles('wasmsocket')) copy('wasmsocket', name, `wasmsocket-${name}`);
  }

  link(dir, '@types/node', packageDir('@types/node'));
  if (target === 'ws') {
    link(dir, 'ws', packageDir('ws'));
    link(dir, '@types/ws', packageDir('@types/ws'));
  } else {
    link(dir, 'wasmsocket', REPO_ROOT);
  }

  const packageJson = { name: 'types-fixture', private: true, ...(setting === 'nodenext' && { type: 'module' }) };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  const compilerOptions = {
    target: 'es2022',
    strict: true,
    noEmit: true,
    types: ['node'],
    // Our declarations are checked too, as a user's compiler sees them.
    skipLibCheck: false,
    // nodenext also with exactOptionalPropertyTypes, which strict projects turn on: options given as
    // undefined must then be declared `?: T | undefined`.
    ...(setting === 'nodenext'
      ? { module: 'nodenext', exactOptionalPropertyTypes: true }
      : { module: 'commonjs', esModuleInterop: true }),
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`);
  return { dir, files };
}

/** Type-checks the fixtures for one compiler, target and module setting. */
export function checkFixtures(compiler: Compiler, target: Target, setting: ModuleSetting): Promise<CheckResult> {
  const { dir } = writeProject(target, setting);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [COMPILERS[compiler], '-p', 'tsconfig.json', '--listFiles', '--pretty', 'false'],
      { cwd: dir, timeout: TSC_TIMEOUT_MS, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (code === -1) {
          reject(error);
          return;
        }
        const lines = `${stdout}${stderr}`.split('\n').filter((line) => line.length > 0);
        const diagnostics = lines.filter((line) => !line.startsWith('/'));
        resolve({
          code,
          output: diagnostics.join('\n'),
          errors: diagnostics.filter((line) => / error TS\d+:/.test(line)).length,
          files: lines.filter((line) => line.startsWith('/')),
        });
      },
    );
  });
}
