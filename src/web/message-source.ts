// Sending one message from a source of chunks (a ReadableStream or any async iterable), fragmented as
// it goes (RFC 6455 section 5.4): each chunk but the last leaves as a frame with FIN clear, the last with
// FIN set, so a message larger than memory is never held whole. One chunk is read ahead so that the last
// one can carry FIN without an empty closing frame.

import { outgoingMessage } from './message-data.js';

/** Chunks a message may be made of: strings (text) or BufferSources (binary), not mixed. */
export type MessageChunk = string | ArrayBuffer | ArrayBufferView;

export type MessageSource = ReadableStream<MessageChunk> | AsyncIterable<MessageChunk> | Iterable<MessageChunk>;

/** Sends one fragment; resolves once it is written (that is the backpressure). */
export type SendFragment = (bytes: Uint8Array, isBinary: boolean, fin: boolean) => Promise<void>;

export function isMessageSource(value: unknown): value is MessageSource {
  if (value === null || typeof value !== 'object') return false;
  if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return true;
  return Symbol.asyncIterator in value || (Symbol.iterator in value && !ArrayBuffer.isView(value));
}

async function* chunksOf(source: MessageSource): AsyncGenerator<MessageChunk> {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    // Not every runtime makes ReadableStream async-iterable (Safari, older workerd): read it directly.
    const reader = source.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      // Stopped early (the connection closed): the source need not produce more.
      reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<MessageChunk>;
}

/**
 * Sends every chunk of `source` as one message. `isBinary` undefined takes the type from the chunks
 * (strings: text; an empty source: an empty binary message). TypeError for a chunk that is neither, or
 * for a text chunk in a binary message and the reverse. At most two fragments are in flight at a time.
 */
export async function sendMessageSource(
  source: MessageSource,
  isBinary: boolean | undefined,
  sendFragment: SendFragment,
): Promise<void> {
  let binary = isBinary;
  let held: Uint8Array | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of chunksOf(source)) {
      const message = outgoingMessage(chunk);
      if (message === null) {
        throw new TypeError('A message stream may only yield strings, ArrayBuffers and ArrayBufferViews');
      }
      if (binary === undefined) binary = message.isBinary;
      else if (isBinary === undefined && message.isBinary !== binary) {
        throw new TypeError('A message stream must yield only strings (text) or only bytes (binary)');
      }
      if (held !== null) {
        const sent = observed(sendFragment(held, binary, false));
        await inFlight;
        inFlight = sent;
      }
      held = message.bytes;
    }
    const last = observed(sendFragment(held ?? new Uint8Array(0), binary ?? true, true));
    await inFlight;
    await last;
  } finally {
    observed(inFlight);
  }
}

/** Marks a fragment's promise as observed: when an earlier one failed, its own failure is not news. */
function observed(promise: Promise<void>): Promise<void> {
  promise.catch(() => {});
  return promise;
}
