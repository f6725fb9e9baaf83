// The mask sweep in workerd: bundled by ../runtime-mask.js with the Workers export conditions (both .wasm
// builds kept as wasm modules of the Worker) and run by `workerd test`, which calls test() once. Under
// `workerd test` performance.now() advances while code runs, in steps of 1 ms: rounds are longer here.
// Prints one JSON line.

import * as codec from 'wasmsocket/codec';
import { RUNTIME, RUNTIME_THRESHOLDS } from '../../../dist/src/codec/dispatch.js';
import { maskSweep, sweepClock } from './sweep.js';

/* global MASK_SWEEP_SIZES: replaced by ../runtime-mask.js's bundler (null, or --sizes) */

const ROUND_MS = 40;

export default {
  async test() {
    const clock = sweepClock();
    const result = await maskSweep({ codec, now: clock.now, sizes: MASK_SWEEP_SIZES ?? undefined, roundMs: ROUND_MS });
    console.log(
      JSON.stringify({
        runtime: RUNTIME,
        thresholds: RUNTIME_THRESHOLDS,
        version: `workerd (${navigator.userAgent})`,
        clock: clock.name,
        ...result,
      }),
    );
  },
};
