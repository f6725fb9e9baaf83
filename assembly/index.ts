// The module's exports, and nothing else. Built twice by asconfig.json: build/wasmsocket.simd.wasm with
// 128-bit SIMD and build/wasmsocket.wasm without; both have these same exports.

import { STAGING_PTR, SLOTS_PTR } from './layout';
import { initUtf8Tables } from './utf8';

export {
  FRAME_ENTRY_SIZE, FRAME_TABLE_CAPACITY, FRAME_TABLE_PTR, LAYOUT_END, SLOTS_PTR, STAGING_PTR,
  STAGING_SIZE,
} from './layout';
export { decodeHeaderAt as decodeHeader } from './header';
export { maskBytes } from './mask';
export { scanFrames } from './scan';
export { validateUtf8At as validateUtf8 } from './utf8';

/** True when the static data ends below the result slots, so the layout in layout.ts holds. */
export function layoutIsSound(): bool {
  return __heap_base <= SLOTS_PTR && SLOTS_PTR < STAGING_PTR;
}

/** True in the SIMD build. */
export function usesSimd(): bool {
  return ASC_FEATURE_SIMD;
}

initUtf8Tables();
