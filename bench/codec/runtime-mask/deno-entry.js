// The mask sweep in Deno: bundled by ../runtime-mask.js with the "deno" export condition (the .wasm
// imports stay imports, as Deno's loader takes them) and run with no permissions. Prints one JSON line.

import * as codec from 'wasmsocket/codec';
import { RUNTIME, RUNTIME_THRESHOLDS } from '../../../dist/src/codec/dispatch.js';
import { maskSweep, sweepClock } from './sweep.js';

/* global MASK_SWEEP_SIZES: replaced by ../runtime-mask.js's bundler (null, or --sizes) */

const clock = sweepClock();
const result = await maskSweep({ codec, now: clock.now, sizes: MASK_SWEEP_SIZES ?? undefined });
console.log(
  JSON.stringify({
    runtime: RUNTIME,
    thresholds: RUNTIME_THRESHOLDS,
    version: `Deno ${Deno.version.deno}`,
    clock: clock.name,
    ...result,
  }),
);
