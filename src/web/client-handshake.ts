// The client's opening handshake over a pair of web streams (RFC 6455 section 4.1): write the upgrade
// request, read the response head with the incremental parser (the bytes after it may already be the
// first frames, and are kept), and check Sec-WebSocket-Accept with WebCrypto's SHA-1. No extension is
// offered: there is no maintained raw deflate with a synchronous flush on the web (docs/web.md).

import { upgradeRequestHead, validateUpgradeResponse } from '../protocol/handshake-client.js';
import { HandshakeError, HandshakeErrorCode } from '../protocol/handshake-error.js';
import { computeAcceptAsync, generateKey } from '../protocol/handshake-key.js';
import { type HeadLimits, HeadReader, type ResponseHead } from '../protocol/http-head.js';
import { encodeHead, type HeaderInput } from '../protocol/http-head-writer.js';
import type { RandomSource } from '../protocol/random.js';

export interface ClientHandshakeOptions extends HeadLimits {
  url: URL;
  protocols: readonly string[];
  /** More request header fields (not in browsers' API; useful for Authorization, cookies, Origin). */
  headers?: HeaderInput;
  origin?: string;
  random: RandomSource;
}

export interface ClientHandshakeResult {
  /** The subprotocol the server chose, or ''. */
  protocol: string;
  /** Bytes that came after the response head in its last chunk: the first frames, maybe. */
  rest: Uint8Array;
}

/**
 * Runs the handshake with `reader` and `writer` (locked on the socket's streams; they stay locked for
 * the connection). Throws HandshakeError when the server's answer is refused, or the socket's error.
 */
export async function clientHandshake(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  options: ClientHandshakeOptions,
): Promise<ClientHandshakeResult> {
  const key = generateKey(options.random);
  const head = upgradeRequestHead({
    url: options.url,
    key,
    protocols: options.protocols,
    headers: options.headers,
    origin: options.origin,
  });
  // SHA-1 runs while the request travels.
  const accept = computeAcceptAsync(key);
  accept.catch(() => {});
  await writer.write(encodeHead(head));
  const headReader = new HeadReader<ResponseHead>('response', options);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      throw new HandshakeError(
        'The connection closed before the handshake response was complete',
        HandshakeErrorCode.MALFORMED_HEAD,
      );
    }
    const read = headReader.push(value);
    if (read.kind === 'need-more') continue;
    if (read.kind === 'error') throw read.error;
    const checked = validateUpgradeResponse(
      { status: read.head.status, headers: read.head.headers },
      { accept: await accept, protocols: options.protocols, extensions: [] },
    );
    if (!checked.ok) throw checked.error;
    return { protocol: checked.protocol, rest: read.rest };
  }
}
