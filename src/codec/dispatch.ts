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
 * Below this many bytes masking stays in JS. bench/codec mask table, 2026-11-25 (2 cores, Node 20.20.2,
 * quiet machine): setBackend('wasm-simd') over setBackend('js') 0.69x at 32 B, 1.13x at 64 B, 1.83x at
 * 128 B. The wrapper costs ~75-80 ns flat up to ~128 B (two copies of ~20 ns each, the call, the argument
 * checks). The JS loop alone is faster (64 ns at 64 B, CPU time, when only JS has run), but once the
 * dispatcher has taken both paths, as in an application and in the bench, it takes ~86-92 ns at 64 B.
 * (It was 128 B while the wrapper cost ~140 ns.)
 */
export const MASK_WASM_MIN_BYTES = 64;
/**
 * Below this many bytes UTF-8 validation stays in JS (the streaming validator, the scanner's large frames
 * and runtimes without a host validator; isValidUtf8 in Node prefers HOST_UTF8_MIN_BYTES). bench/codec,
 * 2026-11-25 (quiet machine): the WASM wrapper over the JS DFA was 0.73x at 32 B and 0.97x at 64 B on
 * ASCII, 0.70x at 16 B and 1.12x at 32 B on mixed text; CPU time per call (isValidUtf8, one backend
 * forced) put the crossover at 48-64 B on both (mixed 77 vs 63 ns at 48 B, ASCII 54 vs 60 at 48 B and
 * 66 vs 58 at 64 B). With the shift-DFA twin (~1 GB/s on mixed text, 5x the old one) JS now wins on mixed
 * text below 32 B too.
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
