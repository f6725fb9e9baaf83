// The order of a WebSocket's outgoing messages while one of them cannot go out at once: a message sent
// from a stream (ws.sendStream) leaves as fragments over many turns of the event loop, and a Blob has to
// be read, asynchronously, before it can be framed. Sends made meanwhile (plain, streamed, Blobs,
// published messages) wait in the order they were made and go once it is out, so that no frame of
// another message lands between a streamed message's fragments (RFC 6455 section 5.4) and a Blob keeps
// its place (ws 8.18's behaviour); a close() made while Blobs are read is sent after them. Control
// frames (ping, pong) do not wait behind a streamed message: the RFC lets them go between fragments.
// Created by a WebSocket's first streamed message or Blob, so other connections carry none of this.

import type { Readable } from 'node:stream';
import { type MessageSource, sendMessageSource } from '../web/message-source.js';
import type { SendCallback, SendOptions } from './websocket-types.js';

export interface SendStreamOptions {
  /** Binary (true) or text (false); by default, text when the source yields strings. */
  binary?: boolean;
  /** With permessage-deflate: compress the message (default true). */
  compress?: boolean;
}

/** Where a streamed message's fragments are sent: the WebSocket's send(). */
export interface FragmentSender {
  send(data: Uint8Array, options: SendOptions, cb: SendCallback): unknown;
}

export class SendOrder {
  private readonly sender: FragmentSender;
  /** True while a message is streamed or a Blob read: sends that are not part of it wait. */
  private busy = false;
  /** True during the streamed message's own sends (or the held Blob's), which must not wait. */
  private ownSend = false;
  /** True while a Blob read before close() is sent: it may go out although readyState is CLOSING. */
  private sendingBlob = false;
  private readonly waiting: Array<() => void> = [];
  /** Bytes of Blobs being read, and how many Blobs. */
  private blobBytes = 0;
  private blobCount = 0;
  /** Bytes of sends (and published messages) waiting their turn. */
  private deferredBytes = 0;

  constructor(sender: FragmentSender) {
    this.sender = sender;
  }

  /** True when a send must wait: a message is streamed or a Blob read, and this send is not part of it. */
  get mustWait(): boolean {
    return this.busy && !this.ownSend;
  }

  /** True while a Blob that was read is being sent (see sendingBlob). */
  get sendingHeldBlob(): boolean {
    return this.sendingBlob;
  }

  /** True while Blobs are read: a close() waits behind them. */
  get readingBlobs(): boolean {
    return this.blobCount > 0;
  }

  /** Bytes held in memory until they can be sent: Blobs being read, and sends waiting their turn. */
  get heldBytes(): number {
    return this.blobBytes + this.deferredBytes;
  }

  /** Runs `send` in its turn, after what is in progress and what waits before it; `size` counts as held until then. */
  defer(send: () => void, size = 0): void {
    if (size === 0) {
      this.waiting.push(send);
      return;
    }
    this.deferredBytes += size;
    this.waiting.push(() => {
      this.deferredBytes -= size;
      send();
    });
  }

  /** Sends `source` as one message, in its turn; resolves once its last frame is written. */
  sendStream(source: MessageSource | Readable, options: SendStreamOptions = {}): Promise<void> {
    if (options.binary !== undefined && typeof options.binary !== 'boolean') {
      return Promise.reject(new TypeError('options.binary must be a boolean'));
    }
    if (!this.busy) return this.stream(source, options);
    return new Promise<void>((resolve, reject) => {
      this.defer(() => {
        this.stream(source, options).then(resolve, reject);
      });
    });
  }

  /**
   * Reads `blob` while later sends wait, then, in the Blob's turn, hands `deliver` its bytes (or the
   * error that kept it from being read) ahead of the sends that waited.
   */
  readBlob(blob: Blob, deliver: (bytes: Uint8Array | Error) => void): void {
    const size = blob.size;
    this.blobBytes += size;
    this.blobCount++;
    this.hold(readBlobBytes(blob), (outcome) => {
      this.blobBytes -= size;
      this.blobCount--;
      this.sendingBlob = !(outcome instanceof Error);
      try {
        deliver(outcome);
      } finally {
        this.sendingBlob = false;
      }
    });
  }

  private async stream(source: MessageSource | Readable, options: SendStreamOptions): Promise<void> {
    this.busy = true;
    const compress = options.compress ?? true;
    const sendFragment = (bytes: Uint8Array, binary: boolean, fin: boolean) =>
      new Promise<void>((resolve, reject) => {
        const callback: SendCallback = (error) => (error ? reject(error) : resolve());
        this.ownSend = true;
        try {
          this.sender.send(bytes, { binary, fin, compress }, callback);
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

  /** Holds every later send until `bytes` resolves, then runs `send` with them (or with the error). */
  private hold(bytes: Promise<Uint8Array>, send: (bytes: Uint8Array | Error) => void): void {
    if (this.mustWait) {
      this.defer(() => this.hold(bytes, send));
      return;
    }
    this.busy = true;
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
    this.busy = false;
    while (this.waiting.length > 0 && !this.busy) (this.waiting.shift() as () => void)();
  }
}

/** A Blob's bytes as a Buffer. */
async function readBlobBytes(blob: Blob): Promise<Uint8Array> {
  return Buffer.from(await blob.arrayBuffer());
}
