// A small DEFLATE decoder (RFC 1951) written for the tests, independent of zlib, that reports how far back
// each back-reference reaches. zlib's own inflate cannot tell whether a peer kept to its negotiated
// window: given the whole output at once it follows any distance. This decoder can, so the tests check
// RFC 7692 sections 7.1.1 and 7.1.2 on the compressed bytes themselves: no reference longer than
// 2^max_window_bits, and none into an earlier message under no_context_takeover.

export interface DeflateInspection {
  /** The decompressed bytes of this message. */
  output: Uint8Array;
  /** The longest back-reference distance used (0 when the data has none). */
  maxDistance: number;
  /** The most bytes a back-reference reached before the start of this message (into `history`). */
  maxReachIntoHistory: number;
  /** Whether a block with BFINAL set was seen. */
  sawFinalBlock: boolean;
}

/** RFC 1951 section 3.2.5: base lengths and extra bits of length codes 257..285. */
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Base distances and extra bits of distance codes 0..29. */
const DISTANCE_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/** Section 3.2.7: the order in which code-length code lengths are stored. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const END_OF_BLOCK = 256;

class BitReader {
  private at = 0;
  /** Bits read from the input and not yet used, least significant first, and how many. */
  private bitBuffer = 0;
  private bitCount = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** `count` (at most 16) bits, least significant first (section 3.1.1). */
  bits(count: number): number {
    while (this.bitCount < count) {
      if (this.at >= this.bytes.length) throw new RangeError('DEFLATE data ended inside a block');
      this.bitBuffer |= this.bytes[this.at++] << this.bitCount;
      this.bitCount += 8;
    }
    const value = this.bitBuffer & ((1 << count) - 1);
    this.bitBuffer >>>= count;
    this.bitCount -= count;
    return value;
  }

  /** Drops the rest of the current byte (the buffer never holds more than the byte being read). */
  alignToByte(): void {
    this.bitBuffer = 0;
    this.bitCount = 0;
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('DEFLATE data ended inside a stored block');
    return this.bytes[this.at++];
  }

  /** True when every bit has been read, at a byte boundary. */
  get exhausted(): boolean {
    return this.at >= this.bytes.length && this.bitCount === 0;
  }
}

/** A canonical Huffman code (section 3.2.2) decoded bit by bit: slow, and plain enough to trust. */
class Huffman {
  private readonly counts = new Array<number>(16).fill(0);
  private readonly symbols: number[] = [];

  constructor(lengths: readonly number[]) {
    for (const length of lengths) this.counts[length]++;
    this.counts[0] = 0;
    const offsets = [0, 0];
    for (let length = 1; length < 15; length++) offsets[length + 1] = offsets[length] + this.counts[length];
    lengths.forEach((length, symbol) => {
      if (length !== 0) this.symbols[offsets[length]++] = symbol;
    });
  }

  decode(reader: BitReader): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let length = 1; length <= 15; length++) {
      code |= reader.bits(1);
      const count = this.counts[length];
      if (code - first < count) return this.symbols[index + code - first];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new RangeError('invalid Huffman code');
  }
}

const FIXED_LITERALS = new Huffman([
  ...new Array(144).fill(8),
  ...new Array(112).fill(9),
  ...new Array(24).fill(7),
  ...new Array(8).fill(8),
]);
const FIXED_DISTANCES = new Huffman(new Array(30).fill(5));

function dynamicCodes(reader: BitReader): [Huffman, Huffman] {
  const literalCount = reader.bits(5) + 257;
  const distanceCount = reader.bits(5) + 1;
  const codeLengthCount = reader.bits(4) + 4;
  const codeLengthLengths = new Array<number>(19).fill(0);
  for (let i = 0; i < codeLengthCount; i++) codeLengthLengths[CODE_LENGTH_ORDER[i]] = reader.bits(3);
  const codeLengths = new Huffman(codeLengthLengths);
  const lengths: number[] = [];
  while (lengths.length < literalCount + distanceCount) {
    const symbol = codeLengths.decode(reader);
    if (symbol < 16) lengths.push(symbol);
    else if (symbol === 16) {
      if (lengths.length === 0) throw new RangeError('repeat with no previous length');
      const previous = lengths[lengths.length - 1];
      for (let n = 3 + reader.bits(2); n > 0; n--) lengths.push(previous);
    } else {
      for (let n = symbol === 17 ? 3 + reader.bits(3) : 11 + reader.bits(7); n > 0; n--) lengths.push(0);
    }
  }
  return [new Huffman(lengths.slice(0, literalCount)), new Huffman(lengths.slice(literalCount))];
}

/**
 * Decodes one permessage-deflate payload, after appending 00 00 FF FF as RFC 7692 section 7.2.2 says.
 * `history` is what earlier messages inflated to (the LZ77 window the sender may still use with context
 * takeover). Stops at a block with BFINAL set (RFC 7692 section 7.2.3.4) or when the data runs out on a
 * block boundary.
 */
export function inspectDeflate(payload: Uint8Array, history: Uint8Array = new Uint8Array(0)): DeflateInspection {
  const input = new Uint8Array(payload.length + 4);
  input.set(payload);
  input.set([0x00, 0x00, 0xff, 0xff], payload.length);
  const reader = new BitReader(input);
  const out: number[] = [];
  let maxDistance = 0;
  let maxReachIntoHistory = 0;
  let sawFinalBlock = false;
  const byteAt = (distance: number): number => {
    const index = out.length - distance;
    if (index >= 0) return out[index];
    const historyIndex = history.length + index;
    if (historyIndex < 0) throw new RangeError(`distance ${distance} reaches before any data`);
    return history[historyIndex];
  };
  while (!sawFinalBlock && !reader.exhausted) {
    sawFinalBlock = reader.bits(1) === 1;
    const type = reader.bits(2);
    if (type === 0) {
      reader.alignToByte();
      const length = reader.byte() | (reader.byte() << 8);
      const complement = reader.byte() | (reader.byte() << 8);
      if ((length ^ 0xffff) !== complement) throw new RangeError('stored block length check failed');
      for (let i = 0; i < length; i++) out.push(reader.byte());
      continue;
    }
    if (type === 3) throw new RangeError('invalid block type 3');
    const [literals, distances] = type === 1 ? [FIXED_LITERALS, FIXED_DISTANCES] : dynamicCodes(reader);
    for (;;) {
      const symbol = literals.decode(reader);
      if (symbol < END_OF_BLOCK) {
        out.push(symbol);
        continue;
      }
      if (symbol === END_OF_BLOCK) break;
      const lengthCode = symbol - 257;
      if (lengthCode >= LENGTH_BASE.length) throw new RangeError(`invalid length symbol ${symbol}`);
      const length = LENGTH_BASE[lengthCode] + reader.bits(LENGTH_EXTRA[lengthCode]);
      const distanceCode = distances.decode(reader);
      if (distanceCode >= DISTANCE_BASE.length) throw new RangeError(`invalid distance code ${distanceCode}`);
      const distance = DISTANCE_BASE[distanceCode] + reader.bits(DISTANCE_EXTRA[distanceCode]);
      maxDistance = Math.max(maxDistance, distance);
      maxReachIntoHistory = Math.max(maxReachIntoHistory, distance - out.length);
      for (let i = 0; i < length; i++) out.push(byteAt(distance));
    }
  }
  return { output: Uint8Array.from(out), maxDistance, maxReachIntoHistory, sawFinalBlock };
}
