// A connection accepted by wasmsocket's Node server (or any object with ws's API) as a Channel, so that
// WebSocketStream.from(ws) gives a server-side handler the same streams a client gets. Duck-typed: this
// file may not import src/node (the web build must not pull node: modules in).

import { CloseCode } from '../codec/constants.js';
import { concatBytes } from '../protocol/bytes.js';
import type { Channel, ChannelEvents } from './channel.js';

// Arguments typed `any`, as EventEmitter's listeners are: a WebSocket whose on() has per-event
// signatures (wasmsocket's, ws's) accepts such a listener, where one typed `never[]` it could not.
// biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type, so that typed emitters match
type Listener = (...args: any[]) => void;

/** The part of wasmsocket's Node WebSocket (ws's API) used here. */
export interface NodeWebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  send(data: Uint8Array, options: { binary: boolean; fin: boolean }, cb: (error?: Error | null) => void): unknown;
  close(code?: number, reason?: string): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** A message as wasmsocket's 'message-stream' event hands it out: a Node Readable of its bytes. */
interface NodeReadableLike {
  on(event: string, listener: Listener): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

export function isNodeWebSocketLike(value: unknown): value is NodeWebSocketLike {
  const candidate = value as Partial<NodeWebSocketLike> | null;
  return (
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof candidate.on === 'function' &&
    typeof candidate.send === 'function' &&
    typeof candidate.pause === 'function' &&
    typeof candidate.terminate === 'function' &&
    typeof candidate.readyState === 'number'
  );
}

/** Message data as ws's binaryType settings deliver it, as one Uint8Array. */
function bytesOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return concatBytes(data as Uint8Array[]);
  throw new TypeError('WebSocketStream.from: set binaryType to "nodebuffer", "arraybuffer" or "fragments"');
}

const textDecoder = new TextDecoder();

/** ws's readyState for an open connection (WebSocket.OPEN). */
const OPEN = 1;

export class NodeWebSocketChannel implements Channel {
  private readonly ws: NodeWebSocketLike;
  private events: ChannelEvents | null = null;
  private error: Error | undefined;
  private receivingPaused = false;
  /** The message being received as a stream, when the WebSocket was created with streamMessages. */
  private messageStream: NodeReadableLike | null = null;

  constructor(ws: NodeWebSocketLike) {
    this.ws = ws;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get extensions(): string {
    return this.ws.extensions;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get closingStarted(): boolean {
    // ws's readyState: CLOSING (2) once a close frame went either way, CLOSED (3) at the end.
    return this.ws.readyState !== OPEN;
  }

  start(events: ChannelEvents): void {
    if (this.events !== null) return;
    this.events = events;
    const ws = this.ws;
    ws.on('message', ((data: unknown, isBinary: boolean) => events.message(bytesOf(data), isBinary)) as Listener);
    ws.on('message-stream', ((stream: NodeReadableLike, isBinary: boolean) =>
      this.onMessageStream(stream, isBinary)) as Listener);
    ws.on('error', ((error: Error) => {
      this.error = error;
    }) as Listener);
    ws.on('close', ((code: number, reason: Uint8Array) => {
      const reasonText = reason === undefined ? '' : textDecoder.decode(reason);
      const wasClean = (ws as { _wasClean?: boolean })._wasClean ?? code !== CloseCode.ABNORMAL_CLOSURE;
      this.messageStream = null;
      if (wasClean) events.closing(code, reasonText);
      events.ended(
        wasClean
          ? { code, reason: reasonText, wasClean }
          : {
              code: CloseCode.ABNORMAL_CLOSURE,
              reason: '',
              wasClean,
              error: this.error ?? new Error('The connection closed without a closing handshake'),
            },
      );
    }) as Listener);
  }

  send(data: Uint8Array, isBinary: boolean, fin: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.ws.send(data, { binary: isBinary, fin }, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  abort(): void {
    this.ws.terminate();
  }

  pauseReceiving(): void {
    if (this.receivingPaused) return;
    this.receivingPaused = true;
    this.ws.pause();
    this.messageStream?.pause();
  }

  resumeReceiving(): void {
    if (!this.receivingPaused) return;
    this.receivingPaused = false;
    this.messageStream?.resume();
    this.ws.resume();
  }

  private onMessageStream(stream: NodeReadableLike, isBinary: boolean): void {
    const events = this.events as ChannelEvents;
    let first = true;
    this.messageStream = stream;
    stream.on('data', ((chunk: Uint8Array) => {
      events.messagePart(chunk, isBinary, first, false);
      first = false;
    }) as Listener);
    stream.on('end', (() => {
      if (this.messageStream === stream) this.messageStream = null;
      events.messagePart(new Uint8Array(0), isBinary, first, true);
    }) as Listener);
    // An error (the connection ended mid-message) is reported by 'close'.
    stream.on('error', (() => {}) as Listener);
    if (this.receivingPaused) stream.pause();
  }
}
