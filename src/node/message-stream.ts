// Received messages as streams on the Node WebSocket, for messages larger than one wants in memory
// (sending one from a stream is ws.sendStream, kept in order by send-order.ts). With the option
// streamMessages: true, every data message is emitted as 'message-stream' (stream: Readable of Buffers,
// isBinary) as soon as its first bytes arrive, and its bytes are pushed as they come off the socket
// (frames spanning chunks are not buffered whole: Connection's streamMessages). While the stream's
// buffer is above its high-water mark the WebSocket is paused, so a slow consumer slows the peer through
// TCP instead of filling memory. maxPayload limits each message (1009 beyond it). Destroying the stream
// drops the rest of its message; with no listener for 'message-stream', messages are dropped.

import { Readable } from 'node:stream';
import { asBuffer } from './platform.js';
import type { WebSocket } from './websocket.js';

/** Bytes a message stream buffers before the WebSocket is paused (Node's default for byte streams is 16 KiB). */
export const MESSAGE_STREAM_HIGH_WATER_MARK = 64 * 1024;

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
