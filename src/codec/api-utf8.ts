import { checkBytes } from './arguments.js';
import { selection } from './backend.js';
import { dispatchedOps } from './dispatch.js';
import { hostIsUtf8 } from './host-utf8.js';
import { UTF8_ACCEPT, UTF8_REJECT } from './utf8.js';

/**
 * From this size up, Node's buffer.isUtf8 (simdutf) is used: its call costs ~45-55 ns flat up to 256 B,
 * less than the wrapper's copy into linear memory plus checks, and from here about what the JS DFA costs.
 * Below it the shift-DFA twin wins. bench/codec, 2026-11-25 (quiet machine): isUtf8 over the better of the
 * JS DFA and the WASM wrapper was 0.88x at 32 B and 1.40x at 64 B on ASCII, 0.88x at 16 B and 1.29x at
 * 32 B on mixed text; CPU time per call: 2.6-2.9x in favour of JS at 16 B, 1.6-1.8x at 24 B. At 32 B JS
 * wins on ASCII and loses on mixed text by more, so the host takes 32 B. (The WASM validator wins only on
 * bytes already in linear memory: the batch scanner.)
 */
export const HOST_UTF8_MIN_BYTES = 32;

/** True when `bytes` is well-formed UTF-8 (RFC 3629): no overlongs, surrogates, or code points past U+10FFFF. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  checkBytes(bytes, 'bytes');
  if (hostIsUtf8 !== null && !selection.forced && selection.requested !== 'js' && bytes.length >= HOST_UTF8_MIN_BYTES) {
    return hostIsUtf8(bytes);
  }
  return dispatchedOps.validateUtf8(bytes, 0, bytes.length, UTF8_ACCEPT) < 0 && dispatchedOps.utf8State === UTF8_ACCEPT;
}

/**
 * Validates UTF-8 that arrives in pieces (the fragments of a text message): a code point may be split
 * between pieces. Fails fast: push reports the first invalid byte as soon as it arrives.
 */
export class Utf8Validator {
  private state = UTF8_ACCEPT;

  /** Validates the next piece. Returns -1, or the index in `bytes` of the first invalid byte. */
  push(bytes: Uint8Array): number {
    checkBytes(bytes, 'bytes');
    const bad = dispatchedOps.validateUtf8(bytes, 0, bytes.length, this.state);
    this.state = dispatchedOps.utf8State;
    return bad;
  }

  /** True when everything pushed was valid and no code point was left unfinished. Resets for reuse. */
  end(): boolean {
    const complete = this.state === UTF8_ACCEPT;
    this.state = UTF8_ACCEPT;
    return complete;
  }

  /** True after an invalid byte; cleared by end(). */
  get failed(): boolean {
    return this.state === UTF8_REJECT;
  }
}
