// The mask sweep that runs in any runtime (Node, Deno, workerd, a browser page): unmask of 2 B to 1 MiB
// with the dispatcher forced to each backend and on 'auto', in rounds that take the backends in turn (an
// order rotated per round, so a burst of load elsewhere falls on all of them alike), each cell the median
// of its rounds. It needs only the codec's public API and a clock, so that each runtime's dispatcher
// thresholds (src/codec/dispatch-thresholds.ts) are read off a run in that runtime.

import { OFFSETS, offsetViews } from '../offsets.js';

/** The sizes of issue 15's tables, with 32, 64 and 128 B added where the mask threshold has sat. */
/** True when `probe` returns without throwing (workerd's process.cpuUsage exists and throws). */
function answers(probe) {
  try {
    probe();
    return true;
  } catch {
    return false;
  }
}

/**
 * { name, now } of the clock to time batches with: the process's CPU time where the runtime has
 * process.cpuUsage (Node, Deno), which time taken by other processes on a shared machine does not inflate;
 * else wall time (performance.now(): workerd, browsers).
 */
export function sweepClock() {
  const cpuUsage = globalThis.process?.cpuUsage;
  if (typeof cpuUsage === 'function' && answers(() => cpuUsage.call(globalThis.process))) {
    return {
      name: 'CPU time (process.cpuUsage)',
      now: () => {
        const { user, system } = cpuUsage.call(globalThis.process);
        return (user + system) / 1000;
      },
    };
  }
  return { name: 'wall time (performance.now)', now: () => performance.now() };
}

export const SWEEP_SIZES = [2, 16, 32, 64, 125, 128, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
export const SWEEP_BACKENDS = ['js', 'wasm', 'wasm-simd', 'auto'];
const FORCED = SWEEP_BACKENDS.filter((b) => b !== 'auto');
const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/**
 * { size, mbps: { js, wasm, 'wasm-simd', auto }, best, autoOverBest, jsOverSimd } per size: each backend's
 * median MB/s, the forced backend with the best median, and the medians over rounds of auto ÷ that backend
 * and of js ÷ wasm-simd (the threshold's evidence), each within one round (backends of one round ran
 * within a few tens of ms of each other, so that ratio is steadier under load than a ratio of medians). `codec` is wasmsocket/codec, `now()` a clock
 * in milliseconds; `roundMs` is how long each timed batch aims to take (longer where the clock is coarse),
 * `rounds` how many (odd: the median is one measured round). `baselines` ({ name: (data, key) => void })
 * are other maskers timed in the same rounds (Node: bufferutil); each row then has `overBaseline[name]`,
 * auto ÷ that baseline round by round.
 */
export async function maskSweep({
  codec,
  now,
  sizes = SWEEP_SIZES,
  rounds = 15,
  roundMs = 15,
  progress,
  baselines = {},
}) {
  const { unmask, setBackend, prepareBackend, activeBackend } = codec;
  for (const backend of SWEEP_BACKENDS) await prepareBackend(backend);
  let sink = 0;
  const contenders = [...SWEEP_BACKENDS, ...Object.keys(baselines)];
  const timeBatch = (backend, data, iterations) => {
    const baseline = baselines[backend];
    setBackend(baseline === undefined ? backend : 'auto');
    const start = now();
    if (baseline === undefined) for (let i = 0; i < iterations; i++) unmask(data, KEY);
    else for (let i = 0; i < iterations; i++) baseline(data, KEY);
    const elapsed = now() - start;
    sink ^= data[0];
    return elapsed;
  };
  const rows = [];
  for (const size of sizes) {
    await progress?.(size);
    const views = offsetViews(size);
    // Calibration: double each backend's batch until it takes roundMs, then size it from the fastest of a
    // few more timings of that batch (one batch slowed by another process would leave it too short).
    const iterations = {};
    for (const backend of contenders) {
      let n = 1;
      while (n < 1 << 26 && timeBatch(backend, views[0], n) < roundMs) n *= 2;
      const fastest = Math.min(...[0, 1, 2].map(() => timeBatch(backend, views[0], n)));
      iterations[backend] = Math.max(1, Math.ceil((n * roundMs) / Math.max(fastest, roundMs / 4)));
    }
    const samples = Object.fromEntries(contenders.map((b) => [b, []]));
    for (let round = 0; round < rounds; round++) {
      const data = views[round % OFFSETS.length];
      for (let k = 0; k < contenders.length; k++) {
        const backend = contenders[(round + k) % contenders.length];
        const n = iterations[backend];
        // A coarse clock (workerd: 1 ms) can read 0 for a batch cut short: counted as one tick.
        samples[backend].push((size * n) / (Math.max(timeBatch(backend, data, n), 1e-3) * 1000));
      }
    }
    const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const mbps = Object.fromEntries(contenders.map((b) => [b, median(samples[b])]));
    // The best forced backend by its median, then auto over it round by round: the best of several noisy
    // figures in each round would be biased upwards, and auto with it below 1 where they are the same code.
    const best = FORCED.reduce((a, b) => (mbps[b] > mbps[a] ? b : a));
    const perRound = (of, over) => median(samples[of].map((v, r) => v / samples[over][r]));
    const overBaseline = Object.fromEntries(Object.keys(baselines).map((b) => [b, perRound('auto', b)]));
    rows.push({
      size,
      mbps,
      best,
      autoOverBest: perRound('auto', best),
      jsOverSimd: perRound('js', 'wasm-simd'),
      overBaseline,
    });
  }
  setBackend('auto');
  return { autoBackend: activeBackend(), rows, sink };
}
