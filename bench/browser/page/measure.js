// The timing loop of the browser benchmark: the same procedure as bench/lib/measure.js (which times with
// process.hrtime and cannot run in a page), with performance.now() as the clock.
//
// A cell is { run(iterations), prepare?(iterations, round), units, setup?(), teardown?(), expected?(n),
// maxIterations? } exactly as in bench/lib/measure.js: run() loops `iterations` times itself and returns a
// number derived from the results (folded into a sink so no work is dead code); prepare() runs untimed
// before each batch; expected(n) is what run() must return, so a row whose operation fails stops the bench.
//
// The clock: performance.now() is coarsened in browsers, to 5 µs in a cross-origin isolated page (the bench
// server sends COOP/COEP headers for that) and to 100 µs otherwise. Rounds last ~30 ms, so even 100 µs
// costs at most 0.3 % of a round; calibration doubles batches until they are long enough to read.

/** How long each cell runs: as bench/lib/measure.js's DEFAULT_BUDGET. */
export const DEFAULT_BUDGET = Object.freeze({
  warmupMs: 30,
  roundMs: 30,
  rounds: 5,
  maxIterations: 1 << 26,
});

let sink = 0;

export function sinkValue() {
  return sink;
}

function timeBatch(cell, iterations, round) {
  cell.prepare?.(iterations, round);
  const start = performance.now();
  const result = cell.run(iterations);
  const elapsedMs = performance.now() - start;
  if (cell.expected !== undefined && result !== cell.expected(iterations)) {
    throw new Error(`bench: ${cell.name ?? 'a cell'} returned ${result} for ${iterations} iterations`);
  }
  sink = (sink + (result | 0)) | 0;
  // A batch faster than the clock can see counts as one tick of the finest resolution browsers offer.
  return Math.max(elapsedMs, 0.005);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Times one cell: { perSecond (median round, units/s), rounds, iterations }. */
export function timeCell(cell, budget = DEFAULT_BUDGET) {
  const maxIterations = Math.min(budget.maxIterations, cell.maxIterations ?? Number.POSITIVE_INFINITY);
  cell.setup?.();
  try {
    // Warm-up and calibration: double the batch until one takes warmupMs/4, then repeat it until warmupMs
    // have passed in all. Bounded: batches only double, and a long enough batch ends the doubling.
    const warmupStart = performance.now();
    let iterations = 1;
    let elapsed = timeBatch(cell, iterations, -1);
    while (iterations < maxIterations || performance.now() - warmupStart < budget.warmupMs) {
      const batchLongEnough = elapsed >= budget.warmupMs / 4;
      if (batchLongEnough && performance.now() - warmupStart >= budget.warmupMs) break;
      if (!batchLongEnough) iterations = Math.min(iterations * 2, maxIterations);
      elapsed = timeBatch(cell, iterations, -1);
    }
    const msPerIteration = elapsed / iterations;
    const perRound = Math.max(1, Math.min(maxIterations, Math.round(budget.roundMs / msPerIteration)));

    const rates = [];
    for (let round = 0; round < budget.rounds; round++) {
      const ms = timeBatch(cell, perRound, round);
      rates.push((perRound * cell.units * 1e3) / ms);
    }
    return { perSecond: median(rates), rounds: rates, iterations: perRound };
  } finally {
    cell.teardown?.();
  }
}
