// Turning what a script sends into message bytes, and received bytes into what a script reads.

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export interface OutgoingMessage {
  bytes: Uint8Array;
  isBinary: boolean;
}

/**
 * A string (sent as text, UTF-8) or a BufferSource (sent as binary) as message bytes; null for anything
 * else. The bytes are a view, not a copy: the client frame writer copies them while masking (RFC 6455
 * section 5.3), before send returns, so a script may reuse its buffer at once.
 */
export function outgoingMessage(data: unknown): OutgoingMessage | null {
  if (typeof data === 'string') return { bytes: textEncoder.encode(data), isBinary: false };
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data), isBinary: true };
  if (ArrayBuffer.isView(data)) {
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), isBinary: true };
  }
  if (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer) {
    return { bytes: new Uint8Array(data), isBinary: true };
  }
  return null;
}

/** The text of a received text message (valid UTF-8: the connection checked it). */
export function decodeText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

/** The bytes as an ArrayBuffer of their own (the backing store itself when the view spans all of it). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
