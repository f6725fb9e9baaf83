// UTF-8 validation (RFC 3629 section 4), streaming and fail-fast.
//
// Two parts cooperate. A byte-at-a-time DFA is exact: it knows the state between calls (a code point
// split across fragments) and it finds the first invalid byte. A 16-byte-lane SIMD check (the lookup
// method of Keiser and Lemire, "Validating UTF-8 In Less Than One Instruction Per Byte", 2021) does the
// bulk: it only answers "is this block clean", so whenever it says no, the DFA rescans from the last code
// point boundary to find the exact position. The SIMD part always starts at a code point boundary and
// the DFA always finishes the last (incomplete) block, so the carried state is the DFA's alone.

import { SLOT_UTF8_STATE } from './layout';

// Byte classes.
const C_ASCII: u8 = 0; // 00-7F
const C_CONT_LO: u8 = 1; // 80-8F
const C_CONT_MID: u8 = 2; // 90-9F
const C_CONT_HI: u8 = 3; // A0-BF
const C_INVALID: u8 = 4; // C0-C1, F5-FF: never appear in UTF-8
const C_LEAD2: u8 = 5; // C2-DF
const C_LEAD3_E0: u8 = 6; // E0: second byte A0-BF (no overlongs)
const C_LEAD3: u8 = 7; // E1-EC, EE-EF
const C_LEAD3_ED: u8 = 8; // ED: second byte 80-9F (no surrogates)
const C_LEAD4_F0: u8 = 9; // F0: second byte 90-BF (no overlongs)
const C_LEAD4: u8 = 10; // F1-F3
const C_LEAD4_F4: u8 = 11; // F4: second byte 80-8F (nothing above U+10FFFF)
const CLASS_COUNT: u8 = 12;

// States, premultiplied by CLASS_COUNT so that a transition is one add and one load.
export const UTF8_ACCEPT: u32 = 0;
export const UTF8_REJECT: u32 = 1 * CLASS_COUNT;
const S_NEED1: u8 = 2 * CLASS_COUNT;
const S_NEED2: u8 = 3 * CLASS_COUNT;
const S_NEED3: u8 = 4 * CLASS_COUNT;
const S_AFTER_E0: u8 = 5 * CLASS_COUNT;
const S_AFTER_ED: u8 = 6 * CLASS_COUNT;
const S_AFTER_F0: u8 = 7 * CLASS_COUNT;
const S_AFTER_F4: u8 = 8 * CLASS_COUNT;
const STATE_COUNT: u8 = 9;

const byteClass = memory.data(256);
const transitions = memory.data(<i32>STATE_COUNT * <i32>CLASS_COUNT);

function classify(b: u32): u8 {
  if (b < 0x80) return C_ASCII;
  if (b < 0x90) return C_CONT_LO;
  if (b < 0xa0) return C_CONT_MID;
  if (b < 0xc0) return C_CONT_HI;
  if (b < 0xc2) return C_INVALID;
  if (b < 0xe0) return C_LEAD2;
  if (b == 0xe0) return C_LEAD3_E0;
  if (b == 0xed) return C_LEAD3_ED;
  if (b < 0xf0) return C_LEAD3;
  if (b == 0xf0) return C_LEAD4_F0;
  if (b < 0xf4) return C_LEAD4;
  if (b == 0xf4) return C_LEAD4_F4;
  return C_INVALID;
}

@inline
function setTransition(state: u8, cls: u8, next: u8): void {
  store<u8>(transitions + <usize>state + <usize>cls, next);
}

/** Fills the class and transition tables; runs once when the module is instantiated. */
export function initUtf8Tables(): void {
  for (let b: u32 = 0; b < 256; b++) store<u8>(byteClass + b, classify(b));
  // Everything not set below goes to REJECT.
  memory.fill(transitions, <u8>UTF8_REJECT, <usize>STATE_COUNT * <usize>CLASS_COUNT);
  setTransition(<u8>UTF8_ACCEPT, C_ASCII, <u8>UTF8_ACCEPT);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD2, S_NEED1);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD3_E0, S_AFTER_E0);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD3, S_NEED2);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD3_ED, S_AFTER_ED);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD4_F0, S_AFTER_F0);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD4, S_NEED3);
  setTransition(<u8>UTF8_ACCEPT, C_LEAD4_F4, S_AFTER_F4);
  for (let cls = C_CONT_LO; cls <= C_CONT_HI; cls++) {
    setTransition(S_NEED1, cls, <u8>UTF8_ACCEPT);
    setTransition(S_NEED2, cls, S_NEED1);
    setTransition(S_NEED3, cls, S_NEED2);
  }
  setTransition(S_AFTER_E0, C_CONT_HI, S_NEED1);
  setTransition(S_AFTER_ED, C_CONT_LO, S_NEED1);
  setTransition(S_AFTER_ED, C_CONT_MID, S_NEED1);
  setTransition(S_AFTER_F0, C_CONT_MID, S_NEED2);
  setTransition(S_AFTER_F0, C_CONT_HI, S_NEED2);
  setTransition(S_AFTER_F4, C_CONT_LO, S_NEED2);
}

@inline
function step(state: u32, b: u32): u32 {
  return <u32>load<u8>(transitions + state + <usize>load<u8>(byteClass + b));
}

// Result of dfaRun: the state after the run, and where it stopped.
let dfaStoppedAt: usize = 0;

/**
 * Runs the DFA over [ptr, end) starting in `state`. Stops at the first invalid byte (state REJECT,
 * dfaStoppedAt = that byte) or at end. ASCII runs are skipped eight bytes at a time while in ACCEPT.
 */
function dfaRun(ptr: usize, end: usize, state: u32): u32 {
  while (ptr < end) {
    if (state == UTF8_ACCEPT) {
      while (ptr + 8 <= end && (load<u64>(ptr) & 0x8080_8080_8080_8080) == 0) ptr += 8;
      if (ptr >= end) break;
    }
    state = step(state, <u32>load<u8>(ptr));
    if (state == UTF8_REJECT) {
      dfaStoppedAt = ptr;
      return state;
    }
    ptr++;
  }
  dfaStoppedAt = end;
  return state;
}

/**
 * Where the DFA must start so as to judge the bytes from ptr on: at ptr, unless one of the three bytes
 * before it (not before floor) leads a sequence that reaches ptr or beyond, which must be rechecked whole.
 */
function openSequenceStart(ptr: usize, floor: usize): usize {
  for (let back: usize = 1; back <= 3 && ptr >= floor + back; back++) {
    const b = <u32>load<u8>(ptr - back);
    if (b < 0x80) break;
    if (b >= 0xc0) {
      const sequenceLength: usize = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return sequenceLength > back ? ptr - back : ptr;
    }
  }
  return ptr;
}

// Error classes of the lookup method: each 16-entry table maps a nibble to the classes of error
// that nibble can take part in; a byte pair is in error when all three lookups share a class.
const TOO_SHORT: u8 = 1 << 0; // a lead byte not followed by a continuation
const TOO_LONG: u8 = 1 << 1; // a continuation after ASCII
const OVERLONG_3: u8 = 1 << 2; // E0 80-9F
const TOO_LARGE: u8 = 1 << 3; // F4 90-BF, or F5-FF followed by 90-BF
const SURROGATE: u8 = 1 << 4; // ED A0-BF
const OVERLONG_2: u8 = 1 << 5; // C0-C1 followed by a continuation
const TOO_LARGE_1000: u8 = 1 << 6; // F5-FF 80-8F (shares its bit with OVERLONG_4)
const OVERLONG_4: u8 = 1 << 6; // F0 80-8F
const TWO_CONTS: u8 = 1 << 7; // two continuations: only right as the 3rd or 4th byte
const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;

/** Validates [ptr, ptr+len) with 16-byte lanes from a code point boundary; returns the DFA result. */
function validateSimd(ptr: usize, len: usize, state: u32): i32 {
  const end = ptr + len;
  const start = ptr;
  // A code point left open by the previous call is finished by the DFA first.
  if (state != UTF8_ACCEPT) {
    let p = ptr;
    while (p < end && state != UTF8_ACCEPT && state != UTF8_REJECT) {
      state = step(state, <u32>load<u8>(p));
      if (state == UTF8_REJECT) return finish(state, p, start);
      p++;
    }
    ptr = p;
  }

  const firstHigh = i8x16(
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, // 0-7: ASCII
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, // 8-B: continuation
    TOO_SHORT | OVERLONG_2, // C
    TOO_SHORT, // D
    TOO_SHORT | OVERLONG_3 | SURROGATE, // E
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4, // F
  );
  const firstLow = i8x16(
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, // 0
    CARRY | OVERLONG_2, // 1
    CARRY, CARRY, // 2-3
    CARRY | TOO_LARGE, // 4
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // 5-6
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // 7-8
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // 9-A
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // B-C
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, // D
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // E-F
  );
  const secondHigh = i8x16(
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, // 0-7
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4, // 8
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE, // 9
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, // A
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, // B
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, // C-F
  );
  const nibble = i8x16.splat(0x0f);
  // Bytes that may begin a sequence not finished within their block: the last byte >= C0,
  // the one before >= E0, the one before that >= F0.
  const incompleteLimit = i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, <i8>(0xf0 - 1), <i8>(0xe0 - 1), <i8>(0xc0 - 1));

  const vectorStart = ptr;
  let prev = i8x16.splat(0);
  let prevIncomplete = i8x16.splat(0);
  let blockStart = ptr;
  while (ptr + 16 <= end) {
    const input = v128.load(ptr);
    let error: v128;
    if (i8x16.bitmask(input) == 0) {
      // All ASCII: the only possible error is a sequence the previous block left open.
      error = prevIncomplete;
    } else {
      const prev1 = i8x16.shuffle(prev, input, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
      const prev2 = i8x16.shuffle(prev, input, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
      const prev3 = i8x16.shuffle(prev, input, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28);
      const special = v128.and(
        v128.and(
          i8x16.swizzle(firstHigh, i8x16.shr_u(prev1, 4)),
          i8x16.swizzle(firstLow, v128.and(prev1, nibble)),
        ),
        i8x16.swizzle(secondHigh, i8x16.shr_u(input, 4)),
      );
      // Where a third or fourth byte must be, TWO_CONTS is expected; anywhere else it is an error.
      const isThird = i8x16.sub_sat_u(prev2, i8x16.splat(<i8>(0xe0 - 0x80)));
      const isFourth = i8x16.sub_sat_u(prev3, i8x16.splat(<i8>(0xf0 - 0x80)));
      const mustBeCont = v128.and(v128.or(isThird, isFourth), i8x16.splat(<i8>0x80));
      error = v128.xor(mustBeCont, special);
    }
    if (v128.any_true(error)) {
      // The DFA finds the exact byte; it starts at the code point that was open when this block began.
      state = dfaRun(openSequenceStart(blockStart, vectorStart), end, UTF8_ACCEPT);
      return finish(state, dfaStoppedAt, start);
    }
    prevIncomplete = i8x16.sub_sat_u(input, incompleteLimit);
    prev = input;
    ptr += 16;
    blockStart = ptr;
  }
  // The tail (and any code point the last block left open) goes through the DFA, which records the state.
  state = dfaRun(openSequenceStart(ptr, vectorStart), end, UTF8_ACCEPT);
  return finish(state, dfaStoppedAt, start);
}

@inline
function finish(state: u32, stoppedAt: usize, start: usize): i32 {
  store<u32>(SLOT_UTF8_STATE, state);
  return state == UTF8_REJECT ? <i32>(stoppedAt - start) : -1;
}

/**
 * Validates [ptr, ptr+len) continuing from `state` (UTF8_ACCEPT for a fresh text). Returns -1 when no
 * byte is invalid, or the offset of the first invalid byte. The state after the run is written to
 * SLOT_UTF8_STATE: UTF8_ACCEPT at a code point boundary, UTF8_REJECT after an error, else mid code point.
 */
export function validateUtf8At(ptr: usize, len: usize, state: u32): i32 {
  if (state == UTF8_REJECT) return finish(state, ptr, ptr);
  if (ASC_FEATURE_SIMD) {
    if (len >= 32) return validateSimd(ptr, len, state);
  }
  state = dfaRun(ptr, ptr + len, state);
  return finish(state, dfaStoppedAt, ptr);
}
