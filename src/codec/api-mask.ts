import { checkBytes, checkIndex, checkMaskKey } from './arguments.js';
import { selection } from './backend.js';
import { MASK_WASM_MIN_BYTES } from './dispatch.js';
import { keyToWord, xorMaskJs } from './mask.js';

/**
 * Up to this many bytes mask() XORs byte by byte right here, without the dispatcher or the key word
 * (a backend forced by setBackend is still honoured at every size). A WebSocket payload of a few bytes
 * is common (pings, tiny chat messages), and at that size the call's overhead is the whole cost
 * (docs/measurements.md#inline-mask).
 */
const INLINE_MAX_BYTES = 8;

/**
 * XORs `data` in place with the 4-byte masking `key` (RFC 6455 section 5.3), key byte `phase` first,
 * and returns `data`. Any Uint8Array or Buffer at any byteOffset. Pass `(phase + n) & 3` to continue a
 * payload after its first n bytes.
 */
export function mask<T extends Uint8Array>(data: T, key: Uint8Array, phase = 0): T {
  // One cheap test for the arguments every correct call passes; the checks that name the mistake run
  // only when it fails, so they cost a small payload nothing.
  if (
    !(data instanceof Uint8Array) ||
    !(key instanceof Uint8Array) ||
    key.length !== 4 ||
    !(phase === 0 || phase === 1 || phase === 2 || phase === 3)
  ) {
    throwForMaskArguments(data, key, phase);
  }
  const length = data.length;
  if (length <= INLINE_MAX_BYTES && !selection.forced) {
    for (let i = 0; i < length; i++) data[i] ^= key[(i + phase) & 3];
    return data;
  }
  // The dispatcher's choice (dispatch.ts's mask) written out here: one call less on every unmask, which
  // is most of what auto cost over the forced WASM wrapper at 64 B-1 KiB (docs/measurements.md#inline-mask).
  // The inline loop goes first: the smallest sizes are where a property read more shows.
  const wasm = selection.wasm;
  if (wasm !== null && (length >= MASK_WASM_MIN_BYTES || selection.forced)) {
    wasm.mask(data, 0, length, keyToWord(key), phase);
  } else {
    xorMaskJs(data, 0, length, keyToWord(key), phase);
  }
  return data;
}

/**
 * The same XOR as mask: unmasking a masked payload restores it. The same function, not a wrapper
 * (docs/measurements.md#inline-mask).
 */
export const unmask: <T extends Uint8Array>(data: T, key: Uint8Array, phase?: number) => T = mask;

function throwForMaskArguments(data: unknown, key: unknown, phase: unknown): never {
  checkBytes(data, 'data');
  checkMaskKey(key);
  checkIndex(phase, 'phase', 3);
  throw new TypeError('wasmsocket: mask arguments rejected'); // unreachable: one check above has thrown
}
