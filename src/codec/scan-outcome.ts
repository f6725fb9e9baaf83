import { ScanStatus } from './constants.js';
import { HeaderFields } from './frame-header.js';

/** Frame-table entries per scan, as in the WASM layout (assembly/layout.ts FRAME_TABLE_CAPACITY). */
export const FRAME_TABLE_CAPACITY = 4096;
/** u32 words per frame-table entry: payload offset, payload length, header byte 0, unused. */
export const FRAME_ENTRY_WORDS = 4;

/**
 * What one scan found. Both backends fill the same shape; one instance is reused across scans, so its
 * contents (and the payload bytes in `source`) are valid only until the next scan.
 */
export class ScanOutcome {
  /** Complete frames found. */
  count = 0;
  status: ScanStatus = ScanStatus.COMPLETE;
  /** Offset into the scanned input of the first byte not consumed. */
  next = 0;
  /** The DecodeResult error when status is ERROR. */
  error = 0;
  /** Offset into the scanned input where the error is (the invalid byte, for UTF-8). */
  errorAt = 0;
  /** The message state word after the last complete frame (see MessageState). */
  state = 0;
  /** When status is PARTIAL: the header of the frame the scan stopped inside, already checked. */
  readonly header = new HeaderFields();
  /** FRAME_ENTRY_WORDS words per frame; payload offsets index `source`. */
  table: Uint32Array;
  /** The bytes that hold the unmasked payloads. */
  source: Uint8Array;

  constructor(table: Uint32Array, source: Uint8Array) {
    this.table = table;
    this.source = source;
  }
}
