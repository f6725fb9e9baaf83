// The dispatcher: which implementation answers each call.
//
// 'js' uses the JavaScript twins only; 'wasm' and 'wasm-simd' force the scalar or SIMD WebAssembly build
// for every call (for tests and benchmarks); 'auto' (the default) uses the best build this engine can run
// and picks JS or WASM per call by input size, with thresholds measured by bench/codec on this kind of
// machine (dispatch.ts; the figures are in docs/measurements.md). The environment variable
// WASMSOCKET_BACKEND, where there is a `process.env`, sets the starting choice; setBackend changes it.

import { instantiateKernels, loadKernels, whenInstantiated } from '#wasm-loader';
import type { WasmVariant } from '../../bindings/exports.js';
import { WasmKernels } from '../../bindings/kernels.js';

export type BackendName = 'auto' | 'js' | 'wasm' | 'wasm-simd';
export type ActiveBackend = 'js' | 'wasm' | 'wasm-simd';

const BACKEND_NAMES: readonly BackendName[] = ['auto', 'js', 'wasm', 'wasm-simd'];

const instances: Partial<Record<WasmVariant, WasmKernels>> = {};

/** The kernels of one build, instantiated on first use; null where that build cannot run (yet). */
export function kernelsFor(variant: WasmVariant): WasmKernels | null {
  let kernels = instances[variant];
  if (kernels === undefined) {
    const exports = instantiateKernels(variant);
    if (exports === null) return null;
    kernels = new WasmKernels(exports);
    instances[variant] = kernels;
  }
  return kernels;
}

/** The dispatcher's current choice, read on every call. */
export const selection = {
  requested: 'auto' as BackendName,
  /** The WASM kernels in use, or null when JS answers every call. */
  wasm: null as WasmKernels | null,
  /** True when the WASM kernels answer every call regardless of size. */
  forced: false,
};

function select(name: BackendName): boolean {
  const wasm =
    name === 'js'
      ? null
      : name === 'wasm'
        ? kernelsFor('scalar')
        : name === 'wasm-simd'
          ? kernelsFor('simd')
          : (kernelsFor('simd') ?? kernelsFor('scalar'));
  selection.requested = name;
  selection.wasm = wasm;
  selection.forced = name !== 'auto' && wasm !== null;
  return name === 'js' || name === 'auto' || wasm !== null;
}

/**
 * Chooses the backend. Throws a RangeError for an unknown name, and an Error when a WASM build is forced
 * where it cannot load (no WebAssembly, no SIMD, or, in a browser, not loaded yet: await `ready` first, or
 * `prepareBackend(name)` for a build other than the one `auto` uses).
 */
export function setBackend(name: BackendName): void {
  if (!BACKEND_NAMES.includes(name)) {
    throw new RangeError(`wasmsocket: unknown backend ${JSON.stringify(name)}; use one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (!select(name)) {
    select('auto');
    throw new Error(`wasmsocket: the ${name} backend cannot load in this runtime`);
  }
}

/** Which implementation answers calls now. */
export function activeBackend(): ActiveBackend {
  const wasm = selection.wasm;
  if (wasm === null) return 'js';
  return wasm.variant === 'simd' ? 'wasm-simd' : 'wasm';
}

/**
 * Reports a WASMSOCKET_BACKEND that cannot be honoured, once: through process.emitWarning where there is
 * one (Node, Deno), console.warn elsewhere. A warning rather than an error: the variable only tunes
 * speed, 'auto' always gives the same answers, and an import that throws is hard for an application to
 * recover from (docs: README, "The codec").
 */
function warnAboutEnvironment(message: string): void {
  const emitWarning = (
    globalThis as { process?: { emitWarning?: (message: string, options: { code: string }) => void } }
  ).process?.emitWarning;
  if (typeof emitWarning === 'function') emitWarning(message, { code: 'WASMSOCKET_BACKEND' });
  else console.warn(`wasmsocket: ${message}`);
}

/** WASMSOCKET_BACKEND's value; unset or empty is 'auto', an unknown name 'auto' with a warning. */
function backendFromEnvironment(): BackendName {
  let name: string | undefined;
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    name = env?.WASMSOCKET_BACKEND;
  } catch {
    // Deno without --allow-env throws on reading the environment: use the default.
    name = undefined;
  }
  if (name === undefined || name === '') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  warnAboutEnvironment(
    `WASMSOCKET_BACKEND=${JSON.stringify(name)} is not a backend (use one of ${BACKEND_NAMES.join(', ')}); using auto`,
  );
  return 'auto';
}

const fromEnvironment = backendFromEnvironment();
// A forced build that cannot load (yet: browsers load WebAssembly asynchronously) leaves the dispatcher
// on 'auto' rather than failing the import; `ready` tries again, and warns if it still cannot.
const environmentPending = !select(fromEnvironment);
if (environmentPending) select('auto');

/** Resolves when the WASM build `auto` uses has loaded (at once outside browsers, which fetch only that one). */
export const ready: Promise<void> = whenInstantiated.then(() => {
  // The environment's choice, unless setBackend has made another since.
  if (environmentPending && selection.requested === 'auto') {
    if (select(fromEnvironment)) return;
    warnAboutEnvironment(`WASMSOCKET_BACKEND=${fromEnvironment} cannot load in this runtime; using auto`);
  }
  if (!select(selection.requested)) select('auto');
});

/**
 * Makes `name` selectable with setBackend, and resolves when it is. Browsers fetch only the build `auto`
 * uses (SIMD where the engine has it); forcing the other one ('wasm' on a SIMD engine) fetches it here.
 * Elsewhere every build is loaded with the module and this resolves at once. Does not change the backend.
 */
export async function prepareBackend(name: BackendName): Promise<void> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new RangeError(`wasmsocket: unknown backend ${JSON.stringify(name)}; use one of ${BACKEND_NAMES.join(', ')}`);
  }
  await ready;
  if (name === 'wasm') await loadKernels('scalar');
  else if (name === 'wasm-simd') await loadKernels('simd');
}
