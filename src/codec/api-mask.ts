import { checkBytes, checkIndex, checkMaskKey } from './arguments.js';
import { dispatchedOps } from './dispatch.js';
import { keyToWord } from './mask.js';

/**
 * XORs `data` in place with the 4-byte masking `key` (RFC 6455 section 5.3), key byte `phase` first,
 * and returns `data`. Any Uint8Array or Buffer at any byteOffset. Pass `(phase + n) & 3` to continue a
 * payload after its first n bytes.
 */
export function mask<T extends Uint8Array>(data: T, key: Uint8Array, phase = 0): T {
  checkBytes(data, 'data');
  checkMaskKey(key);
  checkIndex(phase, 'phase', 3);
  dispatchedOps.mask(data, 0, data.length, keyToWord(key), phase);
  return data;
}

/** The same XOR as mask: unmasking a masked payload restores it. */
export function unmask<T extends Uint8Array>(data: T, key: Uint8Array, phase = 0): T {
  return mask(data, key, phase);
}
