// Turns the text of a flag into the value a command needs, or a UsageError naming the flag.

import { UsageError } from './command.js';

/** The highest TCP port number. */
const MAX_PORT = 65_535;

/** A whole number written in decimal digits (no sign, exponent, or fraction), within [min, max]. */
export function parseInteger(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min} to ${max}`;
    throw new UsageError(`--${flag} must be a whole number, ${range} (got '${text}')`);
  }
  return value;
}

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** A duration in milliseconds, usable as a timer delay. */
export function parseMilliseconds(text: string, flag: string, min = 1): number {
  return parseInteger(text, flag, min, MAX_TIMER_MS);
}

/** A TCP port; 0 asks the system for a free one. */
export function parsePort(text: string, flag = 'port'): number {
  return parseInteger(text, flag, 0, MAX_PORT);
}

/**
 * A request header written `Name: value` (as curl's -H). The name must be an HTTP token (RFC 9110
 * section 5.1); Node checks the value again when it sends the request.
 */
export function parseHeader(text: string): [name: string, value: string] {
  const colon = text.indexOf(':');
  const name = colon === -1 ? '' : text.slice(0, colon).trim();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw new UsageError(`--header must look like 'Name: value' (got '${text}')`);
  }
  return [name, text.slice(colon + 1).trim()];
}

/** More cases than any Autobahn suite has (about 520): a bound on what a range may expand to. */
const MAX_CASES = 100_000;

/** Case numbers written `3`, `1,4,9` or ranges `1-16,20`: in order, each once. */
export function parseCaseList(text: string, flag = 'cases'): number[] {
  const cases = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (range === null) throw new UsageError(`--${flag} must list case numbers like 1,4,7-9 (got '${text}')`);
    const first = parseInteger(range[1], flag, 1);
    const last = range[2] === undefined ? first : parseInteger(range[2], flag, first, first + MAX_CASES - 1);
    for (let n = first; n <= last; n++) cases.add(n);
    if (cases.size > MAX_CASES) throw new UsageError(`--${flag} lists more than ${MAX_CASES} cases`);
  }
  return [...cases];
}

/** The host as it appears in a URL: IPv6 literals go in brackets (RFC 3986 section 3.2.2). */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
