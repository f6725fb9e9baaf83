// UTF-8 validation in JavaScript (RFC 3629 section 4): a DFA over byte classes, the reference for the
// WASM validator. assembly/utf8.ts builds the same automaton from the same rules; the states are
// premultiplied by the class count so that a step is one add and one load.

const CLASS_COUNT = 12;
const Class = {
  ASCII: 0, // 00-7F
  CONT_LO: 1, // 80-8F
  CONT_MID: 2, // 90-9F
  CONT_HI: 3, // A0-BF
  INVALID: 4, // C0-C1, F5-FF
  LEAD2: 5, // C2-DF
  LEAD3_E0: 6, // E0: A0-BF next (no overlongs)
  LEAD3: 7, // E1-EC, EE-EF
  LEAD3_ED: 8, // ED: 80-9F next (no surrogates)
  LEAD4_F0: 9, // F0: 90-BF next (no overlongs)
  LEAD4: 10, // F1-F3
  LEAD4_F4: 11, // F4: 80-8F next (nothing above U+10FFFF)
} as const;

/** At a code point boundary: the text so far is valid and complete. */
export const UTF8_ACCEPT = 0;
/** An invalid byte was seen; the state never leaves REJECT. */
export const UTF8_REJECT = 1 * CLASS_COUNT;
const NEED1 = 2 * CLASS_COUNT;
const NEED2 = 3 * CLASS_COUNT;
const NEED3 = 4 * CLASS_COUNT;
const AFTER_E0 = 5 * CLASS_COUNT;
const AFTER_ED = 6 * CLASS_COUNT;
const AFTER_F0 = 7 * CLASS_COUNT;
const AFTER_F4 = 8 * CLASS_COUNT;
const STATE_COUNT = 9;

function classify(b: number): number {
  if (b < 0x80) return Class.ASCII;
  if (b < 0x90) return Class.CONT_LO;
  if (b < 0xa0) return Class.CONT_MID;
  if (b < 0xc0) return Class.CONT_HI;
  if (b < 0xc2) return Class.INVALID;
  if (b < 0xe0) return Class.LEAD2;
  if (b === 0xe0) return Class.LEAD3_E0;
  if (b === 0xed) return Class.LEAD3_ED;
  if (b < 0xf0) return Class.LEAD3;
  if (b === 0xf0) return Class.LEAD4_F0;
  if (b < 0xf4) return Class.LEAD4;
  if (b === 0xf4) return Class.LEAD4_F4;
  return Class.INVALID;
}

const byteClass = Uint8Array.from({ length: 256 }, (_, b) => classify(b));
const transitions = new Uint8Array(STATE_COUNT * CLASS_COUNT).fill(UTF8_REJECT);
{
  const set = (state: number, cls: number, next: number) => {
    transitions[state + cls] = next;
  };
  set(UTF8_ACCEPT, Class.ASCII, UTF8_ACCEPT);
  set(UTF8_ACCEPT, Class.LEAD2, NEED1);
  set(UTF8_ACCEPT, Class.LEAD3_E0, AFTER_E0);
  set(UTF8_ACCEPT, Class.LEAD3, NEED2);
  set(UTF8_ACCEPT, Class.LEAD3_ED, AFTER_ED);
  set(UTF8_ACCEPT, Class.LEAD4_F0, AFTER_F0);
  set(UTF8_ACCEPT, Class.LEAD4, NEED3);
  set(UTF8_ACCEPT, Class.LEAD4_F4, AFTER_F4);
  for (const cls of [Class.CONT_LO, Class.CONT_MID, Class.CONT_HI]) {
    set(NEED1, cls, UTF8_ACCEPT);
    set(NEED2, cls, NEED1);
    set(NEED3, cls, NEED2);
  }
  set(AFTER_E0, Class.CONT_HI, NEED1);
  set(AFTER_ED, Class.CONT_LO, NEED1);
  set(AFTER_ED, Class.CONT_MID, NEED1);
  set(AFTER_F0, Class.CONT_MID, NEED2);
  set(AFTER_F0, Class.CONT_HI, NEED2);
  set(AFTER_F4, Class.CONT_LO, NEED2);
}

/** The state after the last validateUtf8Js call. */
export const utf8Outcome = { state: UTF8_ACCEPT };

/**
 * Validates bytes[start, end) continuing from `state`. Returns -1 when no byte is invalid, else the index
 * of the first invalid byte. The state after the run is left in utf8Outcome.state.
 */
export function validateUtf8Js(bytes: Uint8Array, start: number, end: number, state: number): number {
  let i = start;
  if (state === UTF8_REJECT) {
    utf8Outcome.state = state;
    return start;
  }
  while (i < end) {
    if (state === UTF8_ACCEPT) {
      // ASCII runs, four bytes at a time.
      while (i + 4 <= end && ((bytes[i] | bytes[i + 1] | bytes[i + 2] | bytes[i + 3]) & 0x80) === 0) i += 4;
      if (i === end) break;
    }
    state = transitions[state + byteClass[bytes[i]]];
    if (state === UTF8_REJECT) {
      utf8Outcome.state = state;
      return i;
    }
    i++;
  }
  utf8Outcome.state = state;
  return -1;
}
