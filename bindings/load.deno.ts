// Loads the kernels in Deno without file-system access. Deno (2.1 and later) imports a .wasm file as a
// module: it is compiled and instantiated with the module graph, as the WebAssembly ESM integration
// describes, and loading a module needs no permission. Reading the file instead (the Node loader) needs
// --allow-read, so under the README's `deno run --allow-net` the codec silently fell back to JavaScript.
// Both builds have no imports. Deno's V8 always has SIMD.

import * as simdNamespace from '../build/wasmsocket.simd.wasm';
import * as scalarNamespace from '../build/wasmsocket.wasm';
import type { KernelExports, WasmVariant } from './exports.js';

/**
 * The module namespace as instance exports. The ESM integration exports a global as its value (a
 * number), where instance.exports holds a WebAssembly.Global: give each such value the `.value` the
 * kernels read. Functions and the memory are the instance's own.
 */
function kernelExports(namespace: object): KernelExports | null {
  const exports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(namespace)) exports[name] = typeof value === 'number' ? { value } : value;
  return typeof exports.maskBytes === 'function' && exports.memory instanceof WebAssembly.Memory
    ? (exports as unknown as KernelExports)
    : null;
}

const kernels: Record<WasmVariant, KernelExports | null> = {
  simd: kernelExports(simdNamespace),
  scalar: kernelExports(scalarNamespace),
};

export function instantiateKernels(variant: WasmVariant): KernelExports | null {
  return kernels[variant];
}

/** Resolves at once: the modules were instantiated before this one ran. */
export const whenInstantiated: Promise<void> = Promise.resolve();

/** Every build is loaded with this module, so there is nothing to wait for. */
export function loadKernels(_variant: WasmVariant): Promise<void> {
  return Promise.resolve();
}
