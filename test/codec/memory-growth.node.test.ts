// The kernels keep one set of views over linear memory; when memory grows, memory.buffer is replaced
// and the old views go dead. Every call must notice and answer from the new buffer.

import { describe, expect, it } from 'vitest';
import type { KernelExports } from '../../bindings/exports.ts';
import { kernelsFor, setBackend } from '../../src/codec/backend.ts';
import type { Backend, Check } from '../support/check.ts';
import { codecChecks } from './checks/index.ts';

function growMemory(variant: 'simd' | 'scalar'): void {
  const kernels = kernelsFor(variant);
  if (kernels === null) throw new Error(`no ${variant} build`);
  // The exports are private to the wrapper; the test reaches in to grow memory as a host might.
  const { memory } = (kernels as unknown as { wasm: KernelExports }).wasm;
  const before = memory.buffer.byteLength;
  memory.grow(1);
  expect(memory.buffer.byteLength).toBe(before + 65536);
}

const quick = (check: Check) => /mask: every length|scanner: a stream|utf8: split at every/.test(check.name);

describe('after linear memory has grown', () => {
  for (const [backend, variant] of [
    ['wasm', 'scalar'],
    ['wasm-simd', 'simd'],
  ] as const) {
    for (const check of codecChecks.filter(quick)) {
      it(`${backend}: ${check.name}`, () => {
        setBackend(backend as Backend);
        growMemory(variant);
        check.run(backend as Backend);
        growMemory(variant);
        check.run(backend as Backend);
      });
    }
  }
});
