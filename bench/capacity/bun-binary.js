// Finds a `bun` binary for the Bun.serve rows, without making it a dependency (npm ci stays light):
// BENCH_BUN=/path/to/bun, else `bun` on PATH, else the npm package that ships Bun's binary
// (@oven/bun-linux-x64 and its siblings), fetched once with `npm pack` into a cache directory
// (BENCH_CACHE_DIR, default ~/.cache/wasmsocket-bench) and unpacked there. BENCH_BUN=0 leaves Bun out.
// Resolves with { path, version, source } or { path: null, reason }.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Bun release the rows are measured with when it is fetched (the binary on PATH may differ). */
export const BUN_VERSION = '1.4.4';
const FETCH_TIMEOUT_MS = 180_000;

function bunPackage() {
  if (process.platform !== 'linux') return null;
  if (process.arch === 'arm64') return '@oven/bun-linux-aarch64';
  if (process.arch !== 'x64') return null;
  // Bun's default x64 build needs AVX2; the baseline build runs on older CPUs.
  const avx2 = /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'latin1'));
  return avx2 ? '@oven/bun-linux-x64' : '@oven/bun-linux-x64-baseline';
}

function versionOf(path) {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : null;
}

function onPath() {
  const result = spawnSync('bash', ['-c', 'command -v bun'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

export function cacheDir() {
  return (
    process.env.BENCH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wasmsocket-bench')
  );
}

/** Fetches the package into the cache (once); returns the binary's path. Throws when npm or tar fail. */
function fetchIntoCache(name, note) {
  const target = join(cacheDir(), `bun-${BUN_VERSION}-${name.replace(/[@/]/g, '_')}`);
  const binary = join(target, 'package', 'bin', 'bun');
  if (existsSync(binary)) return { binary, fetched: false };
  note(`bench: fetching ${name}@${BUN_VERSION} (Bun's binary, ~50 MB) into ${target} with npm pack`);
  mkdirSync(cacheDir(), { recursive: true });
  const staging = mkdtempSync(join(cacheDir(), 'fetch-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['pack', `${name}@${BUN_VERSION}`, '--pack-destination', staging, '--silent'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: FETCH_TIMEOUT_MS,
    });
    const tarball = readdirSync(staging).find((file) => file.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging], { timeout: FETCH_TIMEOUT_MS });
    rmSync(join(staging, tarball));
    chmodSync(join(staging, 'package', 'bin', 'bun'), 0o755);
    // Renamed into place last, so that a fetch cut short leaves no half-unpacked binary behind.
    renameSync(staging, target);
    return { binary, fetched: true };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export function findBun(note = () => {}) {
  const requested = process.env.BENCH_BUN;
  if (requested === '0') return { path: null, reason: 'left out (BENCH_BUN=0)' };
  if (requested !== undefined && requested !== '') {
    const version = versionOf(requested);
    return version === null
      ? { path: null, reason: `BENCH_BUN=${requested} does not run` }
      : { path: requested, version, source: `BENCH_BUN (${requested})` };
  }
  const found = onPath();
  if (found !== null) {
    const version = versionOf(found);
    if (version !== null) return { path: found, version, source: `bun on PATH (${found})` };
  }
  const name = bunPackage();
  if (name === null)
    return { path: null, reason: `no bun on PATH and no Bun package for ${process.platform}-${process.arch}` };
  try {
    const { binary, fetched } = fetchIntoCache(name, note);
    const version = versionOf(binary);
    if (version === null) return { path: null, reason: `${binary} does not run` };
    return {
      path: binary,
      version,
      source: `${name}@${BUN_VERSION} ${fetched ? 'fetched now' : 'cached'} in ${cacheDir()} (no bun on PATH)`,
    };
  } catch (error) {
    return {
      path: null,
      reason: `no bun on PATH, and fetching ${name}@${BUN_VERSION} failed: ${error.message.split('\n')[0]}`,
    };
  }
}
