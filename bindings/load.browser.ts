// Loads the kernels in browsers: the .wasm files are fetched and compiled off the main thread with
// instantiateStreaming. Until that resolves, instantiateKernels answers null and the codec answers from
// its JavaScript twins; `whenInstantiated` resolves when the WASM builds that can run here are in place.

import type { KernelExports, WasmVariant } from './exports.js';

const files: Record<WasmVariant, URL> = {
  simd: new URL('../build/wasmsocket.simd.wasm', import.meta.url),
  scalar: new URL('../build/wasmsocket.wasm', import.meta.url),
};

const loaded: Record<WasmVariant, KernelExports | null> = { simd: null, scalar: null };

async function load(variant: WasmVariant): Promise<void> {
  try {
    const response = fetch(files[variant]);
    const { instance } =
      typeof WebAssembly.instantiateStreaming === 'function'
        ? await WebAssembly.instantiateStreaming(response, {})
        : await WebAssembly.instantiate(await (await response).arrayBuffer(), {});
    loaded[variant] = instance.exports as unknown as KernelExports;
  } catch {
    // An engine without SIMD rejects that build; one without WebAssembly rejects both. JS stays in use.
  }
}

export function instantiateKernels(variant: WasmVariant): KernelExports | null {
  return loaded[variant];
}

export const whenInstantiated: Promise<void> =
  typeof WebAssembly === 'object'
    ? Promise.all([load('simd'), load('scalar')]).then(() => undefined)
    : Promise.resolve();
