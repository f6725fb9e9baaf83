// Messages as streams on the Node WebSocket, for messages larger than one wants in memory.
//
// Receiving (option streamMessages: true): every data message is emitted as
// 'message-stream' (stream: Readable of Buffers, isBinary) as soon as its first bytes arrive, and its
// bytes are pushed as they come off the socket (frames spanning chunks are not buffered whole:
// Connection's streamMessages). While the stream's buffer is above its high-water mark the WebSocket is
// paused, so a slow consumer slows the peer through TCP instead of filling memory. maxPayload limits each
// message (1009 beyond it). Destroying the stream drops the rest of its message; with no listener for
// 'message-stream', messages are dropped.
//
// Sending (ws.sendStream(source, { binary })): the chunks of a ReadableStream, async iterable or Node
// Readable leave as one fragmented message (src/web/message-source.ts). Until it ends, other sends wait
// in order behind it, so that no frame of another message lands between its fragments (RFC 6455
// section 5.4); control frames (ping, pong, close) may, as the RFC allows.

import { Readable } from 'node:stream';
import { type MessageSource, sendMessageSource } from '../web/message-source.js';
import type { SendCallback, SendOptions, WebSocket } from './websocket.js';

/** Bytes a message stream buffers before the WebSocket is paused (Node's default for byte streams is 16 KiB). */
export const MESSAGE_STREAM_HIGH_WATER_MARK = 64 * 1024;

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Turns the connection's message parts into one Readable per message. */
export class MessageStreamReceiver {
  private readonly ws: WebSocket;
  private current: Readable | null = null;
  private pausedHere = false;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  part(data: Uint8Array, isBinary: boolean, first: boolean, last: boolean): void {
    if (first) this.begin(isBinary);
    const current = this.current;
    // null: the consumer destroyed this message's stream; the rest of the message is dropped.
    if (current === null) return;
    if (data.length > 0 && !current.push(asBuffer(data))) this.pause();
    if (last) {
      current.push(null);
      this.current = null;
    }
  }

  /** The connection ended: a message still arriving fails. */
  end(error: Error): void {
    const current = this.current;
    this.current = null;
    current?.destroy(error);
  }

  private begin(isBinary: boolean): void {
    const stream: Readable = new Readable({
      highWaterMark: MESSAGE_STREAM_HIGH_WATER_MARK,
      read: () => {
        if (this.current === stream) this.resume();
      },
      destroy: (error, callback) => {
        if (this.current === stream) {
          this.current = null;
          this.resume();
        }
        callback(error);
      },
    });
    this.current = stream;
    if (this.ws.listenerCount('message-stream') === 0) {
      stream.resume();
      return;
    }
    this.ws.emit('message-stream', stream, isBinary);
  }

  private pause(): void {
    if (this.pausedHere) return;
    this.pausedHere = true;
    this.ws.pause();
  }

  private resume(): void {
    if (!this.pausedHere) return;
    this.pausedHere = false;
    this.ws.resume();
  }
}

export interface SendStreamOptions {
  /** Binary (true) or text (false); by default, text when the source yields strings. */
  binary?: boolean;
  /** With permessage-deflate: compress the message (default true). */
  compress?: boolean;
}

/**
 * Keeps a WebSocket's messages whole and in order while one is sent as a stream or a Blob is read:
 * sends made meanwhile (plain, streamed or Blobs) wait in order, and go once it ends.
 */
export class SendStreamGate {
  private readonly ws: WebSocket;
  private active = false;
  /** True during the streamed message's own send calls, which must not wait. */
  private ownSend = false;
  private readonly waiting: Array<() => void> = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  /** True when a send must wait: a streamed message is in progress and this send is not part of it. */
  get mustWait(): boolean {
    return this.active && !this.ownSend;
  }

  defer(send: () => void): void {
    this.waiting.push(send);
  }

  /** Sends `source` as one message; resolves once its last frame is written. */
  send(source: MessageSource | Readable, options: SendStreamOptions = {}): Promise<void> {
    if (options.binary !== undefined && typeof options.binary !== 'boolean') {
      return Promise.reject(new TypeError('options.binary must be a boolean'));
    }
    if (!this.active) return this.run(source, options);
    return new Promise<void>((resolve, reject) => {
      this.defer(() => {
        this.run(source, options).then(resolve, reject);
      });
    });
  }

  private async run(source: MessageSource | Readable, options: SendStreamOptions): Promise<void> {
    this.active = true;
    const compress = options.compress ?? true;
    const sendFragment = (bytes: Uint8Array, binary: boolean, fin: boolean) =>
      new Promise<void>((resolve, reject) => {
        const callback: SendCallback = (error) => (error ? reject(error) : resolve());
        const sendOptions: SendOptions = { binary, fin, compress };
        this.ownSend = true;
        try {
          this.ws.send(bytes, sendOptions, callback);
        } catch (error) {
          reject(error);
        } finally {
          this.ownSend = false;
        }
      });
    try {
      await sendMessageSource(source as MessageSource, options.binary, sendFragment);
    } finally {
      this.release();
    }
  }

  /**
   * Holds every later send until `bytes` resolves (a Blob being read), then runs `send` with them (or
   * with the error) ahead of the sends that waited: a Blob goes out in the order it was sent.
   */
  hold(bytes: Promise<Uint8Array>, send: (bytes: Uint8Array | Error) => void): void {
    if (this.active && !this.ownSend) {
      this.defer(() => this.hold(bytes, send));
      return;
    }
    this.active = true;
    const finish = (outcome: Uint8Array | Error) => {
      this.ownSend = true;
      try {
        send(outcome);
      } finally {
        this.ownSend = false;
        this.release();
      }
    };
    bytes.then(finish, (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
  }

  /** Releases the waiting sends in order, until one of them starts another held or streamed message. */
  private release(): void {
    this.active = false;
    while (this.waiting.length > 0 && !this.active) (this.waiting.shift() as () => void)();
  }
}
