// The writable side of a WebSocketStream: each chunk written is one message. A string is sent as text,
// a BufferSource as binary; a ReadableStream or async iterable (or the { data, isBinary } objects the
// readable yields with streamMessages, so that `readable.pipeTo(writable)` echoes in either mode) is
// sent as one fragmented message. A write resolves when the socket's write of its last frame does, and
// the stream writes one chunk at a time, so frames of two messages never interleave.
//
// Once the closing handshake has started, a write sends nothing and resolves, as the WebSocketStream
// proposal's write steps say ("If the closing handshake has not yet started, send a WebSocket message
// ...", then resolve): RFC 6455 section 5.5.1 allows no data frame after a close frame. A clean close
// therefore leaves the writable as it is, so that `readable.pipeTo(writable)` ends quietly when the peer
// closes (see docs/web.md); a connection that fails errors it, and writes reject with its error.

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

/** Thrown by a send once the closing handshake has started: the write it belongs to resolves unsent. */
const CLOSING_STARTED = Symbol('closing started');

export class OutboundMessages {
  readonly writable: WritableStream<OutgoingChunk>;
  private controller!: WritableStreamDefaultController;
  private markEnded!: (wasClean: boolean) => void;
  /** Whether the connection ended cleanly, once it has ended. */
  private readonly endedCleanly = new Promise<boolean>((resolve) => {
    this.markEnded = resolve;
  });

  constructor(channel: Channel, options: OutboundOptions) {
    const send = async (bytes: Uint8Array, isBinary: boolean, fin: boolean): Promise<void> => {
      if (channel.closingStarted) throw CLOSING_STARTED;
      try {
        await channel.send(bytes, isBinary, fin);
      } catch (error) {
        // A close frame overtook this message (ws's send callback then reports an error): not sent, and
        // no failure of the connection when its close turns out clean.
        if (channel.closingStarted && (await this.endedCleanly)) throw CLOSING_STARTED;
        throw error;
      }
    };
    const write = async (chunk: OutgoingChunk): Promise<void> => {
      const message = outgoingMessage(chunk);
      if (message !== null) return send(message.bytes, message.isBinary, true);
      if (isOutgoingMessageStream(chunk)) return sendMessageSource(chunk.data, chunk.isBinary, send);
      if (isMessageSource(chunk)) return sendMessageSource(chunk, undefined, send);
      throw new TypeError(
        'A WebSocketStream writes strings, ArrayBuffers, ArrayBufferViews, and streams or async iterables of them',
      );
    };
    this.writable = new WritableStream<OutgoingChunk>({
      start: (controller) => {
        this.controller = controller;
      },
      write: async (chunk) => {
        try {
          await write(chunk);
        } catch (error) {
          if (error !== CLOSING_STARTED) throw error;
        }
      },
      close: () => options.onClose(),
      abort: (reason) => options.onClose(reason),
    });
  }

  /** The connection is over: after a failure, writes reject with its error; after a clean close, they send nothing. */
  ended(wasClean: boolean, error: unknown): void {
    this.markEnded(wasClean);
    if (!wasClean) this.controller.error(error);
  }
}
