// The handshake nonce and its proof (RFC 6455 sections 1.3, 4.1 and 4.2.2): the client sends 16 random
// bytes in base64 as Sec-WebSocket-Key; the server answers with base64(SHA-1(key + GUID)) as
// Sec-WebSocket-Accept. SHA-1 comes from the transport: node:crypto hashes synchronously, WebCrypto only
// asynchronously, so both shapes are offered, plus the two halves (the bytes to hash, and the base64 of
// a digest) for a transport that hashes by itself.

import type { RandomSource } from './random.js';

/** RFC 6455 section 4.1 (Sec-WebSocket-Version): the version this library speaks and asks for. */
export const WEBSOCKET_VERSION = 13;

/**
 * The version of draft-ietf-hybi-thewebsocketprotocol-08 (hybi drafts 08 to 12), whose framing and
 * handshake are RFC 6455's, but whose origin field is Sec-WebSocket-Origin. Old clients still send it;
 * ws's server accepts it and its client can speak it (protocolVersion: 8), and so do ours.
 */
export const HYBI_DRAFT_VERSION = 8;

/** RFC 6455 section 1.3: the GUID appended to the key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** RFC 6455 section 4.1: the key is a base64-encoded 16-byte nonce. */
export const KEY_NONCE_BYTES = 16;

/** A SHA-1 digest is 20 bytes (RFC 3174). */
export const SHA1_DIGEST_BYTES = 20;

/** Synchronous SHA-1: node:crypto's createHash('sha1') in Node. */
export type Sha1 = (bytes: Uint8Array) => Uint8Array;
/** Asynchronous SHA-1: WebCrypto's crypto.subtle.digest('SHA-1', ...) on the web. */
export type AsyncSha1 = (bytes: Uint8Array) => Promise<Uint8Array>;

/** SHA-1 through WebCrypto, present in Node 20, browsers, workerd and Deno. */
export const webCryptoSha1: AsyncSha1 = async (bytes) =>
  new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>));

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** A fresh Sec-WebSocket-Key: 16 bytes from `random`, base64-encoded (24 characters). */
export function generateKey(random: RandomSource): string {
  const nonce = new Uint8Array(KEY_NONCE_BYTES);
  random(nonce);
  return toBase64(nonce);
}

// Base64 (RFC 4648 section 4) of 16 bytes: 128 bits in 22 six-bit digits, then two "=" of padding.
const KEY_BASE64_DIGITS = 22;
const KEY_BASE64_LENGTH = 24;
const BASE64_PAD = 0x3d;

function isBase64Char(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2b || // +
    code === 0x2f // /
  );
}

/**
 * True when `key` is the base64 of exactly 16 bytes: 22 base64 characters then "==" (section 4.2.1,
 * item 5). As in ws, the unused low bits of the last character are not required to be zero.
 */
export function isValidKey(key: string): boolean {
  if (key.length !== KEY_BASE64_LENGTH) return false;
  for (let i = 0; i < KEY_BASE64_DIGITS; i++) if (!isBase64Char(key.charCodeAt(i))) return false;
  for (let i = KEY_BASE64_DIGITS; i < KEY_BASE64_LENGTH; i++) if (key.charCodeAt(i) !== BASE64_PAD) return false;
  return true;
}

/**
 * The bytes to hash for `key`: the ASCII of key + GUID. For a transport that runs SHA-1 itself; then
 * acceptFromDigest turns the digest into the header value.
 */
export function acceptHashInput(key: string): Uint8Array {
  const text = key + WEBSOCKET_GUID;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A header value that came through an HTTP parser holds one byte per character.
    if (code > 0xff) throw new TypeError('A Sec-WebSocket-Key holds only byte-sized characters');
    bytes[i] = code;
  }
  return bytes;
}

/** The Sec-WebSocket-Accept value for a SHA-1 `digest` of acceptHashInput(key). */
export function acceptFromDigest(digest: Uint8Array): string {
  if (digest.length !== SHA1_DIGEST_BYTES) {
    throw new RangeError(`A SHA-1 digest is ${SHA1_DIGEST_BYTES} bytes, got ${digest.length}`);
  }
  return toBase64(digest);
}

/** Sec-WebSocket-Accept for `key`, with a synchronous SHA-1. */
export function computeAccept(key: string, sha1: Sha1): string {
  if (typeof sha1 !== 'function') {
    throw new TypeError('computeAccept needs a synchronous SHA-1 function; use computeAcceptAsync for WebCrypto');
  }
  return acceptFromDigest(sha1(acceptHashInput(key)));
}

/** Sec-WebSocket-Accept for `key`, with a synchronous or asynchronous SHA-1 (WebCrypto's by default). */
export async function computeAcceptAsync(key: string, sha1: Sha1 | AsyncSha1 = webCryptoSha1): Promise<string> {
  return acceptFromDigest(await sha1(acceptHashInput(key)));
}
