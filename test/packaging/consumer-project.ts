// A user's project with wasmsocket installed from the tarball `npm pack` makes of this repository: the
// package exactly as the registry would hand it out (only the files package.json "files" lists, with
// the published package.json), in a fresh directory outside the repository, so nothing resolves back into
// the working tree.
//
// npm installs the tarball with --offline: wasmsocket has no runtime dependencies, so nothing needs the
// network. The package is packed from a staging copy of what "files" lists, with the manifest that
// `prepack` (scripts/pack-manifest.js) gives the tarball, by `npm pack --ignore-scripts`: the dist/ already
// built (`npm test` builds first) is packed without running the build again while other tests read dist/,
// and without rewriting the repository's package.json under them. install-from-clone.node.test.ts runs the
// real `npm pack`, scripts and all.

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The files copied into the consumer project (checks, the Vite page, the Worker). */
const CONSUMER_FILES = fileURLToPath(new URL('./consumer/', import.meta.url));

/** npm pack and npm install each take a few seconds; these bounds only catch a hang. */
const NPM_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 16 << 20;

const run = promisify(execFile);

/** One file of the tarball, as `npm pack --json` lists it. */
export interface PackedFile {
  path: string;
  size: number;
}

export interface ConsumerProject {
  /** The temporary directory holding the tarball and the project. */
  root: string;
  /** The consumer project: package.json, node_modules/wasmsocket, the files of ./consumer/. */
  dir: string;
  tarball: string;
  packedFiles: PackedFile[];
  /** What npm install printed (stdout and stderr). */
  installOutput: string;
  /** Removes the temporary directory. */
  remove(): void;
}

interface PackReport {
  filename: string;
  files: PackedFile[];
}

function npm(args: string[], cwd: string) {
  return run('npm', args, {
    cwd,
    timeout: NPM_TIMEOUT_MS,
    maxBuffer: MAX_OUTPUT_BYTES,
    // An npm started by `npm test` inherits npm_config_* settings of the repository's run; the consumer
    // project must get npm's defaults, as a user's would.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))),
  });
}

/**
 * A copy of the files the tarball holds ("files", plus package.json) with the manifest `prepack` packs: no
 * `prepare` (npm 11 would flag it in a consumer's install; scripts/pack-manifest.js).
 */
function stagePackage(staging: string): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    files: string[];
    scripts: Record<string, string>;
  };
  mkdirSync(staging);
  for (const entry of manifest.files) cpSync(join(REPO_ROOT, entry), join(staging, entry), { recursive: true });
  delete manifest.scripts.prepare;
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return staging;
}

/** Packs the repository and installs the tarball into a new project. */
export async function createConsumerProject(): Promise<ConsumerProject> {
  const root = mkdtempSync(join(tmpdir(), 'wasmsocket-packaging-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    const staging = stagePackage(join(root, 'staging'));
    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', root], staging);
    const [report] = JSON.parse(packed.stdout) as PackReport[];
    const tarball = join(root, report.filename);

    const dir = join(root, 'app');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'wasmsocket-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    const installed = await npm(
      ['install', '--offline', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=warn', tarball],
      dir,
    );
    cpSync(CONSUMER_FILES, dir, { recursive: true });
    // A TypeScript user has @types/node; the consumer borrows the repository's copy (after npm install,
    // which would prune a package it did not install).
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'));
    return {
      root,
      dir,
      tarball,
      packedFiles: report.files,
      installOutput: installed.stdout + installed.stderr,
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Runs `node <script> ...args` in the consumer project and parses the JSON line it prints. */
export async function runNodeScript<T>(project: ConsumerProject, args: string[], timeoutMs: number): Promise<T> {
  const { stdout } = await run(process.execPath, args, {
    cwd: project.dir,
    timeout: timeoutMs,
    maxBuffer: MAX_OUTPUT_BYTES,
    // The codec's backend must be the package's own choice, not one forced for the test run.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'WASMSOCKET_BACKEND')),
  });
  return JSON.parse(stdout) as T;
}
