// A message framed once and written to many connections (broadcast, publish): the frame bytes are built
// a single time and the same buffers go to every socket. Only servers send unmasked frames, so only
// servers can share them (a client must mask every frame with a fresh key, RFC 6455 section 5.3).

import { HeaderBits, Opcode } from '../codec/internal.js';
import {
  type Allocate,
  allocateUint8Array,
  headerLength,
  JOIN_PAYLOAD_MAX_BYTES,
  writeHeader,
} from './frame-writer.js';
import { isBoolean, orNull, rule } from './option-checks.js';

const isBytes = rule('a Uint8Array (or Buffer)', (value) => (value instanceof Uint8Array ? null : 'type'));

export class PreparedMessage {
  readonly data: Uint8Array;
  readonly isBinary: boolean;
  /** The uncompressed frame, as chunks to write. */
  readonly frame: Uint8Array[];
  /**
   * The compressed frame (RSV1 set, compressed with a fresh 15-bit window and no reference to anything
   * sent before), for connections whose agreement lets them take it (see DeflateSettings.takesPrecompressed);
   * null when not compressed.
   */
  readonly compressedFrame: Uint8Array[] | null;

  constructor(
    data: Uint8Array,
    isBinary: boolean,
    compressed: Uint8Array | null,
    allocate: Allocate = allocateUint8Array,
  ) {
    // Usually made by wss.prepare(data, options), which converts the data; made directly, checked here.
    isBytes.check(data, 'data');
    isBoolean.check(isBinary, 'isBinary');
    orNull(isBytes).check(compressed, 'compressed');
    this.data = data;
    this.isBinary = isBinary;
    const byte0 = HeaderBits.FIN | (isBinary ? Opcode.BINARY : Opcode.TEXT);
    this.frame = frameOnce(byte0, data, allocate);
    this.compressedFrame = compressed === null ? null : frameOnce(byte0 | HeaderBits.RSV1, compressed, allocate);
  }
}

/** One unmasked frame: one buffer for a small payload, header and payload apart for a large one. */
function frameOnce(byte0: number, payload: Uint8Array, allocate: Allocate): Uint8Array[] {
  const length = payload.length;
  if (length <= JOIN_PAYLOAD_MAX_BYTES) {
    const frame = allocate(headerLength(length) + length);
    frame.set(payload, writeHeader(frame, byte0, length, false));
    return [frame];
  }
  const head = allocate(headerLength(length));
  writeHeader(head, byte0, length, false);
  return [head, payload];
}
