// Which JavaScript runtime the codec is running in, found once at module load from globals each runtime
// documents: the dispatcher keeps one table of size thresholds per runtime (dispatch-thresholds.ts),
// because where WASM starts to beat the JS twins depends on the engine's JIT and on what a copy into
// linear memory costs there, and each table is measured in its own runtime.

/** The runtimes with a threshold table of their own. */
export type RuntimeName = 'node' | 'deno' | 'workerd' | 'browser';

/** The globals read, each optional: any of them may be missing or of another shape. */
interface RuntimeGlobals {
  navigator?: { userAgent?: unknown };
  Deno?: { version?: { deno?: unknown } };
  process?: { versions?: { node?: unknown } };
}

/**
 * The runtime behind `scope` (globalThis by default), most specific first: workerd names itself in
 * navigator.userAgent ('Cloudflare-Workers') even where nodejs_compat gives it a `process`; Deno has
 * `Deno.version.deno` and, since 2.0, a `process` of its own; Node has `process.versions.node` (so does
 * Bun, which gets Node's table, unmeasured); anything else (a browser, a web worker, a browser bundle
 * with a `process` shim, which has no `versions.node`) is 'browser'. A global whose getter throws counts
 * as missing.
 */
export function detectRuntime(scope: object = globalThis): RuntimeName {
  const globals = scope as RuntimeGlobals;
  try {
    if (globals.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
    if (typeof globals.Deno?.version?.deno === 'string') return 'deno';
    if (typeof globals.process?.versions?.node === 'string') return 'node';
  } catch {
    // A getter that throws: fall through to the default.
  }
  return 'browser';
}
