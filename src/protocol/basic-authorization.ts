// Basic authorization from a URL's credentials (RFC 7617): "ws://user:password@host/" sends
// `Authorization: Basic base64(user ":" password)`, the user-id and password in UTF-8 (section 2.1's
// charset). The URL keeps them percent-encoded; they are decoded as ws decodes them (Node's
// querystring.unescape): decodeURIComponent, or, where that fails on a malformed escape, each valid %XX
// as a byte and everything else as written, read as UTF-8 with U+FFFD for what does not decode.
// Portable (TextEncoder, TextDecoder, btoa): no node: import.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Percent-decodes URL user information as ws does; never throws. */
export function decodeUserInfo(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    const bytes = encoder.encode(text);
    const out = new Uint8Array(bytes.length);
    let length = 0;
    for (let i = 0; i < bytes.length; i++) {
      const high = bytes[i] === 0x25 && i + 2 < bytes.length ? hexValue(bytes[i + 1]) : -1;
      const low = high === -1 ? -1 : hexValue(bytes[i + 2]);
      if (low === -1) {
        out[length++] = bytes[i];
      } else {
        out[length++] = (high << 4) | low;
        i += 2;
      }
    }
    return decoder.decode(out.subarray(0, length));
  }
}

/** The URL's "user:password", decoded; null when it has neither. */
export function credentialsOf(url: URL): string | null {
  if (url.username === '' && url.password === '') return null;
  return `${decodeUserInfo(url.username)}:${decodeUserInfo(url.password)}`;
}

/** The Authorization value for `credentials` ("user:password"): "Basic " and their UTF-8 in base64. */
export function basicAuthorization(credentials: string): string {
  const bytes = encoder.encode(credentials);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return `Basic ${btoa(binary)}`;
}

/** The Authorization value from the URL's credentials; null when it has none. */
export function basicAuthorizationOf(url: URL): string | null {
  const credentials = credentialsOf(url);
  return credentials === null ? null : basicAuthorization(credentials);
}
