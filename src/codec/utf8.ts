// UTF-8 validation in JavaScript (RFC 3629 section 4): the reference for the WASM validator and the path
// for small inputs. assembly/utf8.ts builds the same automaton with the same state numbers, so a text may
// be validated in pieces by either backend in turn (the dispatcher picks one per call by size).
//
// It is a shift DFA: every byte value has a 32-bit row, and a state is a bit offset into it, so a step is
// `state = row[byte] >> state` (JS takes the shift count mod 32: the bits above the 5-bit field need no
// masking). From one byte to the next the only dependency is that shift, where a class table plus a
// transition table cost two dependent loads. Nine states need 5-bit fields at nine offsets that overlap;
// the offsets below were found by a small search over 0-27 so that every overlapping bit agrees in every
// row and every field lies within 32 bits (so `>>` and `>>>` agree on it).

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

/** The states as bit offsets into a row (the same numbers as assembly/utf8.ts). */
const State = {
  REJECT: 0,
  NEED2: 1,
  ACCEPT: 6,
  AFTER_F0: 11,
  NEED1: 16,
  NEED3: 18,
  AFTER_E0: 19,
  AFTER_F4: 24,
  AFTER_ED: 25,
} as const;
const STATE_BITS = 31;

/** At a code point boundary: the text so far is valid and complete. Callers see states XORed with
 * State.ACCEPT, so that a fresh text (and a message state of 0) starts at 0. */
export const UTF8_ACCEPT = 0;
/** An invalid byte was seen; the state never leaves REJECT. */
export const UTF8_REJECT = State.REJECT ^ State.ACCEPT;

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

/** The state after a byte of class `cls` in `state`; REJECT for every pair not listed. */
function transition(state: number, cls: number): number {
  const isContinuation = cls === Class.CONT_LO || cls === Class.CONT_MID || cls === Class.CONT_HI;
  switch (state) {
    case State.ACCEPT:
      switch (cls) {
        case Class.ASCII:
          return State.ACCEPT;
        case Class.LEAD2:
          return State.NEED1;
        case Class.LEAD3_E0:
          return State.AFTER_E0;
        case Class.LEAD3:
          return State.NEED2;
        case Class.LEAD3_ED:
          return State.AFTER_ED;
        case Class.LEAD4_F0:
          return State.AFTER_F0;
        case Class.LEAD4:
          return State.NEED3;
        case Class.LEAD4_F4:
          return State.AFTER_F4;
        default:
          return State.REJECT;
      }
    case State.NEED1:
      return isContinuation ? State.ACCEPT : State.REJECT;
    case State.NEED2:
      return isContinuation ? State.NEED1 : State.REJECT;
    case State.NEED3:
      return isContinuation ? State.NEED2 : State.REJECT;
    case State.AFTER_E0:
      return cls === Class.CONT_HI ? State.NEED1 : State.REJECT;
    case State.AFTER_ED:
      return cls === Class.CONT_LO || cls === Class.CONT_MID ? State.NEED1 : State.REJECT;
    case State.AFTER_F0:
      return cls === Class.CONT_MID || cls === Class.CONT_HI ? State.NEED2 : State.REJECT;
    case State.AFTER_F4:
      return cls === Class.CONT_LO ? State.NEED2 : State.REJECT;
    default:
      return State.REJECT;
  }
}

/** rows[b]: for every state s, the 5 bits at offset s hold the state after byte b. */
const rows = new Int32Array(256);
for (let b = 0; b < 256; b++) {
  const cls = classify(b);
  for (const state of Object.values(State)) rows[b] |= transition(state, cls) << state;
}

/**
 * What validating a run of bytes answers, in one number, so that no second result waits in a shared slot
 * to be read later (and read stale, after another validation has run in between):
 * - >= 0: every byte was valid; the number is the DFA state after the run, UTF8_ACCEPT (0) at a code point
 *   boundary. Pass it as the state of the next run to continue the same text.
 * - < 0: a byte was invalid; utf8InvalidAt(run) is its index.
 * A plain number, not an object, so that the answer costs no allocation on the per-frame path.
 */
export type Utf8Run = number;

/** The Utf8Run for an invalid byte at `index`. */
export function utf8Invalid(index: number): Utf8Run {
  return -1 - index;
}

/** The index of the invalid byte a negative Utf8Run names. */
export function utf8InvalidAt(run: Utf8Run): number {
  return -1 - run;
}

/**
 * Validates bytes[start, end) continuing from `state` (a Utf8Run >= 0 from the run before, or UTF8_ACCEPT
 * for a new text). Returns the state after the run, or utf8Invalid(index of the first invalid byte).
 */
export function validateUtf8Js(bytes: Uint8Array, start: number, end: number, state: number): Utf8Run {
  let s = (state ^ State.ACCEPT) & STATE_BITS;
  let i = start;
  if (s === State.REJECT) return utf8Invalid(start);
  // Four bytes per iteration, with one test for REJECT (which no byte leaves: on it, the byte loop below
  // finds which of the four); four ASCII bytes in ACCEPT need no steps at all.
  for (const last = end - 4; i <= last; i += 4) {
    const b0 = bytes[i];
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const b3 = bytes[i + 3];
    if (((b0 | b1 | b2 | b3) & 0x80) === 0 && (s & STATE_BITS) === State.ACCEPT) continue;
    const next = rows[b3] >> (rows[b2] >> (rows[b1] >> (rows[b0] >> s)));
    if ((next & STATE_BITS) === State.REJECT) break;
    s = next;
  }
  for (; i < end; i++) {
    s = rows[bytes[i]] >> s;
    if ((s & STATE_BITS) === State.REJECT) return utf8Invalid(i);
  }
  return (s & STATE_BITS) ^ State.ACCEPT;
}
