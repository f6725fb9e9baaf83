// The writable side of a WebSocketStream: each chunk written is one message. A string is sent as text,
// a BufferSource as binary; a ReadableStream or async iterable (or the { data, isBinary } objects the
// readable yields with streamMessages, so that `readable.pipeTo(writable)` echoes in either mode) is
// sent as one fragmented message. A write resolves when the socket's write of its last frame does, and
// the stream writes one chunk at a time, so frames of two messages never interleave.

import type { Channel } from './channel.js';
import { outgoingMessage } from './message-data.js';
import { isMessageSource, type MessageSource, sendMessageSource } from './message-source.js';

/** A message to send as it is produced: chunks of bytes or strings, text unless isBinary says otherwise. */
export interface OutgoingMessageStream {
  data: MessageSource;
  isBinary?: boolean;
}

export type OutgoingChunk = string | ArrayBuffer | ArrayBufferView | MessageSource | OutgoingMessageStream;

function isOutgoingMessageStream(value: unknown): value is OutgoingMessageStream {
  return value !== null && typeof value === 'object' && 'data' in value && isMessageSource(value.data);
}

export interface OutboundOptions {
  /** The writable was closed (start the closing handshake) or aborted (with this reason). */
  onClose(reason?: unknown): void;
}

export class OutboundMessages {
  readonly writable: WritableStream<OutgoingChunk>;
  private controller!: WritableStreamDefaultController;

  constructor(channel: Channel, options: OutboundOptions) {
    const sendFragment = (bytes: Uint8Array, isBinary: boolean, fin: boolean) => channel.send(bytes, isBinary, fin);
    this.writable = new WritableStream<OutgoingChunk>({
      start: (controller) => {
        this.controller = controller;
      },
      write: async (chunk) => {
        const message = outgoingMessage(chunk);
        if (message !== null) return channel.send(message.bytes, message.isBinary, true);
        if (isOutgoingMessageStream(chunk)) return sendMessageSource(chunk.data, chunk.isBinary, sendFragment);
        if (isMessageSource(chunk)) return sendMessageSource(chunk, undefined, sendFragment);
        throw new TypeError(
          'A WebSocketStream writes strings, ArrayBuffers, ArrayBufferViews, and streams or async iterables of them',
        );
      },
      close: () => options.onClose(),
      abort: (reason) => options.onClose(reason),
    });
  }

  /** The connection is over: writes fail from now on. */
  ended(error: unknown): void {
    this.controller.error(error);
  }
}
