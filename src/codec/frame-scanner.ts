// The batch frame scanner in JavaScript: the reference for assembly/scan.ts. It scans in place, so payload
// offsets index the input itself. Its per-payload work (masking, UTF-8) is pluggable: with the JS twins
// it is the reference; with the dispatcher's operations it handles frames too large for the staging area.

import {
  type DecodeError,
  DecodeOption,
  DecodeResult,
  HeaderBits,
  isDecodeError,
  MessageState,
  Opcode,
  ScanStatus,
} from './constants.js';
import { decodeHeaderJs } from './frame-header.js';
import { xorMaskJs } from './mask.js';
import { FRAME_ENTRY_WORDS, type ScanOutcome } from './scan-outcome.js';
import { UTF8_ACCEPT, type Utf8Run, utf8InvalidAt, validateUtf8Js } from './utf8.js';

/** The payload work a scan does per frame: masking and UTF-8 validation, from either backend. */
export interface PayloadOps {
  mask(bytes: Uint8Array, start: number, end: number, keyWord: number, phase: number): void;
  /** Returns the state after the run, or a negative Utf8Run naming the first invalid byte (utf8.ts). */
  validateUtf8(bytes: Uint8Array, start: number, end: number, state: number): Utf8Run;
}

/** The pure-JavaScript payload work: the reference. */
export const jsPayloadOps: PayloadOps = {
  mask: xorMaskJs,
  validateUtf8: validateUtf8Js,
};

/**
 * Scans bytes[start, end) for complete frames: checks each header and the fragment sequence (RFC 6455
 * section 5.4), unmasks payloads in place, validates uncompressed text, and fills `out` (its JS table;
 * `source` is `bytes`, so source offsets are input offsets).
 */
export function scanFramesJs(
  bytes: Uint8Array,
  start: number,
  end: number,
  options: number,
  state: number,
  out: ScanOutcome,
  ops: PayloadOps = jsPayloadOps,
): void {
  const header = out.header;
  const table = out.jsTable;
  const capacity = table.length / FRAME_ENTRY_WORDS;
  out.table = table;
  out.source = bytes;
  out.inLinearMemory = false;
  out.sourceToInput = 0;
  out.end = end;
  let pos = start;
  let count = 0;
  let status: ScanStatus = ScanStatus.COMPLETE;
  for (;;) {
    if (count === capacity) {
      status = ScanStatus.TABLE_FULL;
      break;
    }
    const headerLength = decodeHeaderJs(bytes, pos, end, options, header);
    if (headerLength === DecodeResult.NEED_MORE) break;
    if (isDecodeError(headerLength)) {
      status = fail(out, headerLength, pos);
      break;
    }
    const byte0 = header.byte0;
    const opcode = byte0 & HeaderBits.OPCODE;
    const isData = opcode < 0x8;
    const fragmentOpcode = state & MessageState.OPCODE_BITS;
    const sequence = sequenceError(byte0, state);
    if (sequence !== 0) {
      status = fail(out, sequence, pos);
      break;
    }

    const payloadStart = pos + headerLength;
    const payloadLength = header.payloadLength;
    if (payloadLength > end - payloadStart) {
      status = ScanStatus.PARTIAL;
      break;
    }
    const payloadEnd = payloadStart + payloadLength;
    if (header.byte1 & HeaderBits.MASK) ops.mask(bytes, payloadStart, payloadEnd, header.maskKey, 0);

    if (isData) {
      let messageState = fragmentOpcode !== 0 ? state : startMessageState(byte0);
      if (options & DecodeOption.VALIDATE_UTF8 && isPlainText(messageState)) {
        const run = ops.validateUtf8(
          bytes,
          payloadStart,
          payloadEnd,
          (messageState >>> MessageState.UTF8_SHIFT) & 0xff,
        );
        if (run < 0) {
          status = fail(out, DecodeResult.INVALID_UTF8, utf8InvalidAt(run));
          break;
        }
        if (byte0 & HeaderBits.FIN && run !== UTF8_ACCEPT) {
          status = fail(out, DecodeResult.INVALID_UTF8, payloadEnd);
          break;
        }
        messageState = (messageState & 0xff) | (run << MessageState.UTF8_SHIFT);
      }
      state = byte0 & HeaderBits.FIN ? 0 : messageState;
    }

    const entry = count * FRAME_ENTRY_WORDS;
    table[entry] = payloadStart;
    table[entry + 1] = payloadLength;
    table[entry + 2] = byte0;
    count++;
    pos = payloadEnd;
  }
  out.count = count;
  out.status = status;
  out.next = pos;
  out.state = state;
}

function fail(out: ScanOutcome, error: DecodeError, at: number): ScanStatus {
  out.error = error;
  out.errorAt = at;
  return ScanStatus.ERROR;
}

/**
 * RFC 6455 section 5.4: a continuation frame needs a fragmented message in progress, and a new data frame
 * must not start inside one. Returns the DecodeError for byte0 in message state `state`, or 0.
 */
export function sequenceError(byte0: number, state: number): DecodeError | 0 {
  const opcode = byte0 & HeaderBits.OPCODE;
  if (opcode >= 0x8) return 0;
  const inMessage = (state & MessageState.OPCODE_BITS) !== 0;
  if (opcode === Opcode.CONTINUATION) return inMessage ? 0 : DecodeResult.UNEXPECTED_CONTINUATION;
  return inMessage ? DecodeResult.EXPECTED_CONTINUATION : 0;
}

/** The message state a message's first frame sets: its opcode, and whether it is compressed (RSV1). */
export function startMessageState(byte0: number): number {
  return (byte0 & HeaderBits.OPCODE) | (byte0 & HeaderBits.RSV1 ? MessageState.COMPRESSED_BIT : 0);
}

/** True when the message in `messageState` is uncompressed text, whose UTF-8 is checked as it arrives. */
export function isPlainText(messageState: number): boolean {
  return (
    (messageState & MessageState.OPCODE_BITS) === Opcode.TEXT && (messageState & MessageState.COMPRESSED_BIT) === 0
  );
}
