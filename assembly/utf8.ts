// UTF-8 validation (RFC 3629 section 4), streaming and fail-fast.
//
// Two parts cooperate. A byte-at-a-time DFA is exact: it knows the state between calls (a code point
// split across fragments) and it finds the first invalid byte. A SIMD check over 16-byte blocks (the
// lookup method of Keiser and Lemire, "Validating UTF-8 In Less Than One Instruction Per Byte", 2021) does
// the bulk: it only answers "are these blocks clean", so whenever it says no, the DFA rescans from the last
// code point boundary before them to find the exact position. The SIMD part always starts at a code point
// boundary and the DFA always judges the code point left open at the end, so the carried state is the
// DFA's alone. src/codec/utf8.ts is the JavaScript twin, with the same states and the same rows.

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

// The DFA is a shift DFA: each byte value has a 32-bit row, and a state is a bit offset into it, so a
// step is `state = row[byte] >> state` (the shift count is taken mod 32, so the bits above the 5-bit
// field need no masking). The chain from one byte to the next is that one shift, where a class table
// plus a transition table costs two dependent loads. Nine states need 5-bit fields at nine offsets that
// overlap; these offsets (found by a small search over 0-27 so that every row exists and fits 32 bits)
// make every overlapping bit agree in every row.
const S_REJECT: u32 = 0;
const S_NEED2: u32 = 1;
const S_ACCEPT: u32 = 6;
const S_AFTER_F0: u32 = 11;
const S_NEED1: u32 = 16;
const S_NEED3: u32 = 18;
const S_AFTER_E0: u32 = 19;
const S_AFTER_F4: u32 = 24;
const S_AFTER_ED: u32 = 25;
const STATE_BITS: u32 = 31;

// Callers see states XORed with S_ACCEPT, so that a fresh text (and a message state of 0) starts at 0.
export const UTF8_ACCEPT: u32 = 0;
export const UTF8_REJECT: u32 = S_REJECT ^ S_ACCEPT;

const rows = memory.data(256 * 4);

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

/** The state after a byte of class `cls` in `state` (both offsets); REJECT for every pair not listed. */
function transition(state: u32, cls: u8): u32 {
  const isCont = cls >= C_CONT_LO && cls <= C_CONT_HI;
  if (state == S_ACCEPT) {
    if (cls == C_ASCII) return S_ACCEPT;
    if (cls == C_LEAD2) return S_NEED1;
    if (cls == C_LEAD3_E0) return S_AFTER_E0;
    if (cls == C_LEAD3) return S_NEED2;
    if (cls == C_LEAD3_ED) return S_AFTER_ED;
    if (cls == C_LEAD4_F0) return S_AFTER_F0;
    if (cls == C_LEAD4) return S_NEED3;
    if (cls == C_LEAD4_F4) return S_AFTER_F4;
    return S_REJECT;
  }
  if (state == S_NEED1 && isCont) return S_ACCEPT;
  if (state == S_NEED2 && isCont) return S_NEED1;
  if (state == S_NEED3 && isCont) return S_NEED2;
  if (state == S_AFTER_E0 && cls == C_CONT_HI) return S_NEED1;
  if (state == S_AFTER_ED && (cls == C_CONT_LO || cls == C_CONT_MID)) return S_NEED1;
  if (state == S_AFTER_F0 && (cls == C_CONT_MID || cls == C_CONT_HI)) return S_NEED2;
  if (state == S_AFTER_F4 && cls == C_CONT_LO) return S_NEED2;
  return S_REJECT;
}

/** Fills the rows; runs once when the module is instantiated. */
export function initUtf8Tables(): void {
  const states: StaticArray<u32> = [
    S_REJECT, S_NEED2, S_ACCEPT, S_AFTER_F0, S_NEED1, S_NEED3, S_AFTER_E0, S_AFTER_F4, S_AFTER_ED,
  ];
  for (let b: u32 = 0; b < 256; b++) {
    const cls = classify(b);
    let row: u32 = 0;
    for (let i = 0; i < states.length; i++) row |= transition(states[i], cls) << states[i];
    store<u32>(rows + (<usize>b << 2), row);
  }
}

@inline
function step(state: u32, b: u32): u32 {
  return load<u32>(rows + (<usize>b << 2)) >> state;
}

// Result of dfaRun: where it stopped.
let dfaStoppedAt: usize = 0;

/**
 * Runs the DFA over [ptr, end) starting in `state`. Stops at the first invalid byte (returns S_REJECT,
 * dfaStoppedAt = that byte) or at end. Eight bytes per iteration with one test for REJECT (which no
 * byte leaves; the byte loop then finds the exact one); eight ASCII bytes in ACCEPT need no steps.
 */
function dfaRun(ptr: usize, end: usize, state: u32): u32 {
  while (ptr + 8 <= end) {
    if (state == S_ACCEPT && (load<u64>(ptr) & 0x8080_8080_8080_8080) == 0) {
      ptr += 8;
      continue;
    }
    let s = step(state, <u32>load<u8>(ptr));
    s = step(s, <u32>load<u8>(ptr, 1));
    s = step(s, <u32>load<u8>(ptr, 2));
    s = step(s, <u32>load<u8>(ptr, 3));
    s = step(s, <u32>load<u8>(ptr, 4));
    s = step(s, <u32>load<u8>(ptr, 5));
    s = step(s, <u32>load<u8>(ptr, 6));
    s = step(s, <u32>load<u8>(ptr, 7)) & STATE_BITS;
    if (s == S_REJECT) break;
    state = s;
    ptr += 8;
  }
  while (ptr < end) {
    state = step(state, <u32>load<u8>(ptr)) & STATE_BITS;
    if (state == S_REJECT) {
      dfaStoppedAt = ptr;
      return S_REJECT;
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

// The vectors the SIMD check needs, loaded into locals once per call. Written as v128 constants inside
// the loop, V8 (11.3) rebuilds each one from immediates on every iteration (seen with --print-wasm-code:
// three instructions per constant, more than the check itself); a load before the loop keeps them in
// registers, and Binaryen cannot fold a load back into a constant.
const simdConstants = memory.data<u8>([
  // firstHigh: the high nibble of the first byte of a pair.
  TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, // 0-7: ASCII
  TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, // 8-B: continuation
  TOO_SHORT | OVERLONG_2, // C
  TOO_SHORT, // D
  TOO_SHORT | OVERLONG_3 | SURROGATE, // E
  TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4, // F
  // firstLow: the low nibble of the first byte.
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
  // secondHigh: the high nibble of the second byte.
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, // 0-7
  TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4, // 8
  TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE, // 9
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, // A
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, // B
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, // C-F
  // incompleteLimit: bytes that may begin a sequence not finished within their block are the last
  // byte >= C0, the one before >= E0, the one before that >= F0 (saturating subtraction leaves them > 0).
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0 - 1, 0xe0 - 1, 0xc0 - 1,
  // nibble mask
  0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
  // Third-byte bias: a byte two back >= E0 stays >= 80 after a saturating subtraction of E0 - 80.
  0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60,
  // Fourth-byte bias: a byte three back >= F0 stays >= 80 after subtracting F0 - 80.
  0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70,
  // The high bit of every byte.
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
], 16);
const FIRST_HIGH: usize = 0;
const FIRST_LOW: usize = 16;
const SECOND_HIGH: usize = 32;
const INCOMPLETE_LIMIT: usize = 48;
const NIBBLE: usize = 64;
const THIRD_BIAS: usize = 80;
const FOURTH_BIAS: usize = 96;
const HIGH_BITS: usize = 112;

/**
 * The error vector of the lookup method for block `input` preceded by block `prev`: nonzero lanes mark a
 * byte that, with the three before it, cannot be UTF-8. An open sequence at the end of `input` is not an
 * error here (the next block, or the DFA at the end, judges it).
 */
@inline
function blockErrors(
  prev: v128, input: v128,
  firstHigh: v128, firstLow: v128, secondHigh: v128, nibble: v128, thirdBias: v128, fourthBias: v128, highBits: v128,
): v128 {
  const prev1 = i8x16.shuffle(prev, input, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
  const prev2 = i8x16.shuffle(prev, input, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
  const prev3 = i8x16.shuffle(prev, input, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28);
  // i8x16.shr_u costs V8 a freshly built mask per use; a 16-bit shift and the nibble mask do the same.
  const special = v128.and(
    v128.and(
      i8x16.swizzle(firstHigh, v128.and(i16x8.shr_u(prev1, 4), nibble)),
      i8x16.swizzle(firstLow, v128.and(prev1, nibble)),
    ),
    i8x16.swizzle(secondHigh, v128.and(i16x8.shr_u(input, 4), nibble)),
  );
  // Where a third or fourth byte must be, TWO_CONTS is expected; anywhere else it is an error.
  const mustBeCont = v128.and(v128.or(i8x16.sub_sat_u(prev2, thirdBias), i8x16.sub_sat_u(prev3, fourthBias)), highBits);
  return v128.xor(mustBeCont, special);
}

/**
 * Validates [ptr, ptr+len), len >= 16, with the SIMD check from a code point boundary; see validateUtf8At.
 * Inlined into it: the call and second frame cost ~1.5 ns of the ~12 a 16-byte text takes in place.
 */
@inline
function validateSimd(ptr: usize, len: usize, state: u32): i32 {
  const end = ptr + len;
  const start = ptr;
  // A code point left open by the previous call is finished by the DFA first.
  if (state != S_ACCEPT) {
    while (ptr < end) {
      state = step(state, <u32>load<u8>(ptr)) & STATE_BITS;
      if (state == S_REJECT) return finish(state, ptr, start);
      ptr++;
      if (state == S_ACCEPT) break;
    }
    if (state != S_ACCEPT) return finish(state, end, start);
  }
  // Too short for a block, or (only with a pointer below 32) no room to read the block before the last.
  if (end - ptr < 16 || end < 32) {
    state = dfaRun(ptr, end, S_ACCEPT);
    return finish(state, dfaStoppedAt, start);
  }

  const firstHigh = v128.load(simdConstants, FIRST_HIGH);
  const firstLow = v128.load(simdConstants, FIRST_LOW);
  const secondHigh = v128.load(simdConstants, SECOND_HIGH);
  const incompleteLimit = v128.load(simdConstants, INCOMPLETE_LIMIT);
  const nibble = v128.load(simdConstants, NIBBLE);
  const thirdBias = v128.load(simdConstants, THIRD_BIAS);
  const fourthBias = v128.load(simdConstants, FOURTH_BIAS);
  const highBits = v128.load(simdConstants, HIGH_BITS);

  const vectorStart = ptr;
  let prev = i8x16.splat(0);
  // 64 bytes per iteration: one ASCII test for four blocks, then an error test per two blocks. Testing
  // all four at once let V8 interleave them and spill to the stack: 5.2 GB/s on mixed text, against 6.9
  // in halves (and 64-byte ASCII steps keep ASCII at 40 GB/s, where 32-byte steps gave 25).
  while (ptr + 64 <= end) {
    const a = v128.load(ptr);
    const b = v128.load(ptr, 16);
    const c = v128.load(ptr, 32);
    const d = v128.load(ptr, 48);
    if (i8x16.bitmask(v128.or(v128.or(a, b), v128.or(c, d))) == 0) {
      // All ASCII: the only possible error is a sequence the previous block left open.
      if (v128.any_true(i8x16.sub_sat_u(prev, incompleteLimit))) return failFrom(ptr, vectorStart, end, start);
    } else {
      let error = blockErrors(prev, a, firstHigh, firstLow, secondHigh, nibble, thirdBias, fourthBias, highBits);
      error = v128.or(error, blockErrors(a, b, firstHigh, firstLow, secondHigh, nibble, thirdBias, fourthBias, highBits));
      if (v128.any_true(error)) return failFrom(ptr, vectorStart, end, start);
      error = blockErrors(b, c, firstHigh, firstLow, secondHigh, nibble, thirdBias, fourthBias, highBits);
      error = v128.or(error, blockErrors(c, d, firstHigh, firstLow, secondHigh, nibble, thirdBias, fourthBias, highBits));
      if (v128.any_true(error)) return failFrom(ptr + 32, vectorStart, end, start);
    }
    prev = d;
    ptr += 64;
  }
  while (ptr + 16 <= end) {
    const input = v128.load(ptr);
    const error = i8x16.bitmask(input) == 0
      ? i8x16.sub_sat_u(prev, incompleteLimit)
      : blockErrors(prev, input, firstHigh, firstLow, secondHigh, nibble, thirdBias, fourthBias, highBits);
    if (v128.any_true(error)) return failFrom(ptr, vectorStart, end, start);
    prev = input;
    ptr += 16;
  }
  if (ptr < end) {
    // The last bytes: one more block ending at `end`, overlapping bytes already checked (the DFA would
    // take up to 15 bytes one at a time). The block before it comes from memory; any part of it before
    // vectorStart lies before a code point boundary and counts as ASCII (zero).
    const lastBlock = end - 16;
    let before = v128.load(lastBlock - 16);
    if (lastBlock - 16 < vectorStart) {
      const kept = i8x16.splat(<i8>(vectorStart - (lastBlock - 16) - 1));
      before = v128.and(before, i8x16.gt_s(i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), kept));
    }
    prev = v128.load(lastBlock);
    const error = blockErrors(before, prev, firstHigh, firstLow, secondHigh, nibble, thirdBias, fourthBias, highBits);
    if (v128.any_true(error)) return failFrom(ptr, vectorStart, end, start);
  }
  // Every byte is clean and `prev` ends at `end`. Only a code point still open there remains: none when
  // no lead byte sits too close to the end, else the DFA gives its state.
  if (!v128.any_true(i8x16.sub_sat_u(prev, incompleteLimit))) return finish(S_ACCEPT, end, start);
  state = dfaRun(openSequenceStart(end, vectorStart), end, S_ACCEPT);
  return finish(state, dfaStoppedAt, start);
}

/** The SIMD check failed in the blocks from `at`: the DFA finds the exact byte, from the code point open there. */
function failFrom(at: usize, vectorStart: usize, end: usize, start: usize): i32 {
  const state = dfaRun(openSequenceStart(at, vectorStart), end, S_ACCEPT);
  return finish(state, dfaStoppedAt, start);
}

@inline
function finish(state: u32, stoppedAt: usize, start: usize): i32 {
  store<u32>(SLOT_UTF8_STATE, state ^ S_ACCEPT);
  return state == S_REJECT ? <i32>(stoppedAt - start) : -1;
}

/**
 * Validates [ptr, ptr+len) continuing from `state` (UTF8_ACCEPT for a fresh text). Returns -1 when no
 * byte is invalid, or the offset of the first invalid byte. The state after the run is written to
 * SLOT_UTF8_STATE: UTF8_ACCEPT at a code point boundary, UTF8_REJECT after an error, else mid code point.
 */
export function validateUtf8At(ptr: usize, len: usize, state: u32): i32 {
  state = (state ^ S_ACCEPT) & STATE_BITS;
  if (state == S_REJECT) return finish(state, ptr, ptr);
  if (ASC_FEATURE_SIMD) {
    if (len >= 16) {
      // 16-32 bytes of ASCII at a code point boundary (short chat and JSON messages): two loads cover
      // them all, and nothing else is needed (validateSimd's setup costs more than this test).
      if (state == S_ACCEPT && len <= 32 && i8x16.bitmask(v128.or(v128.load(ptr), v128.load(ptr + len - 16))) == 0) {
        return finish(S_ACCEPT, ptr + len, ptr);
      }
      return validateSimd(ptr, len, state);
    }
  }
  state = dfaRun(ptr, ptr + len, state);
  return finish(state, dfaStoppedAt, ptr);
}
