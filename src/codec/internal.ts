// The codec as src/protocol sees it: the one codec module protocol imports (biome.json enforces it), and
// the seam between the two layers written down. Re-exports only.
//
// What crosses the seam, and the rules it keeps:
// - Constants named after RFC 6455 (opcodes, header bits, close codes) and the decoder's own words
//   (DecodeOption bits, DecodeResult, the MessageState word the scanner carries between chunks).
// - scanChunk: decodes a received chunk with the backend the dispatcher picks, into a reused ScanOutcome
//   whose coordinates ScanOutcome states (input offsets, and payload offsets into `source`). Protocol
//   never chooses between JS and WASM itself.
// - Payload work dispatched by size: mask, maskInto, validateUtf8. validateUtf8 answers in one number
//   (Utf8Run: the state after the run, or where the first invalid byte is), never through a slot read later.
// - A lone header (one split across chunks): decodeHeaderJs into a DecodedHeader, with sequenceError,
//   startMessageState and isPlainText, the scanner's own rules for fragments, so both apply one rule.
// - Errors: ProtocolError, decodeError for a DecodeError (isDecodeError tells one from a length), and
//   ErrorCode, the one list of every error code string.

export {
  CloseCode,
  type DecodeError,
  DecodeOption,
  DecodeResult,
  HeaderBits,
  isDecodeError,
  MAX_CONTROL_PAYLOAD,
  MessageState,
  Opcode,
  ScanStatus,
} from './constants.js';
export { mask, maskInto, validateUtf8 } from './dispatch.js';
export { ErrorCode } from './error-codes.js';
export { decodeError, ProtocolError } from './errors.js';
export { DecodedHeader, decodeHeaderJs } from './frame-header.js';
export { isPlainText, sequenceError, startMessageState } from './frame-scanner.js';
export { copyPayloadsBack, scanChunk } from './scan-chunk.js';
export { FRAME_ENTRY_WORDS, type InputOffset, ScanOutcome, type SourceOffset } from './scan-outcome.js';
export { UTF8_ACCEPT, type Utf8Run, utf8InvalidAt } from './utf8.js';
