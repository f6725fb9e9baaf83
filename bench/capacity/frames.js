// The bytes the capacity load generator sends and expects, built once per session so that sending costs a
// write and checking costs a memcmp: a ring of R distinct payloads, as masked client frames (what it
// writes) and as the unmasked server frames an echo or a publish must bring back (what it compares with).
// Both rings hold the R frames twice in a row, so that any run of up to R consecutive frames, starting at
// any of them, is one contiguous slice: k frames go out in one write, k frames are checked in one compare.

import { randomFillSync } from 'node:crypto';
import { FrameScanner } from 'wasmsocket/codec';

/** RFC 6455 section 5.2: opcodes of the frames the generator sends and expects. */
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
const FIN = 0x80;
const MASK_BIT = 0x80;
/** Section 5.2: 7-bit lengths up to 125, then 126 + 16 bits, then 127 + 64 bits (minimal encoding). */
const LENGTH_7_MAX = 125;
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const LENGTH_16_MAX = 0xffff;
const MASK_KEY_BYTES = 4;
/** Section 7.4.1: normal closure. */
const NORMAL_CLOSURE = 1000;

/** How many bytes the header of a frame with this payload length takes (section 5.2), with or without a key. */
export function headerLength(payloadLength, masked) {
  const base = payloadLength <= LENGTH_7_MAX ? 2 : payloadLength <= LENGTH_16_MAX ? 4 : 10;
  return masked ? base + MASK_KEY_BYTES : base;
}

function writeHeader(target, opcode, payloadLength, masked) {
  target[0] = FIN | opcode;
  const maskBit = masked ? MASK_BIT : 0;
  if (payloadLength <= LENGTH_7_MAX) {
    target[1] = maskBit | payloadLength;
    return 2;
  }
  if (payloadLength <= LENGTH_16_MAX) {
    target[1] = maskBit | LENGTH_16;
    target.writeUInt16BE(payloadLength, 2);
    return 4;
  }
  target[1] = maskBit | LENGTH_64;
  target.writeBigUInt64BE(BigInt(payloadLength), 2);
  return 10;
}

/** A client frame (section 5.3: masked with a random key), FIN set, one frame per message. */
export function clientFrame(opcode, payload) {
  const frame = Buffer.allocUnsafe(headerLength(payload.length, true) + payload.length);
  const keyAt = writeHeader(frame, opcode, payload.length, true);
  const key = randomFillSync(frame.subarray(keyAt, keyAt + MASK_KEY_BYTES));
  const start = keyAt + MASK_KEY_BYTES;
  for (let i = 0; i < payload.length; i++) frame[start + i] = payload[i] ^ key[i & 3];
  return frame;
}

/** A server frame (unmasked), FIN set: what a server sends for this payload. */
export function serverFrame(opcode, payload) {
  const frame = Buffer.allocUnsafe(headerLength(payload.length, false) + payload.length);
  payload.copy(frame, writeHeader(frame, opcode, payload.length, false));
  return frame;
}

/** A masked close frame with status 1000 (section 5.5.1), to end a session cleanly. */
export function clientCloseFrame() {
  const body = Buffer.alloc(2);
  body.writeUInt16BE(NORMAL_CLOSURE, 0);
  return clientFrame(OPCODE_CLOSE, body);
}

/**
 * R payloads of `size` bytes that differ from one another (ASCII letters for text, LCG bytes for binary),
 * so that a lost, repeated or reordered message changes the stream: payload i starts with i's digits.
 */
export function distinctPayloads(count, size, binary) {
  const payloads = [];
  let state = 0x2545f491;
  for (let n = 0; n < count; n++) {
    const bytes = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bytes[i] = binary ? state >>> 24 : 0x61 + ((state >>> 24) % 26);
    }
    // A marker at the front as well, in case two random payloads agree (tiny sizes).
    const marker = Buffer.from(`${n}:`, 'latin1');
    marker.copy(bytes, 0, 0, Math.min(marker.length, size));
    payloads.push(bytes);
  }
  return payloads;
}

/**
 * The send and expect rings for R payloads: { send, expect, count, sendFrameLength, expectFrameLength,
 * expectPeriod, opcode, payloadLength }. send/expect hold the R frames twice (see the top of the file).
 */
export function buildRings(payloads, binary) {
  const opcode = binary ? OPCODE_BINARY : OPCODE_TEXT;
  const sent = payloads.map((p) => clientFrame(opcode, p));
  const expected = payloads.map((p) => serverFrame(opcode, p));
  const rings = {
    send: Buffer.concat([...sent, ...sent]),
    expect: Buffer.concat([...expected, ...expected]),
    count: payloads.length,
    sendFrameLength: sent[0].length,
    expectFrameLength: expected[0].length,
    expectPeriod: expected[0].length * payloads.length,
    opcode,
    payloadLength: payloads[0].length,
    payloads,
  };
  checkExpectRing(rings);
  return rings;
}

/**
 * Our own scanner reads the expected ring back as 2R frames of the right type and length with the right
 * payloads: the reply stream is compared byte for byte with this ring, so a reply that matches it is a
 * stream our decoder parses into exactly these messages.
 */
function checkExpectRing(rings) {
  const result = new FrameScanner({ role: 'client' }).scan(new Uint8Array(rings.expect));
  const problems = [];
  if (result.error !== null) problems.push(result.error.message);
  if (result.count !== 2 * rings.count) problems.push(`${result.count} frames, not ${2 * rings.count}`);
  for (let i = 0; i < result.count && problems.length === 0; i++) {
    const [offset, length, byte0] = result.frames.subarray(i * 4, i * 4 + 3);
    const payload = rings.payloads[i % rings.count];
    if ((byte0 & 0x0f) !== rings.opcode || length !== payload.length) problems.push(`frame ${i} has the wrong header`);
    else if (!payload.equals(rings.expect.subarray(offset, offset + length))) problems.push(`frame ${i} differs`);
  }
  if (problems.length > 0)
    throw new Error(`bench: the expected reply ring does not parse back: ${problems.join('; ')}`);
}
