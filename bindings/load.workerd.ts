// Loads the kernels in Cloudflare workerd, which refuses to compile WebAssembly from bytes at run time:
// the .wasm files are imported as modules (compiled when the Worker is uploaded) and instantiated
// synchronously.

import simdModule from '../build/wasmsocket.simd.wasm';
import scalarModule from '../build/wasmsocket.wasm';
import type { KernelExports, WasmVariant } from './exports.js';

const modules: Record<WasmVariant, WebAssembly.Module> = { simd: simdModule, scalar: scalarModule };

export function instantiateKernels(variant: WasmVariant): KernelExports | null {
  try {
    return new WebAssembly.Instance(modules[variant], {}).exports as unknown as KernelExports;
  } catch {
    return null;
  }
}

export const whenInstantiated: Promise<void> = Promise.resolve();

/** Every build is loaded with this module, so there is nothing to wait for. */
export function loadKernels(_variant: WasmVariant): Promise<void> {
  return Promise.resolve();
}
