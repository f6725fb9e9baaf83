// `require('wasmsocket')` has every value `import ... from 'wasmsocket'` has: the CommonJS export is the
// WebSocket class (as ws's is), carrying every other named export as a property, the same object.
// Regression: RedisAdapter, Http2SessionPool, isWebSocketStream, PreparedMessage, defaultHttp2SessionPool,
// CloseEvent, ErrorEvent and MessageEvent were undefined under require. The list of names comes from the
// ES module itself, never from a hand-kept list. Runs the built package (dist/) in a child process, by
// its package name.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** CommonJS code that loads the package both ways and reports how the two compare. */
const COMPARE = `
const required = require('wasmsocket');
import('wasmsocket').then((esm) => {
  const named = Object.keys(esm).filter((name) => name !== 'default' && name !== 'module.exports');
  const requiredKeys = Object.keys(required);
  console.log(JSON.stringify({
    named,
    requiredIsDefault: required === esm.default,
    missing: named.filter((name) => !requiredKeys.includes(name)),
    different: named.filter((name) => required[name] !== esm[name]),
  }));
});
`;

it("Object.keys(require('wasmsocket')) include every named export of the ES module, with the same values", () => {
  const output = execFileSync(process.execPath, ['--input-type=commonjs', '-e', COMPARE], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const report = JSON.parse(output) as {
    named: string[];
    requiredIsDefault: boolean;
    missing: string[];
    different: string[];
  };
  // The ES module really was read: the names the issue listed are among its exports.
  for (const name of [
    'WebSocket',
    'WebSocketServer',
    'RedisAdapter',
    'Http2SessionPool',
    'PreparedMessage',
    'CloseEvent',
  ]) {
    expect(report.named).toContain(name);
  }
  expect(report.requiredIsDefault).toBe(true);
  expect(report.missing).toEqual([]);
  expect(report.different).toEqual([]);
});
