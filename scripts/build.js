// Builds the package: both WebAssembly builds (asconfig.json targets "simd" and "scalar") into build/,
// a copy of them into dist/build/ (where the compiled loaders in dist/bindings/ look for them, at the same
// relative path as the sources in bindings/ find build/), then the TypeScript into dist/.
// Run by `npm run build`, `npm test`, `npm start` and `prepack` (so `npm pack` and `npm publish` pack a
// fresh build). Never at install time: a consumer of the tarball gets dist/ as packed and runs nothing.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = new URL('../', import.meta.url);
const run = (script, args) => execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });

rmSync(new URL('dist/', root), { recursive: true, force: true });
const asc = require.resolve('assemblyscript/bin/asc.js');
for (const target of ['simd', 'scalar']) run(asc, ['assembly/index.ts', '--target', target]);

mkdirSync(new URL('dist/build/', root), { recursive: true });
for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
  copyFileSync(new URL(`build/${file}`, root), new URL(`dist/build/${file}`, root));
}

// typescript 7 exports no bin path; its bin entry sits beside its package.json.
const tsc = new URL('bin/tsc', new URL('.', `file://${require.resolve('typescript/package.json')}`));
run(tsc.pathname, ['-p', 'tsconfig.build.json']);

// The entry's CommonJS declarations (`export = WebSocket`, see the file) re-export what tsc declared: tsc
// emits no declaration file from src/, and would write `export =` only from TypeScript-only syntax.
copyFileSync(new URL('src/index.d.cts', root), new URL('dist/src/index.d.cts', root));
