import { checkBytes } from './arguments.js';
import { selection } from './backend.js';
import { validateUtf8 } from './dispatch.js';
import { hostIsUtf8 } from './host-utf8.js';
import { UTF8_ACCEPT, UTF8_REJECT, utf8InvalidAt } from './utf8.js';

/**
 * From this size up, Node's buffer.isUtf8 (simdutf) is used: its flat call cost is then less than the
 * wrapper's copies and about what the JS DFA costs; below it the shift-DFA twin wins
 * (docs/measurements.md#host-utf-8-threshold).
 */
export const HOST_UTF8_MIN_BYTES = 32;

/** True when `bytes` is well-formed UTF-8 (RFC 3629): no overlongs, surrogates, or code points past U+10FFFF. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  checkBytes(bytes, 'bytes');
  if (hostIsUtf8 !== null && !selection.forced && selection.requested !== 'js' && bytes.length >= HOST_UTF8_MIN_BYTES) {
    return hostIsUtf8(bytes);
  }
  // Valid and complete: no invalid byte, and the text ends on a code point boundary.
  return validateUtf8(bytes, 0, bytes.length, UTF8_ACCEPT) === UTF8_ACCEPT;
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
    const run = validateUtf8(bytes, 0, bytes.length, this.state);
    if (run < 0) {
      this.state = UTF8_REJECT;
      return utf8InvalidAt(run);
    }
    this.state = run;
    return -1;
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
