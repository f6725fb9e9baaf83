// The layers of DESIGN.md are enforced by lint: biome.json's per-folder noRestrictedImports rules make
// `npm run lint` fail on an import that crosses a layer the wrong way. This runs the project's own biome
// with the project's own rules over a small tree of files, one leak per rule beside imports that are
// allowed, so that a rule weakened or dropped from biome.json fails here.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../packaging/consumer-project.ts';

/** path in the tree -> one import line, and whether the rules must refuse it. */
const CASES: ReadonlyArray<readonly [path: string, line: string, refused: boolean]> = [
  // src/protocol: no node:, no transports, the codec only through src/codec/internal.js.
  ['src/protocol/a-node-module.ts', "import { randomBytes } from 'node:crypto';", true],
  ['src/protocol/b-node-transport.ts', "import { WebSocket } from '../node/websocket.js';", true],
  ['src/protocol/c-web-transport.ts', "import type { Session } from '../web/session.js';", true],
  ['src/protocol/d-codec-module.ts', "import { selection } from '../codec/backend.js';", true],
  ['src/protocol/e-codec-reexport.ts', "export { dispatchedOps } from '../codec/dispatch.js';", true],
  ['src/protocol/f-bindings.ts', "import type { WasmKernels } from '../../bindings/kernels.js';", true],
  ['src/protocol/g-codec-entry.ts', "import { scanChunk } from '../codec/internal.js';", false],
  ['src/protocol/h-sibling.ts', "import { FrameWriter } from './frame-writer.js';", false],
  // src/codec: nothing above it, no node:.
  ['src/codec/a-protocol.ts', "import { Connection } from '../protocol/connection.js';", true],
  ['src/codec/b-web.ts', "import { WebSocketStream } from '../web/websocket-stream.js';", true],
  ['src/codec/c-node.ts', "import { WebSocket } from '../node/websocket.js';", true],
  ['src/codec/d-node-module.ts', "import { isUtf8 } from 'node:buffer';", true],
  ['src/codec/e-bindings.ts', "import { WasmKernels } from '../../bindings/kernels.js';", false],
  // bindings/: nothing from src/.
  ['bindings/a-src.ts', "import { selection } from '../src/codec/backend.js';", true],
  ['bindings/b-sibling.ts', "import { Slot } from './exports.js';", false],
  // src/web: no node:, no src/node.
  ['src/web/a-node-module.ts', "import { connect } from 'node:net';", true],
  ['src/web/b-node-transport.ts', "import { WebSocket } from '../node/websocket.js';", true],
  ['src/web/c-protocol.ts', "import { Connection } from '../protocol/connection.js';", false],
  // src/node may use everything below it.
  ['src/node/a-web.ts', "import { WebSocketStream } from '../web/websocket-stream.js';", false],
  ['src/node/b-node-module.ts', "import { connect } from 'node:net';", false],
];

const tree = mkdtempSync(join(tmpdir(), 'wasmsocket-layers-'));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

it('biome.json refuses every import that crosses a layer the wrong way, and only those', () => {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'biome.json'), 'utf8'));
  // The rules as they are; no git in the temporary tree, and no schema path to resolve.
  delete config.$schema;
  config.vcs = { enabled: false };
  writeFileSync(join(tree, 'biome.json'), JSON.stringify(config));
  for (const [path, line] of CASES) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), `${line}\n`);
  }
  const biome = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'biome'),
    ['lint', '--reporter=json', '--only=style/noRestrictedImports', '.'],
    { cwd: tree, encoding: 'utf8', timeout: 60_000 },
  );
  expect(biome.error).toBeUndefined();
  const report = JSON.parse(biome.stdout) as { diagnostics: { category: string; location: { path: string } }[] };
  const refused = report.diagnostics
    .filter((diagnostic) => diagnostic.category === 'lint/style/noRestrictedImports')
    .map((diagnostic) => diagnostic.location.path.replaceAll('\\', '/'))
    .sort();
  expect(refused).toEqual(
    CASES.filter(([, , isRefused]) => isRefused)
      .map(([path]) => path)
      .sort(),
  );
  // The same as `npm run lint` reports it: a failing exit status.
  expect(biome.status).not.toBe(0);
});
