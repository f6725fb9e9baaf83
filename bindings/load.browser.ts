// Loads the kernels in browsers: a .wasm file is fetched and compiled off the main thread with
// instantiateStreaming. Only the build this engine will use is fetched: WebAssembly.validate on a
// 43-byte module holding one SIMD instruction tells whether the SIMD build can run, without fetching
// it. Until the build arrives, instantiateKernels answers null and the codec answers from its
// JavaScript twins; `whenInstantiated` resolves when it is in place. The other build is fetched only
// when asked for (loadKernels, through the codec's prepareBackend), e.g. to force the scalar build.

import type { KernelExports, WasmVariant } from './exports.js';

const files: Record<WasmVariant, URL> = {
  simd: new URL('../build/wasmsocket.simd.wasm', import.meta.url),
  scalar: new URL('../build/wasmsocket.wasm', import.meta.url),
};

/**
 * A module with one function, `() -> v128` returning v128.const 0 (opcode 0xfd 0x0c): it validates only
 * where the engine implements 128-bit SIMD (the WebAssembly SIMD proposal, now in the core spec).
 */
// biome-ignore format: the module's sections, one per line
export const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one type, () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: one body, no locals, v128.const
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // the constant's 16 bytes
  0x0b, // end
]);

const loaded: Record<WasmVariant, KernelExports | null> = { simd: null, scalar: null };
const loading: Partial<Record<WasmVariant, Promise<void>>> = {};

/** Fetches and instantiates one build (once); failures leave it null, so JS stays in use. */
export function loadKernels(variant: WasmVariant): Promise<void> {
  if (typeof WebAssembly !== 'object') return Promise.resolve();
  let pending = loading[variant];
  if (pending === undefined) {
    pending = instantiateFromNetwork(variant);
    loading[variant] = pending;
  }
  return pending;
}

async function instantiateFromNetwork(variant: WasmVariant): Promise<void> {
  try {
    const response = fetch(files[variant]);
    const { instance } =
      typeof WebAssembly.instantiateStreaming === 'function'
        ? await WebAssembly.instantiateStreaming(response, {})
        : await WebAssembly.instantiate(await (await response).arrayBuffer(), {});
    loaded[variant] = instance.exports as unknown as KernelExports;
  } catch {
    // A failed fetch, or an engine that refuses the build: JS stays in use.
  }
}

export function instantiateKernels(variant: WasmVariant): KernelExports | null {
  return loaded[variant];
}

/** The build `auto` uses here: SIMD where the engine validates the probe, scalar otherwise. */
function preferredVariant(): WasmVariant {
  try {
    return WebAssembly.validate(SIMD_PROBE) ? 'simd' : 'scalar';
  } catch {
    return 'scalar';
  }
}

export const whenInstantiated: Promise<void> =
  typeof WebAssembly === 'object' ? loadKernels(preferredVariant()) : Promise.resolve();
