// Typed wrappers over one instance of the kernels: copy in, call, copy out.
//
// The wrapper owns linear memory. Caller data goes through the fixed staging area in pieces of at most
// STAGING_SIZE bytes, so memory never grows with input size. It keeps one set of views over memory and
// rebuilds them only when memory.buffer changes (a grown memory detaches the old buffer, which shows as
// a zero byteLength: a cheaper test than comparing buffers on every call). Results are read only from
// the regions the current call wrote, so no byte of an earlier call can surface.
//
// What a call costs besides the kernel is mostly copies and typed-array views
// (docs/measurements.md#wrapper-costs): so views of linear memory are made from the buffer held here, and
// the one that copies results out of staging is kept for the next call of the same size (a run of equal
// sizes is the common case: one message size, or the staging size for large inputs).

import { type KernelExports, Slot, type WasmVariant } from './exports.js';

/** Where decodeHeader leaves a header (codec's DecodedHeader has this shape). */
export interface HeaderTarget {
  byte0: number;
  byte1: number;
  headerLength: number;
  maskKey: number;
  payloadLength: number;
}

/** Where scan leaves its outcome (codec's ScanOutcome has this shape). */
export interface ScanTarget {
  count: number;
  status: number;
  next: number;
  error: number;
  errorAt: number;
  state: number;
  readonly header: HeaderTarget;
  table: Uint32Array;
  source: Uint8Array;
  end: number;
  inLinearMemory: boolean;
  sourceToInput: number;
}

const SCAN_PARTIAL = 1;

/**
 * The most bytes mask and maskInto pass through staging at once: the caller's piece and its copy in
 * staging together fit a 48 KiB L1 data cache, where one piece of 64 KiB or more ran at about half of
 * bufferutil's speed (docs/measurements.md#mask-pieces). A multiple of 4, so pieces keep the key's phase.
 */
export const MASK_PIECE_BYTES = 16 << 10;

/** data[start, start+n): data itself when that is all of it, else a view. */
function piece(data: Uint8Array, start: number, n: number): Uint8Array {
  return n === data.length ? data : data.subarray(start, start + n);
}

export class WasmKernels {
  readonly variant: WasmVariant;
  /** The most bytes one call can take. */
  readonly stagingSize: number;
  private readonly wasm: KernelExports;
  // The hot exports, read once: a field load costs less than a property load on the exports object.
  private readonly maskKernel: KernelExports['maskBytes'];
  private readonly validateKernel: KernelExports['validateUtf8'];
  private readonly stagingPtr: number;
  private readonly slotsPtr: number;
  private readonly tablePtr: number;
  private readonly tableWords: number;
  private buffer: ArrayBuffer;
  private bytes: Uint8Array;
  private slotWords: Uint32Array;
  private slotFloats: Float64Array;
  private table: Uint32Array;
  /** staging[0, n) as the last copy out needed it; rebuilt when n changes or memory grows. */
  private stagingOut: Uint8Array;

  constructor(wasm: KernelExports) {
    if (!wasm.layoutIsSound()) throw new Error('wasmsocket: the WebAssembly module was built with a broken layout');
    this.wasm = wasm;
    this.maskKernel = wasm.maskBytes;
    this.validateKernel = wasm.validateUtf8;
    this.variant = wasm.usesSimd() ? 'simd' : 'scalar';
    this.stagingPtr = wasm.STAGING_PTR.value;
    this.stagingSize = wasm.STAGING_SIZE.value;
    this.slotsPtr = wasm.SLOTS_PTR.value;
    this.tablePtr = wasm.FRAME_TABLE_PTR.value;
    this.tableWords = (wasm.FRAME_TABLE_CAPACITY.value * wasm.FRAME_ENTRY_SIZE.value) / 4;
    const buffer = wasm.memory.buffer;
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.slotWords = new Uint32Array(buffer, this.slotsPtr, 16);
    this.slotFloats = new Float64Array(buffer, this.slotsPtr, 8);
    this.table = new Uint32Array(buffer, this.tablePtr, this.tableWords);
    this.stagingOut = new Uint8Array(buffer, this.stagingPtr, 0);
  }

  /** The views over linear memory, rebuilt if memory has grown since they were made. */
  private memory(): Uint8Array {
    if (this.bytes.byteLength === 0) {
      const buffer = this.wasm.memory.buffer;
      this.buffer = buffer;
      this.bytes = new Uint8Array(buffer);
      this.slotWords = new Uint32Array(buffer, this.slotsPtr, 16);
      this.slotFloats = new Float64Array(buffer, this.slotsPtr, 8);
      this.table = new Uint32Array(buffer, this.tablePtr, this.tableWords);
    }
    return this.bytes;
  }

  /** Copies data[start, start+n) to staging (n at most stagingSize). */
  private copyIn(data: Uint8Array, start: number, n: number): void {
    this.memory().set(piece(data, start, n), this.stagingPtr);
  }

  /** A view of staging[0, n): the one from the last call when n is the same and memory has not grown. */
  private stagingView(n: number): Uint8Array {
    let view = this.stagingOut;
    // A view over a detached (grown) buffer has length 0, so this also catches growth.
    if (view.length !== n) {
      this.memory();
      view = new Uint8Array(this.buffer, this.stagingPtr, n);
      this.stagingOut = view;
    }
    return view;
  }

  /**
   * XORs data[start, end) in place with the key word (byte `phase` first), through staging, in pieces of
   * at most MASK_PIECE_BYTES so that each piece stays in the L1 cache between its copy in, the kernel and
   * its copy out (docs/measurements.md#mask-pieces).
   */
  mask(data: Uint8Array, start: number, end: number, keyWord: number, phase: number): void {
    const n = end - start;
    if (n > MASK_PIECE_BYTES || n <= 0) {
      this.maskInPieces(data, start, end, keyWord, phase);
      return;
    }
    // One piece, the common case, with no more checks than it needs: a staging view of this length that
    // is still attached means memory has not grown since it was made, so `bytes` is current too
    // (stagingView refreshes both). This path costs ~15 ns less than the general loop below, about a fifth
    // of a 256 B call (docs/measurements.md#mask-pieces).
    let out = this.stagingOut;
    if (out.length !== n) out = this.stagingView(n);
    const staging = this.stagingPtr;
    this.bytes.set(n === data.length ? data : data.subarray(start, end), staging);
    this.maskKernel(staging, n, keyWord, phase & 3);
    data.set(out, start);
  }

  private maskInPieces(data: Uint8Array, start: number, end: number, keyWord: number, phase: number): void {
    const staging = this.stagingPtr;
    for (let at = start; at < end; at += MASK_PIECE_BYTES) {
      const n = Math.min(end - at, MASK_PIECE_BYTES);
      this.copyIn(data, at, n);
      this.maskKernel(staging, n, keyWord, (phase + (at - start)) & 3);
      data.set(this.stagingView(n), at);
    }
  }

  /**
   * Writes src[srcStart, srcEnd) XORed with the key word (byte `phase` first) into dest at destStart:
   * the copy a masked send or a large received frame needs anyway, with the XOR done in staging (in
   * pieces, as mask).
   */
  maskInto(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dest: Uint8Array,
    destStart: number,
    keyWord: number,
    phase: number,
  ): void {
    const staging = this.stagingPtr;
    for (let at = srcStart; at < srcEnd; at += MASK_PIECE_BYTES) {
      const n = Math.min(srcEnd - at, MASK_PIECE_BYTES);
      this.copyIn(src, at, n);
      this.maskKernel(staging, n, keyWord, (phase + (at - srcStart)) & 3);
      dest.set(this.stagingView(n), destStart + (at - srcStart));
    }
  }

  /**
   * Validates data[start, end) as UTF-8 continuing from `state`. Returns what codec's validateUtf8Js does
   * (src/codec/utf8.ts, Utf8Run): the DFA state after the run (>= 0), or -1 - the index in data of the first
   * invalid byte. The state comes back through a result slot of linear memory and is read here, at once.
   */
  validateUtf8(data: Uint8Array, start: number, end: number, state: number): number {
    const staging = this.stagingPtr;
    let at = start;
    // Every piece but the last fills staging; the last (often the only one) may be empty, so that a
    // rejected state still reports its error at `start` when there is nothing to copy.
    for (; end - at > this.stagingSize; at += this.stagingSize) {
      this.copyIn(data, at, this.stagingSize);
      const bad = this.validateKernel(staging, this.stagingSize, state);
      if (bad >= 0) return -1 - (at + bad);
      state = this.slotWords[Slot.UTF8_STATE >> 2];
    }
    const n = end - at;
    this.copyIn(data, at, n);
    const bad = this.validateKernel(staging, n, state);
    return bad >= 0 ? -1 - (at + bad) : this.slotWords[Slot.UTF8_STATE >> 2];
  }

  /** Decodes the header at data[offset, end) into `out`; the result is as decodeHeaderJs's. */
  decodeHeader(data: Uint8Array, offset: number, end: number, options: number, out: HeaderTarget): number {
    const memory = this.memory();
    const n = Math.min(end - offset, 14);
    // At most 14 bytes: a byte loop costs less than a view plus Uint8Array#set.
    const staging = this.stagingPtr;
    for (let i = 0; i < n; i++) memory[staging + i] = data[offset + i];
    const result = this.wasm.decodeHeader(this.stagingPtr, n, options);
    if (result > 0) this.readHeader(out);
    return result;
  }

  private readHeader(out: HeaderTarget): void {
    const slots = this.slotsPtr;
    const memory = this.bytes;
    out.byte0 = memory[slots + Slot.BYTE0];
    out.byte1 = memory[slots + Slot.BYTE1];
    out.headerLength = memory[slots + Slot.HEADER_LENGTH];
    out.maskKey = this.slotWords[Slot.MASK_KEY >> 2];
    out.payloadLength = this.slotFloats[Slot.PAYLOAD_LENGTH >> 3];
  }

  /** Copies data[start, end) into the staging area at `at` (start + at must not pass stagingSize). */
  stage(data: Uint8Array, start: number, end: number, at: number): void {
    this.memory().set(piece(data, start, end - start), this.stagingPtr + at);
  }

  /**
   * Scans the first `len` staged bytes. `out.next`, `out.errorAt` and `out.end` count from the start of
   * staging plus `base`; table payload offsets index `out.source`, a view of linear memory valid until the
   * next call into this instance (codec's ScanOutcome states the rule).
   */
  scanStaged(len: number, options: number, state: number, base: number, out: ScanTarget): void {
    const memory = this.memory();
    const staging = this.stagingPtr;
    const count = this.wasm.scanFrames(staging, len, options, state);
    const slots = this.slotWords;
    out.count = count;
    out.status = slots[Slot.SCAN_STATUS >> 2];
    out.next = slots[Slot.SCAN_NEXT >> 2] - staging + base;
    out.state = slots[Slot.SCAN_STATE >> 2];
    out.error = slots[Slot.SCAN_ERROR >> 2] | 0;
    out.errorAt = slots[Slot.SCAN_ERROR_AT >> 2] - staging + base;
    out.end = base + len;
    out.table = this.table;
    out.source = memory;
    out.inLinearMemory = true;
    out.sourceToInput = base - staging;
    if (out.status === SCAN_PARTIAL) this.readHeader(out.header);
  }

  /** Scans data[start, end) (at most stagingSize bytes of it) through staging; see scanStaged. */
  scan(data: Uint8Array, start: number, end: number, options: number, state: number, out: ScanTarget): void {
    const len = Math.min(end - start, this.stagingSize);
    this.stage(data, start, start + len, 0);
    this.scanStaged(len, options, state, start, out);
  }

  /** Copies memory[from, from+len) back into data at `at` (used to return unmasked bytes in place). */
  copyOut(from: number, len: number, data: Uint8Array, at: number): void {
    this.memory();
    data.set(new Uint8Array(this.buffer, from, len), at);
  }

  /** Where staging begins in linear memory (table offsets minus this are offsets into what was staged). */
  get stagingOffset(): number {
    return this.stagingPtr;
  }
}
