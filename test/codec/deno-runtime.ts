// Run in Deno by deno-runtime.node.test.ts (bundled from the built package with the "deno" condition):
// reports which runtime the dispatcher found, whether it took that runtime's thresholds, and a masked
// payload on each side of the mask threshold, as one JSON line.

import { activeBackend, ready, unmask } from 'wasmsocket/codec';
import { RUNTIME, RUNTIME_THRESHOLDS, THRESHOLDS } from '../../dist/src/codec/dispatch.js';

await ready;
const key = Uint8Array.of(1, 2, 3, 4);
const sizes = [RUNTIME_THRESHOLDS.maskWasmMinBytes - 1, RUNTIME_THRESHOLDS.maskWasmMinBytes];
console.log(
  JSON.stringify({
    runtime: RUNTIME,
    usesRuntimeTable: RUNTIME_THRESHOLDS === THRESHOLDS.deno,
    autoBackend: activeBackend(),
    masked: sizes.map((size) => Array.from(unmask(new Uint8Array(size).fill(0x5a), key))),
  }),
);
