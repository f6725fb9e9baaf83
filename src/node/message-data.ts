// What a binary 'message' event carries, by binaryType (ws's four choices). Text messages are always
// Buffers, as in ws; the EventTarget face turns them into strings.

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/**
 * A message as 'message' hands it out (ws's RawData): a Buffer (every text message, and binary ones with
 * binaryType 'nodebuffer'), an ArrayBuffer ('arraybuffer') or a Buffer[] ('fragments'). With binaryType
 * 'blob' a binary message is a Blob, which this type leaves out as ws's types do, so that handlers
 * written for ws (which narrow by Buffer.isBuffer, Array.isArray and ArrayBuffer) compile unchanged.
 */
export type RawData = Buffer | ArrayBuffer | Buffer[];

/** A message as the EventTarget face's MessageEvent carries it (ws's Data): text as a string. */
export type Data = string | RawData;

export const BINARY_TYPES: readonly BinaryType[] = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'];

export function toMessageData(data: Buffer, binaryType: BinaryType): Buffer | ArrayBuffer | Buffer[] | Blob {
  switch (binaryType) {
    case 'arraybuffer':
      return toArrayBuffer(data);
    case 'fragments':
      // Fragments are joined as they arrive (message-assembler.ts), so a message is one fragment.
      return [data];
    case 'blob':
      return new Blob([data as Uint8Array<ArrayBuffer>]);
    default:
      return data;
  }
}

/** The bytes as an ArrayBuffer of their own: the backing store itself when the Buffer spans all of it. */
export function toArrayBuffer(data: Buffer): ArrayBuffer {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) {
    return data.buffer;
  }
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}
