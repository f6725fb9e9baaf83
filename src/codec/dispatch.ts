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

/**
 * Below this many bytes masking stays in JS. unmask with setBackend('js') against setBackend('wasm-simd'),
 * CPU time per call, 2026-11-25 (2 cores, Node 20.20.2, machine shared so wall time was unusable): 62 vs
 * 75 ns at 64 B, 73-77 vs 78 at 80 B, 84 vs 80 at 96 B, 96-98 vs 78-86 at 112 B, 107-110 vs 79 at 128 B.
 * The wrapper costs ~75 ns flat up to ~128 B (two copies of ~20 ns each, the call, the argument checks);
 * the JS byte loop ~0.9 ns per byte. (It was 128 B while the wrapper cost ~140 ns.)
 */
export const MASK_WASM_MIN_BYTES = 96;
/**
 * Below this many bytes UTF-8 validation stays in JS (the streaming validator, the scanner's large frames
 * and runtimes without a host validator; isValidUtf8 in Node prefers HOST_UTF8_MIN_BYTES). isValidUtf8
 * with setBackend('js') against setBackend('wasm-simd'), CPU time per call, 2026-11-25: mixed text 78 vs
 * 72 ns at 48 B and 98 vs 69 at 64 B; ASCII 54 vs 60 at 48 B, 67 vs 68 at 64 B, 93 vs 66 at 96 B. With the
 * shift-DFA twin (~1 GB/s on mixed text, 5x the old one) JS no longer loses on mixed text at 16-32 B.
 */
export const UTF8_WASM_MIN_BYTES = 64;

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
 * Masking and UTF-8 validation, each answered by JS or WASM as the dispatcher chooses. utf8State is a plain
 * property written by validateUtf8: read through a getter over a module variable, it cost isValidUtf8 on
 * 16 B ~15 ns of its ~30 (Node 20.20.2, measured 2026-11-25).
 */
export const dispatchedOps = {
  utf8State: 0,
  mask(bytes: Uint8Array, start: number, end: number, keyWord: number, phase: number): void {
    const wasm = selection.wasm;
    if (wasm !== null && (selection.forced || end - start >= MASK_WASM_MIN_BYTES)) {
      wasm.mask(bytes, start, end, keyWord, phase);
    } else {
      xorMaskJs(bytes, start, end, keyWord, phase);
    }
  },
  validateUtf8(bytes: Uint8Array, start: number, end: number, state: number): number {
    const wasm = selection.wasm;
    let bad: number;
    if (wasm !== null && (selection.forced || end - start >= UTF8_WASM_MIN_BYTES)) {
      bad = wasm.validateUtf8(bytes, start, end, state);
      dispatchedOps.utf8State = wasm.utf8State;
    } else {
      bad = validateUtf8Js(bytes, start, end, state);
      dispatchedOps.utf8State = utf8Outcome.state;
    }
    return bad;
  },
} satisfies PayloadOps;

/**
 * Below this many bytes a chunk is scanned in JS. bench/codec scan-chunk tables, 2026-11-25: FrameScanner
 * with WASM over JS was 0.84x at 32 B and 1.04x at 64 B for binary frames (1.4x at 128 B), and 1.03x-1.3x
 * at 16-32 B for mixed text, where the JS UTF-8 DFA is slow.
 */
export const SCAN_WASM_MIN_BYTES = 64;
