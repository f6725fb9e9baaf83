// A user's project that links a checkout of wasmsocket instead of installing it (`npm link`, or a
// workspace): node_modules/wasmsocket is a symlink to this repository, so a bundler follows it into the
// working tree and reads whatever config files sit there. The repository's tsconfig.json once mapped
// '#wasm-loader' to the Node loader (`paths`, for type-checking); esbuild applies those paths to every
// file under that tsconfig, so a browser bundle pulled in node:fs and failed. Dev-time mappings now live
// where consumers' bundlers cannot see them. Needs dist/ built (`npm test` builds first).

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from './consumer-project.ts';

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'wasmsocket-linked-'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'linked-consumer', private: true, type: 'module' }),
  );
  mkdirSync(join(project, 'node_modules'));
  // What `npm link wasmsocket` leaves behind.
  symlinkSync(REPO_ROOT, join(project, 'node_modules', 'wasmsocket'), 'dir');
  writeFileSync(
    join(project, 'page.js'),
    `import { activeBackend, mask, ready } from 'wasmsocket/codec';
import { Connection } from 'wasmsocket/protocol';
import { WebSocketStream } from 'wasmsocket/web';
await ready;
console.log(activeBackend(), mask(new Uint8Array(4), new Uint8Array([1, 2, 3, 4])), Connection, WebSocketStream);
`,
  );
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

it('bundles for the browser with esbuild: the browser loader, and nothing from node:', async () => {
  const result = await build({
    absWorkingDir: project,
    entryPoints: ['page.js'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => relative(REPO_ROOT, resolve(project, input)));
  expect(inputs).toContain('dist/bindings/load.browser.js');
  expect(inputs.filter((input) => /bindings\/load\.(node|deno|workerd)|^bindings\/|^src\//.test(input))).toEqual([]);
  expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
  expect(imports.filter((path) => path.startsWith('node:'))).toEqual([]);
});
