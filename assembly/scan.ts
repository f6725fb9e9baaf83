// The batch scanner: every complete frame in a region of received bytes, in one call.
//
// For each frame it decodes and checks the header, checks the fragment sequence (RFC 6455 section 5.4),
// unmasks the payload in place and validates the UTF-8 of text, then writes a frame-table entry. It stops
// at the end of the bytes, inside a frame whose payload has not all arrived (SCAN_PARTIAL, with that
// frame's header in the header slots, already checked), at a protocol error, or when the table is full.
// Frames before the stop are complete and valid; the caller keeps the bytes from SLOT_SCAN_NEXT on.

import {
  DECODE_VALIDATE_UTF8, ERR_EXPECTED_CONTINUATION, ERR_INVALID_UTF8, ERR_UNEXPECTED_CONTINUATION,
  FIN_BIT, MASK_BIT, OPCODE_BITS, OPCODE_CONTINUATION, OPCODE_TEXT, RSV1_BIT, STATE_COMPRESSED_BIT,
  STATE_OPCODE_BITS, STATE_UTF8_SHIFT,
} from './constants';
import { decodeHeaderAt } from './header';
import {
  FRAME_ENTRY_SIZE, FRAME_TABLE_CAPACITY, FRAME_TABLE_PTR, SCAN_COMPLETE, SCAN_ERROR, SCAN_PARTIAL,
  SCAN_TABLE_FULL, SLOT_BYTE0, SLOT_BYTE1, SLOT_MASK_KEY, SLOT_PAYLOAD_LENGTH, SLOT_SCAN_ERROR,
  SLOT_SCAN_ERROR_AT, SLOT_SCAN_NEXT, SLOT_SCAN_STATE, SLOT_SCAN_STATUS, SLOT_UTF8_STATE,
} from './layout';
import { maskBytes } from './mask';
import { UTF8_ACCEPT, validateUtf8At } from './utf8';

@inline
function stop(status: u32, next: usize, state: u32, count: u32): u32 {
  store<u32>(SLOT_SCAN_STATUS, status);
  store<u32>(SLOT_SCAN_NEXT, <u32>next);
  store<u32>(SLOT_SCAN_STATE, state);
  return count;
}

@inline
function fail(error: i32, at: usize, next: usize, state: u32, count: u32): u32 {
  store<i32>(SLOT_SCAN_ERROR, error);
  store<u32>(SLOT_SCAN_ERROR_AT, <u32>at);
  return stop(SCAN_ERROR, next, state, count);
}

/**
 * Scans [ptr, ptr+len) with decoder `options` and the connection's message `state`; returns the number
 * of frame-table entries written. Outcome, next offset and new state are in the scanner slots.
 */
export function scanFrames(ptr: usize, len: usize, options: u32, state: u32): u32 {
  const end = ptr + len;
  let pos = ptr;
  let count: u32 = 0;
  while (true) {
    if (count == FRAME_TABLE_CAPACITY) return stop(SCAN_TABLE_FULL, pos, state, count);
    const headerLength = decodeHeaderAt(pos, end - pos, options);
    if (headerLength == 0) return stop(SCAN_COMPLETE, pos, state, count);
    if (headerLength < 0) return fail(headerLength, pos, pos, state, count);

    const byte0 = <u32>load<u8>(SLOT_BYTE0);
    const opcode = byte0 & OPCODE_BITS;
    const isData = opcode < 0x8;
    const fragmentOpcode = state & STATE_OPCODE_BITS;
    if (isData) {
      if (opcode == OPCODE_CONTINUATION) {
        if (fragmentOpcode == 0) return fail(ERR_UNEXPECTED_CONTINUATION, pos, pos, state, count);
      } else if (fragmentOpcode != 0) {
        return fail(ERR_EXPECTED_CONTINUATION, pos, pos, state, count);
      }
    }

    const payloadPtr = pos + <usize>headerLength;
    const payloadLength = load<f64>(SLOT_PAYLOAD_LENGTH);
    if (payloadLength > <f64>(end - payloadPtr)) return stop(SCAN_PARTIAL, pos, state, count);
    const payloadLen = <usize>payloadLength;

    if ((load<u8>(SLOT_BYTE1) & MASK_BIT) != 0) {
      maskBytes(payloadPtr, payloadLen, load<u32>(SLOT_MASK_KEY), 0);
    }

    if (isData) {
      // The opcode and compression of a message are those of its first frame.
      let messageState = fragmentOpcode != 0
        ? state
        : opcode | ((byte0 & RSV1_BIT) != 0 ? STATE_COMPRESSED_BIT : 0);
      const checkUtf8 = (options & DECODE_VALIDATE_UTF8) != 0
        && (messageState & STATE_OPCODE_BITS) == OPCODE_TEXT
        && (messageState & STATE_COMPRESSED_BIT) == 0;
      if (checkUtf8) {
        const bad = validateUtf8At(payloadPtr, payloadLen, (messageState >>> STATE_UTF8_SHIFT) & 0xff);
        if (bad >= 0) return fail(ERR_INVALID_UTF8, payloadPtr + <usize>bad, pos, state, count);
        const utf8State = load<u32>(SLOT_UTF8_STATE);
        if ((byte0 & FIN_BIT) != 0 && utf8State != UTF8_ACCEPT) {
          return fail(ERR_INVALID_UTF8, payloadPtr + payloadLen, pos, state, count);
        }
        messageState = (messageState & 0xff) | (utf8State << STATE_UTF8_SHIFT);
      }
      state = (byte0 & FIN_BIT) != 0 ? 0 : messageState;
    }

    const entry = FRAME_TABLE_PTR + <usize>count * FRAME_ENTRY_SIZE;
    store<u32>(entry, <u32>payloadPtr);
    store<u32>(entry, <u32>payloadLen, 4);
    store<u32>(entry, byte0, 8);
    count++;
    pos = payloadPtr + payloadLen;
  }
}
