// Which cores the capacity suite pins its processes to: every server on one core and the load generator
// on another (taskset, util-linux), so that a server's figure is what it does with one core of its own and
// the generator never competes with it for time. Without taskset, or with a single core, nothing is pinned
// and the report says so.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

/** { pinned: true, server, generator } or { pinned: false, reason }. */
export function choosePinning() {
  if (process.env.BENCH_CAPACITY_PIN === '0')
    return { pinned: false, reason: 'pinning turned off (BENCH_CAPACITY_PIN=0)' };
  if (availableParallelism() < 2) return { pinned: false, reason: 'one core only: server and generator share it' };
  const probe = spawnSync('taskset', ['-c', String(GENERATOR_CORE), 'true'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    return { pinned: false, reason: 'taskset is not available: processes were not pinned to cores' };
  }
  return { pinned: true, server: SERVER_CORE, generator: GENERATOR_CORE };
}

/** The cores a process may run on (Cpus_allowed_list in /proc/<pid>/status), to confirm the pinning held. */
export function cpusAllowed(pid) {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
