// The timing loop every benchmark cell goes through.
//
// A cell is { run(iterations), prepare?(iterations, round), units, setup?(), teardown?() }: run() does the
// operation `iterations` times in a loop of its own (so that the call inside it stays monomorphic and can be
// inlined, as in an application) and returns a number derived from the results, which is folded into a sink
// so that no work can be dropped as dead code. prepare() runs untimed before each batch (fresh input for
// operations that consume it, or another buffer offset). `units` is the work of one iteration (bytes,
// frames, headers). An optional expected(iterations) gives what run() must return, so that a row whose
// operation fails (rejects valid text, loses frames) stops the bench instead of reporting a speed.
// The answer is units per second: the median of several rounds after a warm-up.
//
// It runs in Node (the suites) and in a browser page (bench/browser, bundled by Vite); only the clock
// differs. In Node, process.hrtime (1 ns); in a page, performance.now(), which browsers coarsen to 5 µs in
// a cross-origin isolated page (the bench server sends COOP/COEP headers for that) and to 100 µs otherwise:
// rounds last ~30 ms, so even 100 µs costs at most 0.3 % of a round, and calibration doubles batches until
// they are long enough to read.

const NS_PER_MS = 1e6;

const hasHrtime = typeof process === 'object' && typeof process?.hrtime?.bigint === 'function';

/** start() marks a moment; elapsedNs(mark) is the time since it; resolutionNs the shortest time it shows. */
const clock = hasHrtime
  ? {
      start: () => process.hrtime.bigint(),
      elapsedNs: (mark) => Number(process.hrtime.bigint() - mark),
      resolutionNs: 1,
    }
  : {
      start: () => performance.now(),
      elapsedNs: (mark) => (performance.now() - mark) * NS_PER_MS,
      // A batch faster than the clock can see counts as one tick of the finest resolution browsers offer.
      resolutionNs: 5_000,
    };

/** How long each cell runs. About warmupMs + rounds * roundMs, plus prepare() time. */
export const DEFAULT_BUDGET = Object.freeze({
  /** Doubling batches until one takes this long, or warmupMs have passed. */
  warmupMs: 30,
  /** Each timed round aims at this long. */
  roundMs: 30,
  /** Timed rounds; the median is reported (odd, so the median is one measured round). */
  rounds: 5,
  /** A bound on iterations in one batch, whatever the calibration says. */
  maxIterations: 1 << 26,
});

let sink = 0;

/** The sum of everything the cells returned: printed at the end so that it is observably used. */
export function sinkValue() {
  return sink;
}

function timeBatch(cell, iterations, round) {
  cell.prepare?.(iterations, round);
  const start = clock.start();
  const result = cell.run(iterations);
  const elapsed = clock.elapsedNs(start);
  if (cell.expected !== undefined && result !== cell.expected(iterations)) {
    throw new Error(`bench: ${cell.name ?? 'a cell'} returned ${result} for ${iterations} iterations`);
  }
  sink = (sink + (result | 0)) | 0;
  return Math.max(elapsed, clock.resolutionNs);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Times one cell. Returns { perSecond, rounds: [units/s of each round], iterations } where perSecond is
 * the median round.
 */
export function timeCell(cell, budget = DEFAULT_BUDGET) {
  const maxIterations = Math.min(budget.maxIterations, cell.maxIterations ?? Number.POSITIVE_INFINITY);
  cell.setup?.();
  try {
    // Warm-up and calibration: double the batch until one batch takes warmupMs/4, then repeat that batch
    // until warmupMs have passed in all, so that the rounds run optimized code. Bounded: batches only
    // double, and a batch that already takes warmupMs/4 ends the doubling.
    const warmupNs = budget.warmupMs * NS_PER_MS;
    const warmupStart = clock.start();
    let iterations = 1;
    let elapsed = timeBatch(cell, iterations, -1);
    while (iterations < maxIterations || clock.elapsedNs(warmupStart) < warmupNs) {
      const batchLongEnough = elapsed >= warmupNs / 4;
      if (batchLongEnough && clock.elapsedNs(warmupStart) >= warmupNs) break;
      if (!batchLongEnough) iterations = Math.min(iterations * 2, maxIterations);
      elapsed = timeBatch(cell, iterations, -1);
    }
    const nsPerIteration = elapsed / iterations;
    const perRound = Math.max(1, Math.min(maxIterations, Math.round((budget.roundMs * NS_PER_MS) / nsPerIteration)));

    const rates = [];
    for (let round = 0; round < budget.rounds; round++) {
      const ns = timeBatch(cell, perRound, round);
      rates.push((perRound * cell.units * 1e9) / ns);
    }
    return { perSecond: median(rates), rounds: rates, iterations: perRound };
  } finally {
    cell.teardown?.();
  }
}
