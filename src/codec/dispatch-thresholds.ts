// The dispatcher's size thresholds, one table per runtime, each measured in that runtime by the same mask
// sweep: Node, Deno and workerd with `node bench/codec/runtime-mask.js node deno workerd`, Chromium with
// `npm run bench:browser` (bench/README.md; `node bench/run.js codec` prints Node's UTF-8 and scan ones). The figures, dated, with the machine's
// load, are in docs/measurements.md#thresholds-per-runtime; a re-measurement changes a table here and
// that section together.

import { detectRuntime, type RuntimeName } from './runtime.js';

export interface DispatchThresholds {
  /** From this many bytes masking goes to WASM; below it the JS twin (copying in and out costs more). */
  readonly maskWasmMinBytes: number;
  /** From this many bytes the JS mask XORs the aligned middle as 32-bit words (mask.ts). */
  readonly jsMaskWordMinBytes: number;
  /** From this many bytes UTF-8 validation goes to WASM (the streaming validator, the scanner's frames). */
  readonly utf8WasmMinBytes: number;
  /** From this many bytes a received chunk is scanned by WASM. */
  readonly scanWasmMinBytes: number;
}

/**
 * Per runtime. maskWasmMinBytes is each runtime's own, where the JS twin stops beating the WASM SIMD
 * wrapper in that runtime's sweep: 48-64 B in Node, Chromium and workerd, 64-96 B in Deno, whose JS loop
 * kept up longer. jsMaskWordMinBytes (only forced JS or a runtime without WebAssembly reaches it: auto is
 * in WASM by then), UTF-8 and scanning were measured in Node only (docs/measurements.md#js-mask-word-loop,
 * #utf-8-threshold, #scan-threshold) and carry Node's values everywhere.
 */
export const THRESHOLDS: Readonly<Record<RuntimeName, DispatchThresholds>> = {
  node: { maskWasmMinBytes: 64, jsMaskWordMinBytes: 192, utf8WasmMinBytes: 64, scanWasmMinBytes: 64 },
  browser: { maskWasmMinBytes: 64, jsMaskWordMinBytes: 192, utf8WasmMinBytes: 64, scanWasmMinBytes: 64 },
  deno: { maskWasmMinBytes: 80, jsMaskWordMinBytes: 192, utf8WasmMinBytes: 64, scanWasmMinBytes: 64 },
  workerd: { maskWasmMinBytes: 64, jsMaskWordMinBytes: 192, utf8WasmMinBytes: 64, scanWasmMinBytes: 64 },
};

/** The runtime this module loaded in, found once. */
export const RUNTIME: RuntimeName = detectRuntime();

/** The thresholds in use: this runtime's table. */
export const RUNTIME_THRESHOLDS: DispatchThresholds = THRESHOLDS[RUNTIME];
