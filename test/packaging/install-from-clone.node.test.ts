// The README's install instructions for today (no registry yet), run as written: in a copy of the
// repository's files (what `git clone` gives), `npm pack` builds through `prepack` and writes the tarball
// (whose manifest has no `prepare`: scripts/pack-manifest.js),
// and `npm install ../wasmsocket/wasmsocket-<version>.tgz` installs it into an app, where it works. The
// copy gets the repository's node_modules by symlink instead of `npm ci`, which would only download the
// same devDependencies again; everything else is the README's commands.

import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from './consumer-project.ts';

const run = promisify(execFile);
/** npm pack builds (about 10 s alone, longer on a loaded machine); the bound only catches a hang. */
const NPM_TIMEOUT_MS = 240_000;

const root = mkdtempSync(join(tmpdir(), 'wasmsocket-clone-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** npm with a user's defaults, not the npm_config_* of the `npm test` that started vitest. */
const npmEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

it("installs with the README's commands: npm pack in the clone, npm install of the tarball in the app", async () => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const tarball = `wasmsocket-${version}.tgz`;
  // The README's commands, as written there.
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('## Working on wasmsocket'));
  expect(install).toContain('npm install wasmsocket');
  expect(install).toContain('cd wasmsocket && npm ci && npm pack');
  expect(install).toContain(`cd ../your-app && npm install ../wasmsocket/${tarball}`);

  // `git clone`: the files git tracks, as they are in this working tree.
  const clone = join(root, 'wasmsocket');
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(REPO_ROOT, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(clone, file));
  }
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');

  // `npm pack` builds first (prepack) and writes the tarball, whose manifest has no `prepare` (npm 11 would
  // flag it in the app's install); the clone's package.json keeps its own, for `npm ci` there.
  const manifestBefore = readFileSync(join(clone, 'package.json'), 'utf8');
  await run('npm', ['pack'], { cwd: clone, env: npmEnv(), timeout: NPM_TIMEOUT_MS, maxBuffer: 64 << 20 });
  expect(existsSync(join(clone, tarball))).toBe(true);
  expect(readFileSync(join(clone, 'package.json'), 'utf8')).toBe(manifestBefore);
  expect(JSON.parse(manifestBefore).scripts.prepare).toBe('node scripts/build.js');

  // `npm install ../wasmsocket/<tarball>` in the app.
  const app = join(root, 'your-app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'your-app', private: true, type: 'module' }));
  const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', `../wasmsocket/${tarball}`], {
    cwd: app,
    env: npmEnv(),
    timeout: NPM_TIMEOUT_MS,
  });
  expect(`${installed.stdout}${installed.stderr}`).not.toMatch(/npm (error|ERR!)|install-scripts/);
  const installedManifest = JSON.parse(readFileSync(join(app, 'node_modules', 'wasmsocket', 'package.json'), 'utf8'));
  expect(installedManifest.scripts.prepare).toBeUndefined();

  // It works there: a server and a client echo, on the codec's SIMD build.
  writeFileSync(
    join(app, 'check.js'),
    `import WebSocket, { WebSocketServer } from 'wasmsocket';
import { activeBackend } from 'wasmsocket/codec';
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
await new Promise((resolve) => wss.once('listening', resolve));
const ws = new WebSocket(\`ws://127.0.0.1:\${wss.address().port}\`);
ws.on('open', () => ws.send('from the tarball'));
ws.on('message', (data) => {
  console.log(JSON.stringify({ echo: String(data), backend: activeBackend() }));
  ws.close();
  wss.close();
});
`,
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'WASMSOCKET_BACKEND'));
  const { stdout } = await run(process.execPath, ['check.js'], { cwd: app, timeout: 30_000, env });
  expect(JSON.parse(stdout)).toEqual({ echo: 'from the tarball', backend: 'wasm-simd' });
}, 300_000);
