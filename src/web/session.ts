// The client side of an open connection over web streams: the sans-IO Connection between the socket's
// ReadableStream (pulled only while the reader above wants messages: that is the receive backpressure)
// and its WritableStream (a send resolves when the socket's write of its last byte resolves: that is
// the send backpressure). The closing handshake follows RFC 6455 section 7: once close frames have gone
// both ways our side of the TCP connection is closed; the connection is over when the peer's side ends,
// or after closeTimeoutMs.

import { CloseCode } from '../codec/constants.js';
import type { ProtocolError } from '../codec/errors.js';
import { Connection, ReadyState, type SendOptions } from '../protocol/connection.js';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../protocol/defaults.js';
import type { RandomSource } from '../protocol/random.js';
import type { Channel, ChannelEnd, ChannelEvents } from './channel.js';

/** How long to wait for the peer's close frame and the end of its TCP side after ours (ws's 30 s). */
export { DEFAULT_CLOSE_TIMEOUT_MS };

export interface SessionOptions {
  protocol: string;
  /** The most bytes one received message may carry (1009 beyond it); 0 for no limit. */
  maxPayload: number;
  streamMessages: boolean;
  closeTimeoutMs: number;
  random: RandomSource;
}

/** What a send waits for: the socket write of its frame's last chunk. */
interface PendingSend {
  resolve(): void;
  reject(error: unknown): void;
  bytes: number;
}

const ignore = () => {};

/**
 * How this client frames what it sends: masked (section 5.3) and never compressed (it offers no
 * extension), text or binary, last fragment or not. The four shapes are made once: no allocation per send.
 */
const FRAME_OPTIONS: readonly SendOptions[] = [false, true].flatMap((binary) =>
  [false, true].map((fin) => Object.freeze({ binary, fin, mask: true, compress: false })),
);

function frameOptions(binary: boolean, fin: boolean): SendOptions {
  return FRAME_OPTIONS[(binary ? 2 : 0) + (fin ? 1 : 0)];
}

export class StreamSession implements Channel {
  readonly protocol: string;
  readonly extensions = '';
  bufferedAmount = 0;
  private readonly connection: Connection;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly closeTimeoutMs: number;
  private events: ChannelEvents | null = null;
  private rest: Uint8Array;
  private readingPaused = false;
  private wakeReader: (() => void) | null = null;
  private closeFrameReceived = false;
  private writerClosing = false;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  private failure: Error | undefined;
  private finished = false;
  /** Automatic pongs are held while the socket's writable is backed up (see holdPongsWhileBackedUp). */
  private pongsHeld = false;

  constructor(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    writer: WritableStreamDefaultWriter<Uint8Array>,
    rest: Uint8Array,
    options: SessionOptions,
  ) {
    this.reader = reader;
    this.writer = writer;
    this.rest = rest;
    this.protocol = options.protocol;
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.connection = new Connection(
      {
        role: 'client',
        maxPayload: options.maxPayload,
        random: options.random,
        streamMessages: options.streamMessages,
      },
      {
        write: (chunks, done) => this.write(chunks, done as PendingSend | undefined),
        message: (data, isBinary) => this.events?.message(data, isBinary),
        messagePart: (data, isBinary, first, last) => this.events?.messagePart(data, isBinary, first, last),
        ping: ignore,
        pong: ignore,
        closed: (code, reason) => this.onCloseFrame(code, reason),
        failed: (error) => this.onProtocolError(error),
      },
    );
  }

  get closingStarted(): boolean {
    return this.finished || this.connection.readyState !== ReadyState.OPEN;
  }

  start(events: ChannelEvents): void {
    if (this.events !== null) return;
    this.events = events;
    this.readLoop().catch((error) => {
      // Once close frames have gone both ways the connection is done whatever the socket says: closing
      // our writing side tears the whole connection down in some runtimes (Deno), and the read fails.
      if (this.closeFrameReceived && this.failure === undefined) this.onSocketEnd();
      else this.onSocketError(error);
    });
  }

  send(data: Uint8Array, isBinary: boolean, fin: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend = { resolve, reject, bytes: data.length };
      // Throws InvalidStateError once a close frame has been sent or received.
      this.connection.send(data, frameOptions(isBinary, fin), pending);
      this.bufferedAmount += data.length;
    });
  }

  close(code?: number, reason = ''): void {
    if (this.finished) return;
    this.connection.close(code, reason);
    if (this.closeFrameReceived) this.closeWriter();
    this.startCloseTimer();
  }

  abort(reason?: unknown): void {
    if (this.finished) return;
    this.connection.terminate();
    this.writer.abort(reason).catch(ignore);
    this.reader.cancel(reason).catch(ignore);
    this.finish({
      code: CloseCode.ABNORMAL_CLOSURE,
      reason: '',
      wasClean: false,
      error: reason instanceof Error ? reason : undefined,
    });
  }

  pauseReceiving(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.connection.pauseReceiving();
  }

  resumeReceiving(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    this.connection.resumeReceiving();
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  /** Pulls socket chunks into the connection, but only while the reader above is not paused. */
  private async readLoop(): Promise<void> {
    const rest = this.rest;
    this.rest = new Uint8Array(0);
    if (rest.length > 0) this.connection.receive(rest);
    while (!this.finished) {
      if (this.readingPaused) {
        await new Promise<void>((wake) => {
          this.wakeReader = wake;
        });
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) break;
      if (this.finished) return;
      this.connection.receive(value);
    }
    this.onSocketEnd();
  }

  private write(chunks: Uint8Array[], pending: PendingSend | undefined): void {
    if (this.writerClosing) {
      pending?.reject(new TypeError('The connection is closing: nothing more can be written'));
      return;
    }
    let last: Promise<void> = Promise.resolve();
    for (const chunk of chunks) {
      last = this.writer.write(chunk);
      last.catch(ignore);
    }
    this.holdPongsWhileBackedUp();
    last.then(
      () => {
        if (pending === undefined) return;
        this.bufferedAmount -= pending.bytes;
        pending.resolve();
      },
      (error) => {
        pending?.reject(error);
        this.onSocketError(error);
      },
    );
  }

  /**
   * While the socket's writable is full (a peer that does not read), the connection answers only the
   * latest ping once it drains (RFC 6455 section 5.5.3) instead of queueing a pong per ping: what we
   * write by ourselves stays at one pending pong whatever a ping flood sends, and reading never stops
   * (as on the Node transport, src/node/socket-glue.ts).
   */
  private holdPongsWhileBackedUp(): void {
    if (this.pongsHeld) return;
    const room = this.writer.desiredSize;
    if (room === null || room > 0) return;
    this.pongsHeld = true;
    this.connection.holdPongs();
    this.writer.ready.then(() => {
      this.pongsHeld = false;
      if (!this.finished) this.connection.releasePongs();
    }, ignore);
  }

  /** The peer's close frame: ours has been sent (or echoed just now), so our writing side can close. */
  private onCloseFrame(code: number, reason: string): void {
    this.closeFrameReceived = true;
    this.events?.closing(code, reason);
    this.closeWriter();
    this.startCloseTimer();
  }

  private onProtocolError(error: ProtocolError): void {
    // The connection wrote a close frame with the error's code; the TCP connection is closed after it.
    this.failure = error;
    // Stop reading only once the close frame is out: cancelling may tear the whole socket down.
    this.closeWriter().finally(() => this.reader.cancel(error).catch(ignore));
    this.startCloseTimer();
  }

  private onSocketEnd(): void {
    this.closeWriter();
    const clean = this.closeFrameReceived && this.connection.readyState === ReadyState.CLOSED && !this.failure;
    this.finish(
      clean
        ? { code: this.connection.closeCode, reason: this.connection.closeReason, wasClean: true }
        : {
            code: CloseCode.ABNORMAL_CLOSURE,
            reason: '',
            wasClean: false,
            error: this.failure ?? new Error('The connection closed without a closing handshake'),
          },
    );
  }

  private onSocketError(error: unknown): void {
    if (this.finished) return;
    if (this.failure === undefined) this.failure = error instanceof Error ? error : new Error(String(error));
    this.abort(this.failure);
  }

  /** Ends our side of the TCP connection after every queued write (the close frame last). */
  private closeWriter(): Promise<void> {
    if (this.writerClosing) return this.writerClosed;
    this.writerClosing = true;
    this.writerClosed = this.writer.close().catch(ignore);
    return this.writerClosed;
  }

  private writerClosed: Promise<void> = Promise.resolve();

  private startCloseTimer(): void {
    if (this.closeTimer !== null || this.finished) return;
    this.closeTimer = setTimeout(() => {
      this.closeTimer = null;
      if (this.closeFrameReceived && this.failure === undefined) {
        // The handshake is complete and only the peer's TCP close is missing: stop waiting for it.
        this.reader.cancel().catch(ignore);
        this.onSocketEnd();
        return;
      }
      this.abort(new Error(`No closing handshake within ${this.closeTimeoutMs} ms`));
    }, this.closeTimeoutMs);
  }

  private finish(end: ChannelEnd): void {
    if (this.finished) return;
    this.finished = true;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    if (this.connection.readyState !== ReadyState.CLOSED) this.connection.terminate();
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
    this.events?.ended(end);
  }
}
