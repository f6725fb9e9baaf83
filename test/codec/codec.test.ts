// The codec checks, once per backend. In the browser project the WASM builds arrive asynchronously:
// prepareBackend resolves when the one a backend needs is in place.

import { beforeAll, beforeEach, describe, it } from 'vitest';
import { prepareBackend, setBackend } from 'wasmsocket/codec';
import type { Backend } from '../support/check.ts';
import { codecChecks } from './checks/index.ts';

const backends: Backend[] = ['js', 'wasm', 'wasm-simd'];

for (const backend of backends) {
  describe(`codec on ${backend}`, () => {
    beforeAll(async () => {
      // In a browser only the build `auto` uses is fetched by itself; the scalar one is fetched here.
      await prepareBackend(backend);
    });
    beforeEach(() => {
      setBackend(backend);
    });
    for (const check of codecChecks) {
      it(check.name, () => check.run(backend));
    }
  });
}
