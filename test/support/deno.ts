// Running a test program in Deno (the binary the npm `deno` package installed): the built package is
// bundled with the "deno" export condition into <directory>/bundle/, the .wasm builds copied to
// <directory>/build/ (the codec's Deno loader imports ../build/*.wasm, as in dist/), and the program run
// there as a child process with the permissions the test gives, its last stdout line being its report.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { gatherOutput } from './child-output.ts';
import { within } from './waits.ts';

export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The deno binary the npm package installed (its install API finds the platform package's binary). */
export function denoBinary(): string {
  return (createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string }).runInstall();
}

/**
 * Bundles `entry` (a test program importing the built package) as <directory>/bundle/<name>, beside a
 * copy of the .wasm builds; returns the bundle's inputs relative to the package root, so that a test can
 * check which of the package's files Deno gets.
 */
export async function bundleForDeno(entry: string, directory: string, name: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: packageRoot,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['deno', 'import'],
    mainFields: ['module', 'main'],
    // The Deno loader's .wasm imports stay imports, as Deno loads them (../build/ beside bundle/).
    external: ['node:*', '*.wasm'],
    // The repository's tsconfig is for type-checking the sources, not for bundling the built package.
    tsconfigRaw: {},
    metafile: true,
    logLevel: 'silent',
  });
  mkdirSync(join(directory, 'bundle'), { recursive: true });
  mkdirSync(join(directory, 'build'), { recursive: true });
  writeFileSync(join(directory, 'bundle', name), result.outputFiles[0].text);
  for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
    copyFileSync(join(packageRoot, 'dist/build', file), join(directory, 'build', file));
  }
  return Object.keys(result.metafile.inputs).map((input) => relative(packageRoot, join(packageRoot, input)));
}

/**
 * Runs `deno <args>` in `directory` and resolves with the JSON of its last stdout line; rejects with its
 * stderr when it exits with another code than 0, and (killing it) when it has not exited after timeoutMs.
 */
export async function runDeno(directory: string, args: string[], what: string, timeoutMs: number): Promise<unknown> {
  const child = spawn(denoBinary(), args, {
    cwd: directory,
    env: { ...process.env, DENO_DIR: join(directory, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = gatherOutput(child);
  try {
    const code = await within(new Promise<number | null>((resolve) => child.once('exit', resolve)), what, timeoutMs);
    if (code !== 0) throw new Error(`deno exited with ${code}: ${output.stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  return JSON.parse(output.stdout.trim().split('\n').at(-1) as string);
}
