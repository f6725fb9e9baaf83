// Typed code written for ws compiles unchanged against wasmsocket (issue 13, item 5): the fixtures in
// ./fixtures are ws-style TypeScript (servers, clients, events, options, every type name of @types/ws in
// both its named and its WebSocket.X form, CommonJS and ES modules), with @ts-expect-error lines for
// the mistakes @types/ws rejects. Each is type-checked with TypeScript 5.9 and 7, under module nodenext
// and commonjs, against ws + @types/ws (the control: the fixture is right about ws's types) and against
// wasmsocket's built declarations. Needs dist/ built (`npm test` builds first).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CheckResult,
  COMPILERS,
  type Compiler,
  checkFixtures,
  entryExports,
  REPO_ROOT,
} from './fixture-project.ts';

const CHECK_TIMEOUT_MS = 180_000;

function expectClean(result: CheckResult): void {
  // The diagnostics are the message: an unused @ts-expect-error names a mistake the types let through.
  expect(result.errors, `${result.errors} type errors:\n${result.output}`).toBe(0);
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
}

const compilers = Object.keys(COMPILERS) as Compiler[];

it('the generated check of every entry name sees the names the package exports', () => {
  const { types, values } = entryExports();
  expect(types).toEqual(expect.arrayContaining(['RawData', 'ServerOptions', 'ClientOptions', 'SendData']));
  expect(values).toEqual(expect.arrayContaining(['WebSocket', 'WebSocketServer', 'Server', 'RedisAdapter']));
  expect(values).not.toContain('module.exports');
});

describe.each(compilers)('%s', (compiler) => {
  describe.each(['nodenext', 'commonjs'] as const)('module %s', (setting) => {
    it('the fixtures are right about ws: they compile against ws + @types/ws', {
      timeout: CHECK_TIMEOUT_MS,
    }, async () => {
      const result = await checkFixtures(compiler, 'ws', setting);
      expectClean(result);
      expect(result.files.some((file) => file.includes('/@types/ws/'))).toBe(true);
    });

    it('they compile unchanged against wasmsocket, which rejects the same mistakes', {
      timeout: CHECK_TIMEOUT_MS,
    }, async () => {
      expect(existsSync(join(REPO_ROOT, 'dist/src/index.d.ts')), 'dist/ is built (npm run build)').toBe(true);
      const result = await checkFixtures(compiler, 'wasmsocket', setting);
      expectClean(result);
      // The declarations came from this repository's dist/, and no ws types were in reach.
      expect(result.files.some((file) => file.startsWith(join(REPO_ROOT, 'dist/src/')))).toBe(true);
      expect(result.files.filter((file) => /\/(@types\/)?ws\//.test(file))).toEqual([]);
    });
  });
});
