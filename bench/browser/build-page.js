// Bundles bench/browser/page/ with Vite's JS API into `outDir`. 'wasmsocket/codec' is pointed at the built
// package (dist/), as the Node suites import it; '#wasm-loader' then resolves through package.json
// "imports" with Vite's browser condition to the fetch + instantiateStreaming loader, and Vite emits both
// .wasm builds as assets (it rewrites `new URL('../build/x.wasm', import.meta.url)`).

import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const CODEC_ENTRY = fileURLToPath(new URL('../../dist/src/codec/index.js', import.meta.url));

/** Builds the page; resolves to the emitted file names (relative to outDir). */
export async function buildPage(outDir) {
  const output = await build({
    root: PAGE_DIR,
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    resolve: { alias: { 'wasmsocket/codec': CODEC_ENTRY } },
    build: {
      outDir,
      emptyOutDir: true,
      // Keep both .wasm builds as files the page fetches, as a deployed app would (no data: URLs).
      assetsInlineLimit: 0,
      // Readable stack traces if a cell throws; minifying would not change what the cells time.
      minify: false,
      target: 'es2022',
    },
  });
  return (Array.isArray(output) ? output : [output]).flatMap((result) => result.output.map((file) => file.fileName));
}
