// Writing an HTTP/1.1 head (RFC 7230 section 3): a start line, field lines, an empty line. Names and
// values that come from callers are checked before they are written: a CR or LF in a value would let
// whoever controls it add fields or end the head early (header injection), so such values are refused
// with a TypeError, as Node's http module does.

import { isToken } from './header-tokens.js';

/** Field values a caller may give: a string, a number, or several (one line each). */
export type HeaderValueInput = string | number | readonly (string | number)[];

/** Extra header fields: a record (Node's OutgoingHttpHeaders shape) or [name, value] pairs in order. */
export type HeaderInput =
  | Readonly<Record<string, HeaderValueInput | undefined>>
  | Iterable<readonly [name: string, value: HeaderValueInput]>;

const CRLF = '\r\n';

/** Throws TypeError unless `name` is a token (RFC 7230 section 3.2: field-name = token). */
export function assertFieldName(name: string): void {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new TypeError(`Invalid HTTP header name ${JSON.stringify(name)}`);
  }
}

/**
 * Throws TypeError unless `value` is field text: HTAB, SP, visible characters and obs-text. CR, LF, NUL
 * and every other control character are refused (RFC 7230 section 3.2).
 */
export function assertFieldValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      throw new TypeError(
        `Invalid character U+${code.toString(16).padStart(4, '0')} in the value of HTTP header ${JSON.stringify(name)}`,
      );
    }
  }
}

/** The fields of `input` as checked [name, value] pairs, in order; arrays give one pair per element. */
export function headerPairs(input: HeaderInput | undefined): Array<[name: string, value: string]> {
  const pairs: Array<[string, string]> = [];
  if (input === undefined) return pairs;
  const entries: Iterable<readonly [string, HeaderValueInput | undefined]> =
    Symbol.iterator in input
      ? (input as Iterable<readonly [string, HeaderValueInput]>)
      : Object.entries(input as Record<string, HeaderValueInput | undefined>);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    assertFieldName(name);
    const values = Array.isArray(value) ? value : [value];
    for (const each of values as readonly (string | number)[]) {
      if (typeof each !== 'string' && typeof each !== 'number') {
        throw new TypeError(`The value of HTTP header ${JSON.stringify(name)} must be a string or a number`);
      }
      const text = String(each);
      assertFieldValue(name, text);
      pairs.push([name, text]);
    }
  }
  return pairs;
}

/** "Name: value" for each pair. */
export function fieldLines(pairs: Iterable<readonly [string, string]>): string[] {
  const lines: string[] = [];
  for (const [name, value] of pairs) lines.push(`${name}: ${value}`);
  return lines;
}

/**
 * Joins a start line and field lines (["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", ...],
 * the array ws hands to its 'headers' event) into a head ending in the empty line.
 */
export function formatHead(lines: readonly string[]): string {
  return lines.join(CRLF) + CRLF + CRLF;
}

const encoder = new TextEncoder();

/**
 * The bytes of a head (and any body after it) to write to a socket: UTF-8, which is what
 * `socket.write(string)` sends in Node; handshake heads are ASCII unless a caller's value is not.
 */
export function encodeHead(head: string): Uint8Array {
  return encoder.encode(head);
}
