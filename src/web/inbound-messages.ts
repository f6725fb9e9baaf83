// The readable side of a WebSocketStream: received messages as a ReadableStream, with backpressure all
// the way to the socket. While the stream's queue is above its high-water mark (or, with streamMessages,
// the current message's own stream is) the channel stops reading from the network; a pull starts it
// again. So a reader that does not read leaves the bytes in the TCP window, where the peer feels them.

import { concatBytes } from '../protocol/bytes.js';
import type { Channel, ChannelEnd } from './channel.js';
import { decodeText } from './message-data.js';

/** With streamMessages, what the readable yields per message: its payload as the bytes arrive. */
export interface MessageStream {
  /** The payload, chunk by chunk (UTF-8 for a text message, already checked: pipe through TextDecoderStream). */
  data: ReadableStream<Uint8Array>;
  isBinary: boolean;
}

export type IncomingMessage = string | Uint8Array;

/** The message being received as a stream. */
interface CurrentMessage {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** The reader cancelled its stream: the rest of the message is dropped. */
  cancelled: boolean;
}

export interface InboundOptions {
  streamMessages: boolean;
  /** Bytes queued (in the readable, or in a message's stream) before the network is no longer read. */
  highWaterMark: number;
  /** The reader cancelled the readable: close the connection, with the code a WebSocketError reason carries. */
  onCancel(reason: unknown): void;
}

/**
 * A message's weight in the readable's queue: its length, and at least 1. workerd (1.20261117) never
 * hands a chunk whose size is 0 to a waiting read(), so an empty message would stall the stream there.
 */
const messageSize = (chunk: IncomingMessage) =>
  Math.max(1, typeof chunk === 'string' ? chunk.length : chunk.byteLength);

export class InboundMessages {
  readonly readable: ReadableStream<IncomingMessage | MessageStream>;
  private controller!: ReadableStreamDefaultController<IncomingMessage | MessageStream>;
  private readonly channel: Channel;
  private readonly streamMessages: boolean;
  private readonly highWaterMark: number;
  private current: CurrentMessage | null = null;
  /** Without streamMessages, the parts of a message a streaming channel delivers, until its last one. */
  private parts: Uint8Array[] = [];
  private done = false;

  constructor(channel: Channel, options: InboundOptions) {
    this.channel = channel;
    this.streamMessages = options.streamMessages;
    this.highWaterMark = options.highWaterMark;
    const strategy: QueuingStrategy<IncomingMessage | MessageStream> = options.streamMessages
      ? // One message object waits at most; its bytes wait in its own stream.
        { highWaterMark: 1, size: () => 1 }
      : {
          highWaterMark: options.highWaterMark,
          size: messageSize as (chunk: IncomingMessage | MessageStream) => number,
        };
    this.readable = new ReadableStream<IncomingMessage | MessageStream>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.updateFlow(),
        cancel: (reason) => {
          this.done = true;
          this.dropCurrent();
          // Messages are dropped from now on, but the network must still be read for the closing handshake.
          this.channel.resumeReceiving();
          options.onCancel(reason);
        },
      },
      strategy,
    );
  }

  message(data: Uint8Array, isBinary: boolean): void {
    if (this.done) return;
    if (this.streamMessages) {
      this.messagePart(data, isBinary, true, true);
      return;
    }
    this.controller.enqueue(isBinary ? data : decodeText(data));
    this.updateFlow();
  }

  messagePart(data: Uint8Array, isBinary: boolean, first: boolean, last: boolean): void {
    if (this.done) return;
    if (!this.streamMessages) {
      if (first) this.parts = [];
      if (data.length > 0) this.parts.push(data);
      if (last) {
        const parts = this.parts;
        this.parts = [];
        this.message(concatBytes(parts), isBinary);
      }
      return;
    }
    if (first) this.startMessage(isBinary);
    const current = this.current as CurrentMessage;
    if (!current.cancelled && data.length > 0) current.controller.enqueue(data);
    if (last) {
      if (!current.cancelled) current.controller.close();
      this.current = null;
    }
    this.updateFlow();
  }

  /** Nothing more will be received (the peer's close frame came): the readable ends after what is queued. */
  closing(): void {
    if (this.done) return;
    this.done = true;
    this.failCurrent(new TypeError('The connection closed before the message ended'));
    this.controller.close();
  }

  ended(end: ChannelEnd, error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failCurrent(error);
    if (end.wasClean) this.controller.close();
    else this.controller.error(error);
  }

  private startMessage(isBinary: boolean): void {
    const message: CurrentMessage = {
      controller: undefined as unknown as ReadableStreamDefaultController<Uint8Array>,
      cancelled: false,
    };
    const data = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          message.controller = controller;
        },
        pull: () => this.updateFlow(),
        cancel: () => {
          message.cancelled = true;
          this.updateFlow();
        },
      },
      { highWaterMark: this.highWaterMark, size: (chunk) => chunk.byteLength },
    );
    this.current = message;
    this.controller.enqueue({ data, isBinary });
  }

  /** Pauses the channel while a queue is full, resumes it when none is. */
  private updateFlow(): void {
    if (this.done) return;
    const current = this.current;
    const full =
      (this.controller.desiredSize ?? 1) <= 0 ||
      (current !== null && !current.cancelled && (current.controller.desiredSize ?? 1) <= 0);
    if (full) this.channel.pauseReceiving();
    else this.channel.resumeReceiving();
  }

  private failCurrent(error: unknown): void {
    const current = this.current;
    this.current = null;
    if (current !== null && !current.cancelled) current.controller.error(error);
  }

  private dropCurrent(): void {
    const current = this.current;
    if (current !== null) current.cancelled = true;
  }
}
