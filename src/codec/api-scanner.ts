import { type FrameHeader, toFrameHeader } from './api-header.js';
import { checkBytes, checkIndex } from './arguments.js';
import { ScanStatus } from './constants.js';
import { type DecodeOptions, decodeOptionBits } from './decode-options.js';
import { decodeError, type ProtocolError } from './errors.js';
import { copyPayloadsBack, scanChunk } from './scan-chunk.js';
import { FRAME_ENTRY_WORDS, ScanOutcome } from './scan-outcome.js';

/** What FrameScanner.scan found. */
export interface ScanResult {
  /** The number of complete frames. */
  count: number;
  /**
   * The frame table, FRAME_ENTRY_WORDS (4) numbers per frame: the payload's offset in the scanned bytes,
   * its length, header byte 0 (FIN 0x80, RSV 0x70, opcode 0x0f), and 0. Payloads are already unmasked.
   */
  frames: Uint32Array;
  /** Offset of the first byte not consumed: keep bytes from here and scan them again with more. */
  next: number;
  /** When the scan stopped inside a frame whose payload is still arriving: that frame's header. */
  partial: FrameHeader | null;
  /** The protocol error the scan stopped at, after `count` good frames; the scanner must then be reset. */
  error: ProtocolError | null;
}

/**
 * Decodes every complete frame in a buffer of received bytes in one pass: headers checked, fragment
 * sequence checked, payloads unmasked in place, text validated as UTF-8 (fail-fast, across fragments).
 * The scanner carries the state of a fragmented message from one scan to the next.
 */
export class FrameScanner {
  private readonly options: number;
  private readonly outcome = new ScanOutcome();
  private state = 0;

  constructor(options?: DecodeOptions) {
    this.options = decodeOptionBits(options);
  }

  scan(bytes: Uint8Array, offset = 0): ScanResult {
    checkBytes(bytes, 'bytes');
    checkIndex(offset, 'offset', bytes.length);
    const out = this.outcome;
    const end = bytes.length;
    const frames: number[] = [];
    let pos = offset;
    let jsOnly = false;
    for (;;) {
      scanChunk(bytes, pos, this.options, this.state, out, jsOnly);
      // Hand back the unmasked payloads in the caller's bytes, with offsets into them.
      copyPayloadsBack(bytes, pos, out);
      const table = out.table;
      const toInput = out.sourceToInput;
      for (let i = 0; i < out.count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
        frames.push(table[i] + toInput, table[i + 1], table[i + 2], 0);
      }
      if (out.status === ScanStatus.ERROR) break;
      this.state = out.state;
      // The WASM backend scans at most its staging area's worth.
      const truncated = out.end < end;
      if (out.status === ScanStatus.TABLE_FULL || (truncated && out.next > pos)) {
        pos = out.next;
        continue;
      }
      if (truncated) {
        // A frame too large for the staging area starts here: the JS walker takes the rest of this
        // buffer, with masking and UTF-8 still dispatched to WASM by size.
        jsOnly = true;
        continue;
      }
      break;
    }
    return {
      count: frames.length / FRAME_ENTRY_WORDS,
      frames: Uint32Array.from(frames),
      next: out.next,
      partial: out.status === ScanStatus.PARTIAL ? toFrameHeader(out.header) : null,
      error: out.status === ScanStatus.ERROR ? decodeError(out.error) : null,
    };
  }

  /** Forgets any fragmented message in progress (after an error, or to reuse the scanner). */
  reset(): void {
    this.state = 0;
  }
}
