// A send made while a ReconnectingWebSocket has no open connection, kept for the next one: the data as
// WebSocket.send will take it then, with its options and callback, and its size for maxQueuedBytes.
// Data is checked and copied now, so that a bad type throws to the caller (not later, inside 'open'),
// and a caller that reuses its buffer after send() cannot change a message still waiting.

import { toBuffer } from './platform.js';
import { PreparedMessage } from './prepared.js';
import type { SendCallback, SendOptions } from './websocket-types.js';

export interface QueuedSend {
  readonly data: unknown;
  readonly options: SendOptions | undefined;
  readonly cb: SendCallback | undefined;
  /** Payload bytes (for a string, its UTF-8 length). */
  readonly bytes: number;
}

export function queuedSend(data: unknown, options: SendOptions | undefined, cb: SendCallback | undefined): QueuedSend {
  const kept = options === undefined ? undefined : { ...options };
  // ws sends a number as its text, and nothing (undefined, null) as an empty binary message.
  if (typeof data === 'number') data = String(data);
  if (typeof data === 'string') return { data, options: kept, cb, bytes: Buffer.byteLength(data) };
  if (data === undefined || data === null) return { data, options: kept, cb, bytes: 0 };
  // Immutable: a Blob is read when sent (WebSocket.send keeps its place in order), a PreparedMessage is frozen.
  if (data instanceof Blob) return { data, options: kept, cb, bytes: data.size };
  if (data instanceof PreparedMessage) return { data, options: kept, cb, bytes: data.data.length };
  // Buffers, ArrayBuffers, typed arrays, DataViews and arrays of bytes, as WebSocket.send takes them
  // (anything else throws its TypeError here). The copy is binary, as the original would have been.
  const copy = Buffer.from(toBuffer(data));
  return { data: copy, options: kept, cb, bytes: copy.length };
}
