// The codec checks, once per backend. In the browser project the WASM builds arrive asynchronously:
// `ready` resolves when they are in place.

import { beforeAll, beforeEach, describe, it } from 'vitest';
import { ready, setBackend } from 'wasmsocket/codec';
import type { Backend } from '../support/check.ts';
import { codecChecks } from './checks/index.ts';

const backends: Backend[] = ['js', 'wasm', 'wasm-simd'];

for (const backend of backends) {
  describe(`codec on ${backend}`, () => {
    beforeAll(async () => {
      await ready;
    });
    beforeEach(() => {
      setBackend(backend);
    });
    for (const check of codecChecks) {
      it(check.name, () => check.run(backend));
    }
  });
}
