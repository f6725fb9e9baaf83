// The per-call choice between the JavaScript twins and the WASM kernels, by input size.
//
// The thresholds are this runtime's (dispatch-thresholds.ts: one table each for Node, browsers, workerd
// and Deno, measured there; the figures, with their dates, are in docs/measurements.md#thresholds-per-runtime):
// below them the JS loop beats the cost of copying into linear memory, calling, and copying back; above
// them the kernels win.

import { selection } from './backend.js';
import { RUNTIME_THRESHOLDS } from './dispatch-thresholds.js';
import type { PayloadOps } from './frame-scanner.js';
import { xorMaskIntoJs, xorMaskJs } from './mask.js';
import { type Utf8Run, validateUtf8Js } from './utf8.js';

export { RUNTIME, RUNTIME_THRESHOLDS, THRESHOLDS } from './dispatch-thresholds.js';

/** Below this many bytes masking stays in JS (docs/measurements.md#thresholds-per-runtime). */
export const MASK_WASM_MIN_BYTES = RUNTIME_THRESHOLDS.maskWasmMinBytes;
/**
 * Below this many bytes UTF-8 validation stays in JS: the streaming validator, the scanner's large frames
 * and runtimes without a host validator; isValidUtf8 in Node prefers HOST_UTF8_MIN_BYTES
 * (docs/measurements.md#utf-8-threshold).
 */
export const UTF8_WASM_MIN_BYTES = RUNTIME_THRESHOLDS.utf8WasmMinBytes;
/** Below this many bytes a chunk is scanned in JS (docs/measurements.md#scan-threshold). */
export const SCAN_WASM_MIN_BYTES = RUNTIME_THRESHOLDS.scanWasmMinBytes;

/** XORs bytes[start, end) in place with the key word, byte `phase` first (JS or WASM by size). */
export function mask(bytes: Uint8Array, start: number, end: number, keyWord: number, phase: number): void {
  const wasm = selection.wasm;
  if (wasm !== null && (selection.forced || end - start >= MASK_WASM_MIN_BYTES)) {
    wasm.mask(bytes, start, end, keyWord, phase);
  } else {
    xorMaskJs(bytes, start, end, keyWord, phase);
  }
}

/** Writes src[srcStart, srcEnd) masked into dest at destStart (JS or WASM by size). */
export function maskInto(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dest: Uint8Array,
  destStart: number,
  keyWord: number,
  phase: number,
): void {
  const wasm = selection.wasm;
  if (wasm !== null && (selection.forced || srcEnd - srcStart >= MASK_WASM_MIN_BYTES)) {
    wasm.maskInto(src, srcStart, srcEnd, dest, destStart, keyWord, phase);
  } else {
    xorMaskIntoJs(src, srcStart, srcEnd, dest, destStart, keyWord, phase);
  }
}

/**
 * Validates bytes[start, end) as UTF-8 continuing from `state` (JS or WASM by size). Returns the state
 * after the run, or a negative Utf8Run naming the first invalid byte (utf8.ts): one number, nothing left
 * behind to read afterwards (docs/measurements.md#utf-8-result-as-one-number).
 */
export function validateUtf8(bytes: Uint8Array, start: number, end: number, state: number): Utf8Run {
  const wasm = selection.wasm;
  if (wasm !== null && (selection.forced || end - start >= UTF8_WASM_MIN_BYTES)) {
    return wasm.validateUtf8(bytes, start, end, state);
  }
  return validateUtf8Js(bytes, start, end, state);
}

/** Masking and UTF-8 validation, each answered by JS or WASM as the dispatcher chooses. */
export const dispatchedOps: PayloadOps = { mask, validateUtf8 };
