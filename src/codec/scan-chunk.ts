// Scanning received bytes for frames: the one place that chooses between the WASM scanner and its JS
// twin for a chunk. The public FrameScanner and protocol's FrameReader both scan through here.

import { selection } from './backend.js';
import { dispatchedOps, SCAN_WASM_MIN_BYTES } from './dispatch.js';
import { scanFramesJs } from './frame-scanner.js';
import type { InputOffset, ScanOutcome } from './scan-outcome.js';

/**
 * Scans bytes[start, ...) with the backend the dispatcher picks for that many bytes and fills `out`
 * (ScanOutcome states the coordinates). `options` is DecodeOption bits, `state` the MessageState word
 * after the frames before.
 *
 * - WASM (SCAN_WASM_MIN_BYTES or more, or forced): the bytes are copied into the staging area (at most its
 *   size: `out.end` says where this scan's region ended) and decoded there; `bytes` is left untouched and
 *   the unmasked payloads are in linear memory (`out.inLinearMemory`), valid until the next call into WASM.
 * - JS (small chunks, no WASM, or `jsOnly`): every byte to the end is decoded in place, payloads unmasked in
 *   `bytes`; masking and UTF-8 of each payload are still dispatched to WASM by size. `jsOnly` is for a
 *   frame too large for the staging area that the caller wants whole rather than streamed.
 */
export function scanChunk(
  bytes: Uint8Array,
  start: InputOffset,
  options: number,
  state: number,
  out: ScanOutcome,
  jsOnly = false,
): void {
  const wasm = selection.wasm;
  const remaining = bytes.length - start;
  if (wasm !== null && !jsOnly && (selection.forced || remaining >= SCAN_WASM_MIN_BYTES)) {
    const length = Math.min(remaining, wasm.stagingSize);
    wasm.stage(bytes, start, start + length, 0);
    wasm.scanStaged(length, options, state, start, out);
  } else {
    scanFramesJs(bytes, start, bytes.length, options, state, out, dispatchedOps);
  }
}

/**
 * After a WASM scan from `start`: copies the unmasked bytes of the region consumed (up to `out.next`) from
 * linear memory back over `bytes`, so that payloads can be read from the input (at table offset +
 * `out.sourceToInput`). Does nothing after a JS scan, which unmasked in place.
 */
export function copyPayloadsBack(bytes: Uint8Array, start: InputOffset, out: ScanOutcome): void {
  if (!out.inLinearMemory || out.next <= start) return;
  const source = out.source;
  const from = source.byteOffset + start - out.sourceToInput;
  bytes.set(new Uint8Array(source.buffer, from, out.next - start), start);
}
