// The per-call choice between the JavaScript twins and the WASM kernels, by input size.
//
// Thresholds come from `npm run bench` (bench/codec) on the reference machine (2 cores, Node 20),
// 2026-11-25: below them the JS loop beats the cost of copying into linear memory, calling, and copying
// back; above them the kernels win. In browsers and workerd the same values are used; there JS's
// alternative (TextDecoder) is slower still, so they err towards JS only where it is fast anyway.

import { selection } from './backend.js';
import type { PayloadOps } from './frame-scanner.js';
import { xorMaskIntoJs, xorMaskJs } from './mask.js';
import { utf8Outcome, validateUtf8Js } from './utf8.js';

/** Below this many bytes masking stays in JS. */
export const MASK_WASM_MIN_BYTES = 128;
/** Below this many bytes UTF-8 validation stays in JS. */
export const UTF8_WASM_MIN_BYTES = 64;

let lastUtf8State = 0;

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

/** Masking and UTF-8 validation, each answered by JS or WASM as the dispatcher chooses. */
export const dispatchedOps: PayloadOps = {
  mask(bytes, start, end, keyWord, phase) {
    const wasm = selection.wasm;
    if (wasm !== null && (selection.forced || end - start >= MASK_WASM_MIN_BYTES)) {
      wasm.mask(bytes, start, end, keyWord, phase);
    } else {
      xorMaskJs(bytes, start, end, keyWord, phase);
    }
  },
  validateUtf8(bytes, start, end, state) {
    const wasm = selection.wasm;
    let bad: number;
    if (wasm !== null && (selection.forced || end - start >= UTF8_WASM_MIN_BYTES)) {
      bad = wasm.validateUtf8(bytes, start, end, state);
      lastUtf8State = wasm.utf8State;
    } else {
      bad = validateUtf8Js(bytes, start, end, state);
      lastUtf8State = utf8Outcome.state;
    }
    return bad;
  },
  get utf8State() {
    return lastUtf8State;
  },
};

/** Below this many bytes a chunk is scanned in JS. */
export const SCAN_WASM_MIN_BYTES = 64;
