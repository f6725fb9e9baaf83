// The benchmark page: bench/browser/run.js loads it in headless Chromium and calls window.bench.describe()
// once, then window.bench.run(id) for each measure, printing the results in Node. The page does the timing;
// the driver only collects. Progress goes out through window.benchProgress, which the driver exposes.

import * as codec from 'wasmsocket/codec';
// The dispatcher's module of the same build (the one 'wasmsocket/codec' loads): the table it took.
import { RUNTIME, RUNTIME_THRESHOLDS } from '../../../dist/src/codec/dispatch.js';
import { maskSweep, sweepClock } from '../../codec/runtime-mask/sweep.js';
import { sinkValue } from '../../lib/measure.js';
import { runMeasure } from '../../lib/run-measure.js';
import { framesMeasure } from './frames.js';
import { maskMeasure } from './mask.js';
import { utf8Measure } from './utf8.js';

const { activeBackend, ready } = codec;

const SUITE = 'browser';
const MEASURES = [maskMeasure, utf8Measure('ascii'), utf8Measure('mixed'), framesMeasure];

/** The smallest step performance.now() shows here (5 µs when cross-origin isolated, else 100 µs). */
function clockStepMs() {
  let smallest = Number.POSITIVE_INFINITY;
  let last = performance.now();
  for (let seen = 0; seen < 20; ) {
    const now = performance.now();
    if (now !== last) {
      smallest = Math.min(smallest, now - last);
      last = now;
      seen++;
    }
  }
  return smallest;
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * bench/lib/run-measure.js's progress, in the page: each step goes out to the driver (which begins and ends
 * each measure itself), then the page yields to its event loop, so that the step reaches the driver before
 * the cell runs and the page never looks hung.
 */
const progress = {
  begin() {},
  async step(label) {
    await window.benchProgress?.(label);
    await nextTask();
  },
  end() {},
};

window.bench = {
  async describe() {
    await ready;
    return {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      clockStepMs: clockStepMs(),
      autoBackend: activeBackend(),
      measures: MEASURES.map(({ id, title, cases, series }) => ({
        id,
        title,
        cells: cases.length * series.length,
      })),
    };
  },
  async run(id) {
    await ready;
    const measure = MEASURES.find((m) => m.id === id);
    if (measure === undefined) throw new Error(`bench: no measure ${id}`);
    return runMeasure(SUITE, measure, progress);
  },
  /** bench/codec/runtime-mask's sweep in this page: Chromium's evidence for its threshold table. */
  async maskSweep(sizes) {
    await ready;
    const clock = sweepClock();
    const result = await maskSweep({
      codec,
      now: clock.now,
      sizes: sizes ?? undefined,
      progress: async (size) => {
        await window.benchProgress?.(`mask sweep ${size} B`);
        await nextTask();
      },
    });
    return {
      runtime: RUNTIME,
      thresholds: RUNTIME_THRESHOLDS,
      version: `Chromium ${navigator.userAgent}`,
      clock: clock.name,
      ...result,
    };
  },
  sinkValue,
};
