// What the capacity suite measures: the cases (rows), the servers (series), the size sweep per codec
// backend, and the time budget.

const KIB = 1024;
const MIB = 1024 * KIB;

const number = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`bench: ${name} must be a positive number`);
  return value;
};

/**
 * The budget of `npm run bench`; `npm start` (--summary) shortens it through the same variables.
 * Each session opens fresh connections, warms up, measures one round, drains and closes.
 */
export function capacityBudget() {
  return {
    rounds: number('BENCH_CAPACITY_ROUNDS', 3),
    warmupMs: number('BENCH_CAPACITY_WARMUP_MS', 500),
    roundMs: number('BENCH_CAPACITY_ROUND_MS', 2_000),
    sweep: process.env.BENCH_CAPACITY_SWEEP !== '0',
    /** The copies measure (copies.js): copies per byte of large messages in our server. */
    copies: process.env.BENCH_CAPACITY_COPIES !== '0',
    /** Also parse every reply with FrameScanner (a cross-check; costs the generator time). */
    parse: process.env.BENCH_CAPACITY_PARSE === '1',
  };
}

/**
 * The rows. Messages in flight per connection are kept constant (a new one for each echo); large messages
 * keep fewer in flight so that the figure is the data path, not memory pressure (8 MiB in flight at 1 MiB).
 * The publish row counts deliveries: each message a publisher sends reaches every subscriber.
 */
const ALL_CAPACITY_CASES = [
  {
    id: 'text-32-c1',
    label: '32 B text, 1 conn x 100',
    kind: 'echo',
    size: 32,
    binary: false,
    connections: 1,
    inFlight: 100,
  },
  {
    id: 'text-32-c16',
    label: '32 B text, 16 conn x 100',
    kind: 'echo',
    size: 32,
    binary: false,
    connections: 16,
    inFlight: 100,
  },
  {
    id: 'binary-4k',
    label: '4 KiB binary, 16 conn x 16',
    kind: 'echo',
    size: 4 * KIB,
    binary: true,
    connections: 16,
    inFlight: 16,
  },
  {
    id: 'binary-64k',
    label: '64 KiB binary, 16 conn x 4',
    kind: 'echo',
    size: 64 * KIB,
    binary: true,
    connections: 16,
    inFlight: 4,
  },
  {
    id: 'binary-1m',
    label: '1 MiB binary, 4 conn x 2',
    kind: 'echo',
    size: MIB,
    binary: true,
    connections: 4,
    inFlight: 2,
  },
  {
    id: 'rr-256',
    label: '32 B text, 256 conn x 1',
    kind: 'echo',
    size: 32,
    binary: false,
    connections: 256,
    inFlight: 1,
  },
  {
    id: 'publish-1000',
    label: '125 B publish, 1,000 subs',
    kind: 'publish',
    size: 125,
    binary: true,
    subscribers: 1_000,
    window: 32,
  },
];

/** A comma-separated list of ids from an environment variable, each checked against `known`; null when unset. */
function idList(name, known) {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return null;
  const ids = text.split(',').map((id) => id.trim());
  for (const id of ids) {
    if (!known.includes(id)) throw new RangeError(`bench: ${name}: unknown id '${id}' (known: ${known.join(', ')})`);
  }
  return ids;
}

const caseIds = idList(
  'BENCH_CAPACITY_CASES',
  ALL_CAPACITY_CASES.map((c) => c.id),
);
/** The rows measured: all, or those BENCH_CAPACITY_CASES names (ids, comma-separated). */
export const CAPACITY_CASES = ALL_CAPACITY_CASES.filter((c) => caseIds === null || caseIds.includes(c.id));

/**
 * BENCH_CAPACITY_BASELINE=<dir>: another build of this package (its dist/src/cli.js), run as one more echo
 * server, so that a change is compared with what it changes in the same run.
 */
export const BASELINE_DIR = process.env.BENCH_CAPACITY_BASELINE || null;

/**
 * BENCH_CAPACITY_PROFILE_DIR=<dir>: our echo servers (and the baseline's) run with `node --cpu-prof`, each
 * writing its profile into <dir> when it stops, to be read with bench/capacity/profile-summary.js.
 */
export const PROFILE_DIR = process.env.BENCH_CAPACITY_PROFILE_DIR || null;

const ALL_CAPACITY_SERIES = [
  { id: 'ours', label: 'wasmsocket', echo: 'wasmsocket serve', publish: 'wss.publish(topic)' },
  ...(BASELINE_DIR === null
    ? []
    : [{ id: 'base', label: 'wasmsocket baseline', echo: `wasmsocket serve from ${BASELINE_DIR}`, publish: null }]),
  { id: 'ws', label: 'ws + bufferutil', echo: 'ws echo server', publish: 'loop over wss.clients, send()' },
  { id: 'ws-js', label: 'ws, no bufferutil', echo: 'ws echo server, WS_NO_BUFFER_UTIL=1', publish: null },
  { id: 'bun', label: 'Bun.serve', echo: 'Bun.serve websocket echo', publish: 'server.publish(topic)' },
  {
    id: 'ours-diagnostics',
    label: 'wasmsocket + idle diagnostics subscribers',
    echo: 'wasmsocket serve, a no-op subscriber on every diagnostics channel (capacity/idle-diagnostics.js)',
    publish: null,
    // What subscribing costs is a question for the smallest messages, where a per-message cost shows most.
    cases: ['text-32-c1', 'text-32-c16', 'rr-256'],
  },
];

const seriesIds = idList(
  'BENCH_CAPACITY_SERVERS',
  ALL_CAPACITY_SERIES.map((s) => s.id),
);
/** The servers compared in every row (Bun's where a bun binary is found): all, or those BENCH_CAPACITY_SERVERS names. */
export const CAPACITY_SERIES = ALL_CAPACITY_SERIES.filter((s) => seriesIds === null || seriesIds.includes(s.id));

/** Ratios between the servers measured (those BENCH_CAPACITY_SERVERS leaves in); with a baseline, ours ÷ it. */
export const CAPACITY_RATIOS = [
  { label: 'ours ÷ ws+bu', of: 'ours', over: 'ws' },
  { label: 'ours ÷ Bun', of: 'ours', over: 'bun' },
  { label: 'diagnostics subscribed ÷ ours', of: 'ours-diagnostics', over: 'ours' },
  { label: 'ours ÷ baseline', of: 'ours', over: 'base' },
].filter((r) => [r.of, r.over].every((id) => CAPACITY_SERIES.some((s) => s.id === id)));

/** The size sweep of our server per codec backend (WASMSOCKET_BACKEND), to set the dispatcher thresholds from. */
export const SWEEP_SIZES = [KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB];
export const SWEEP_BACKENDS = ['js', 'wasm', 'wasm-simd', 'auto'];
const SWEEP_CONNECTIONS = 4;
/** About 1 MiB in flight per connection, between 2 and 16 messages. */
const SWEEP_BYTES_IN_FLIGHT = MIB;

export const SWEEP_CASES = SWEEP_SIZES.map((size) => ({
  id: `sweep-${size}`,
  label: size >= MIB ? `${size / MIB} MiB` : `${size / KIB} KiB`,
  kind: 'echo',
  size,
  binary: true,
  connections: SWEEP_CONNECTIONS,
  inFlight: Math.max(2, Math.min(16, Math.floor(SWEEP_BYTES_IN_FLIGHT / size))),
}));

export const SWEEP_SERIES = SWEEP_BACKENDS.map((backend) => ({
  id: `backend-${backend}`,
  label: `WASMSOCKET_BACKEND=${backend}`,
  backend,
}));

export function describeCase(c) {
  if (c.kind === 'publish') {
    return `${c.size} B binary messages published to ${c.subscribers} subscribers, ${c.window} messages in flight`;
  }
  return `${c.size} B ${c.binary ? 'binary' : 'text'}, ${c.connections} connection(s) x ${c.inFlight} in flight`;
}
