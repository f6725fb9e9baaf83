// Regression: with package.json "sideEffects": false, a bundler (esbuild, webpack, rollup) dropped
// `import './node/client-handshake.js'` from src/index.ts, the import that installs the client side of
// the WebSocket constructor, so a bundled application could run a server but `new WebSocket(url)`
// threw "the client is not available in this build". Found by the soak, which bundles the library.
// The fix lists the modules with side effects in package.json; this bundles the entry as a user's
// bundler would and checks that the client and ws's statics survive.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { expect, it } from 'vitest';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const wasmLoaderPlugin: Plugin = {
  name: 'wasm-loader',
  setup(builder) {
    builder.onResolve({ filter: /^#wasm-loader$/ }, () => ({ path: join(PACKAGE_ROOT, 'bindings/load.node.ts') }));
  },
};

it('a bundle of the Node entry keeps the client: new WebSocket(url) connects (here: is refused) instead of throwing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmsocket-bundle-'));
  try {
    mkdirSync(join(dir, 'build'));
    mkdirSync(join(dir, 'bundle'));
    for (const file of ['wasmsocket.simd.wasm', 'wasmsocket.wasm']) {
      copyFileSync(join(PACKAGE_ROOT, 'build', file), join(dir, 'build', file));
    }
    // What an application importing only the default export looks like.
    const entry = join(dir, 'app.ts');
    writeFileSync(
      entry,
      [
        `import WebSocket from ${JSON.stringify(join(PACKAGE_ROOT, 'src/index.ts'))};`,
        `console.log('Server', typeof WebSocket.Server, typeof WebSocket.WebSocketServer);`,
        // Port 1 on loopback: nothing listens, so a working client reports ECONNREFUSED.
        `const ws = new WebSocket('ws://127.0.0.1:1/');`,
        `ws.on('error', (error) => console.log('client error', error.code));`,
      ].join('\n'),
    );
    const outfile = join(dir, 'bundle', 'app.mjs');
    await build({
      absWorkingDir: PACKAGE_ROOT,
      entryPoints: [entry],
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
    const output = execFileSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 15_000 });
    expect(output).toContain('Server function function');
    expect(output).toContain('client error ECONNREFUSED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
