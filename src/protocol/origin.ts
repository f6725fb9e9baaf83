// Origins as RFC 6454 defines them, for a server's allow-list (RFC 6455 section 10.2: a server that
// serves only some sites checks the Origin a browser sends, and refuses the others with 403).
//
// Two origins are the same when scheme, host and port are (RFC 6454 section 5). A browser sends the
// ASCII serialization (section 6.2): scheme and host in lower case, the port only when it is not the
// scheme's default. Both sides are put in that form before comparing, so 'HTTPS://App.Example.com:443'
// in the list (or in a request) is the origin 'https://app.example.com', while 'https://app.example.co',
// 'http://app.example.com' and 'https://app.example.com:8443' are other origins. The comparison is
// exact: never a prefix, a suffix or a substring.
//
// The origin "null" (section 7.1: sandboxed frames, file: pages, data: URLs, redirects across origins)
// is a single string shared by every opaque origin, so any page can produce it; it is admitted only when
// the list names 'null' itself.

import { optionRangeError, optionTypeError } from './option-checks.js';

/** The Origin value of an opaque origin (RFC 6454 section 6.2, step 1). */
export const NULL_ORIGIN = 'null';

/** Default ports of the schemes whose serialization elides them (RFC 6454 section 6.2 step 5, RFC 6455 section 3). */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443 };

/**
 * serialized-origin = scheme "://" host [ ":" port ] (RFC 6454 section 7.1), with scheme as RFC 3986
 * section 3.1 defines it and host an IP-literal in brackets or a name of RFC 3986's unreserved
 * characters (letters, digits, '-', '.', '_', '~'): what a browser sends for any host, as it writes
 * international names in their xn-- form. Sub-delimiters such as '*' are refused, so that no entry can
 * look like a pattern. Nothing else: no user info, no path (not even "/"), no query, no fragment.
 */
const SERIALIZED_ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~]+)(?::([0-9]{1,5}))?$/;

/** The ASCII serialization of `text` read as a serialized origin (or "null"), or null when it is not one. */
export function serializeOrigin(text: string): string | null {
  if (text === NULL_ORIGIN) return NULL_ORIGIN;
  const match = SERIALIZED_ORIGIN.exec(text);
  if (match === null) return null;
  const scheme = match[1].toLowerCase();
  const host = match[2].toLowerCase();
  const port = match[3] === undefined ? null : Number(match[3]);
  if (port !== null && port > 65535) return null;
  return port === null || port === DEFAULT_PORTS[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

/** The origins a server admits (WebSocketServer's allowedOrigins), checked and serialized once. */
export class OriginAllowList {
  private readonly origins: ReadonlySet<string>;

  private constructor(origins: ReadonlySet<string>) {
    this.origins = origins;
  }

  /**
   * Builds the list from the option's value: an array of origins such as 'https://example.com' (or
   * 'null'). TypeError for anything but an array of strings (a lone string too: it is not read as one
   * origin, so that no one mistakes it for a pattern); RangeError for a string that is not an origin (a
   * URL with a path, a wildcard).
   */
  static from(value: unknown, name = 'allowedOrigins'): OriginAllowList {
    if (!Array.isArray(value)) {
      const hint = typeof value === 'string' ? ` (for one origin, write [${JSON.stringify(value)}])` : '';
      throw optionTypeError(name, `an array of origins such as ['https://example.com']${hint}`, value);
    }
    const origins = new Set<string>();
    value.forEach((entry: unknown, index) => {
      const entryName = `${name}[${index}]`;
      if (typeof entry !== 'string') {
        throw optionTypeError(entryName, "an origin string such as 'https://example.com'", entry);
      }
      const serialized = serializeOrigin(entry);
      if (serialized === null) {
        throw optionRangeError(
          entryName,
          "an origin, scheme://host[:port] with no path as browsers send it (a non-ASCII host in its xn-- form), or 'null'",
          entry,
        );
      }
      origins.add(serialized);
    });
    return new OriginAllowList(origins);
  }

  /**
   * Whether a request whose origin header lines are `values` may connect. No line passes (the client is
   * not a browser, and could send any Origin it liked); one line passes when its origin is listed;
   * several lines, a list of origins, or anything that is not an origin are refused.
   */
  admits(values: readonly string[]): boolean {
    if (values.length === 0) return true;
    if (values.length > 1) return false;
    const serialized = serializeOrigin(values[0]);
    return serialized !== null && this.origins.has(serialized);
  }
}
