// Loads the kernels in Node (and Deno, through its Node compatibility): the .wasm file is read and
// compiled synchronously, so the codec is ready as soon as it is imported (no top-level await, which
// keeps require('wasmsocket') working).

import { readFileSync } from 'node:fs';
import type { KernelExports, WasmVariant } from './exports.js';

const files: Record<WasmVariant, URL> = {
  simd: new URL('../build/wasmsocket.simd.wasm', import.meta.url),
  scalar: new URL('../build/wasmsocket.wasm', import.meta.url),
};

/** Instantiates one build, or returns null where WebAssembly is missing (node --jitless) or refuses it. */
export function instantiateKernels(variant: WasmVariant): KernelExports | null {
  if (typeof WebAssembly !== 'object') return null;
  try {
    const bytes = readFileSync(files[variant]);
    if (!WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports;
  } catch {
    return null;
  }
}

/** Resolves once every build that can load here has loaded: at once, since loading is synchronous. */
export const whenInstantiated: Promise<void> = Promise.resolve();

/** Every build is loaded with this module, so there is nothing to wait for. */
export function loadKernels(_variant: WasmVariant): Promise<void> {
  return Promise.resolve();
}
