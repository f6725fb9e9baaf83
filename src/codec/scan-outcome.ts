import { type DecodeError, DecodeResult, ScanStatus } from './constants.js';
import { DecodedHeader } from './frame-header.js';

/** Frame-table entries per scan, as in the WASM layout (assembly/layout.ts FRAME_TABLE_CAPACITY). */
export const FRAME_TABLE_CAPACITY = 4096;
/** u32 words per frame-table entry: payload offset, payload length, header byte 0, unused. */
export const FRAME_ENTRY_WORDS = 4;

/** An offset into the bytes that were scanned (the input given to scanChunk or a backend's scan). */
export type InputOffset = number;
/** An offset into ScanOutcome.source, where the unmasked payloads are. */
export type SourceOffset = number;

/**
 * What one scan found. Both backends fill the same shape; one instance is reused across scans, so its
 * contents (and the payload bytes in `source`) are valid only until the next scan.
 *
 * Coordinates, the rule every reader of an outcome follows:
 * - `next`, `errorAt` and `end` are InputOffsets: indexes into the scanned input, whichever backend ran.
 * - Payload offsets in `table` are SourceOffsets: indexes into `source`. After a JS scan `source` is the
 *   input itself (payloads unmasked in place) and `inLinearMemory` is false; after a WASM scan `source` is
 *   a view of linear memory (the input was copied into staging and is left untouched), `inLinearMemory` is
 *   true, and source offset p holds input byte p + sourceToInput.
 * So a payload is `source[p, p + length)` in either case, and `input[p + sourceToInput, ...)` once the WASM
 * backend's unmasked bytes have been copied back over the input (FrameScanner does that).
 */
export class ScanOutcome {
  /** Complete frames found. */
  count = 0;
  status: ScanStatus = ScanStatus.COMPLETE;
  /** InputOffset of the first byte not consumed (for ERROR: where the frame at fault starts). */
  next: InputOffset = 0;
  /**
   * When status is ERROR: what was wrong. Meaningless otherwise (it keeps the last error, or this first
   * value before any).
   */
  error: DecodeError = DecodeResult.RESERVED_OPCODE;
  /** When status is ERROR: InputOffset of the error (the invalid byte, for UTF-8). */
  errorAt: InputOffset = 0;
  /**
   * InputOffset where the scanned region ended: the input's end, or earlier when the WASM backend took
   * only as many bytes as its staging area holds. `next < end` with status COMPLETE means a header is
   * still arriving at the end of the region.
   */
  end: InputOffset = 0;
  /** The message state word after the last complete frame (see MessageState). */
  state = 0;
  /** When status is PARTIAL: the header of the frame the scan stopped inside, already checked. */
  readonly header = new DecodedHeader();
  /** FRAME_ENTRY_WORDS words per frame; payload offsets are SourceOffsets. */
  table: Uint32Array;
  /** The bytes that hold the unmasked payloads: the input (JS) or linear memory (WASM). */
  source: Uint8Array = new Uint8Array(0);
  /** True when `source` is linear memory: payloads must be copied out before anything else uses WASM. */
  inLinearMemory = false;
  /** Input offset minus source offset of the same byte: 0 after a JS scan. */
  sourceToInput = 0;
  /** The table the JS backend writes (the WASM backend points `table` at linear memory's own). */
  readonly jsTable: Uint32Array;

  /** `jsTableEntries`: room for the JS backend's frames per scan; 0 for an outcome only WASM fills. */
  constructor(jsTableEntries = FRAME_TABLE_CAPACITY) {
    this.jsTable = new Uint32Array(jsTableEntries * FRAME_ENTRY_WORDS);
    this.table = this.jsTable;
  }
}
