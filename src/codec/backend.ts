// The dispatcher: which implementation answers each call.
//
// 'js' uses the JavaScript twins only; 'wasm' and 'wasm-simd' force the scalar or SIMD WebAssembly build
// for every call (for tests and benchmarks); 'auto' (the default) uses the best build this engine can run
// and picks JS or WASM per call by input size, with thresholds measured by bench/codec on this kind of
// machine (see the comments at each threshold). The environment variable WASMSOCKET_BACKEND, where there
// is a `process.env`, sets the starting choice; setBackend changes it.

import { instantiateKernels, whenInstantiated } from '#wasm-loader';
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
 * where it cannot load (no WebAssembly, no SIMD, or, in a browser, not loaded yet: await `ready` first).
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

function backendFromEnvironment(): BackendName {
  let name: string | undefined;
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    name = env?.WASMSOCKET_BACKEND;
  } catch {
    // Deno without --allow-env throws on reading the environment: use the default.
    name = undefined;
  }
  return name !== undefined && (BACKEND_NAMES as readonly string[]).includes(name) ? (name as BackendName) : 'auto';
}

// A forced build that cannot load leaves the dispatcher on 'auto' rather than failing the import.
if (!select(backendFromEnvironment())) select('auto');

/** Resolves when every WASM build this runtime can run has loaded (at once outside browsers). */
export const ready: Promise<void> = whenInstantiated.then(() => {
  if (!select(selection.requested)) select('auto');
});
