// Bundles the library from its TypeScript sources (src/index.ts) for the soak's processes, so that the
// soak runs what is in the working tree without a build: esbuild writes one ES module into a temporary
// directory, and the two .wasm builds are copied to ../build/ beside it, where the Node loader
// (bindings/load.node.ts) looks for them.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** '#wasm-loader' is the Node loader's source (package.json maps it to dist/, which may not be built). */
const wasmLoaderPlugin = {
  name: 'wasm-loader',
  setup(builder) {
    builder.onResolve({ filter: /^#wasm-loader$/ }, () => ({ path: join(PACKAGE_ROOT, 'bindings/load.node.ts') }));
  },
};

/** Returns the bundle's path and a function that removes it. */
export async function bundleLibrary() {
  const dir = mkdtempSync(join(tmpdir(), 'wasmsocket-soak-'));
  mkdirSync(join(dir, 'build'));
  mkdirSync(join(dir, 'bundle'));
  for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
    copyFileSync(join(PACKAGE_ROOT, 'build', file), join(dir, 'build', file));
  }
  const outfile = join(dir, 'bundle', 'wasmsocket.mjs');
  await build({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [join(PACKAGE_ROOT, 'src/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    tsconfigRaw: {},
    logLevel: 'silent',
    plugins: [wasmLoaderPlugin],
  });
  return { path: outfile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
