// Property tests of the handshake's parsers: Sec-WebSocket-Extensions (and the other list headers) and
// the HTTP head reader, fed headers rendered from a model with every spelling the grammar allows,
// mutations of them, random bytes, and hostile 64 KiB mixtures of the grammar's separators.
//
// What must hold: nothing is thrown but the parser's own typed error (HeaderSyntaxError, or a HandshakeError
// result from the head reader, with 400 or 431); what parses is well-formed (names and values are tokens)
// and stable (writing it and reading it back gives it again); the head reader gives one answer however
// the bytes are split; and hostile values cost a bounded number of reads per character (a count, never
// a timing).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateUpgradeRequest } from '../../src/protocol/handshake-server.ts';
import {
  type ExtensionParamValue,
  formatExtensionList,
  HeaderSyntaxError,
  isToken,
  type ParsedExtension,
  parseExtensionList,
  parseSubprotocolList,
  parseTokenList,
  parseUpgradeList,
} from '../../src/protocol/header-tokens.ts';
import { HeadReader, parseRequestHead, type RequestHead } from '../../src/protocol/http-head.ts';

const KIB_64 = 64 * 1024;
const LIST_PARSERS = [parseExtensionList, parseSubprotocolList, parseTokenList, parseUpgradeList];

/** Runs `parse`; returns its result, or the HeaderSyntaxError it threw. Anything else thrown fails the test. */
function parseOrSyntaxError<T>(parse: (value: string) => T, value: string): T | HeaderSyntaxError {
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof HeaderSyntaxError) return error;
    throw error;
  }
}

/** A parsed extension list as plain data: [name, [param, value or values][]][]. */
function plain(
  extensions: ParsedExtension[],
): Array<[string, Array<[string, ExtensionParamValue | ExtensionParamValue[]]>]> {
  return extensions.map((e) => [e.name, [...e.params]]);
}

/** Checks what a successful extension parse must look like, and that writing it reads back the same. */
function expectWellFormed(extensions: ParsedExtension[]): void {
  expect(extensions.length).toBeGreaterThan(0);
  for (const extension of extensions) {
    expect(isToken(extension.name)).toBe(true);
    for (const [name, value] of extension.params) {
      expect(isToken(name)).toBe(true);
      for (const each of Array.isArray(value) ? value : [value]) {
        if (each !== true) expect(isToken(each)).toBe(true);
      }
    }
  }
  expect(plain(parseExtensionList(formatExtensionList(extensions)))).toEqual(plain(extensions));
}

// RFC 7230 section 3.2.6 tchar.
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 8 });
const ows = fc.constantFrom('', ' ', '\t', '  ', ' \t ');

/** A parameter value written bare, or quoted with any of its characters escaped (section 9.1 allows both). */
const paramValue = fc
  .record({ value: token, quoted: fc.boolean(), escapes: fc.array(fc.boolean(), { maxLength: 8 }) })
  .map(({ value, quoted, escapes }) => {
    if (!quoted) return { value, text: value };
    const inner = [...value].map((char, i) => (escapes[i] ? `\\${char}` : char)).join('');
    return { value, text: `"${inner}"` };
  });

const param = fc.record({
  name: token,
  value: fc.option(paramValue, { nil: undefined }),
  before: ows,
  after: ows,
  aroundEquals: fc.tuple(ows, ows),
});

const extension = fc.record({ name: token, params: fc.array(param, { maxLength: 4 }) });

/** A Sec-WebSocket-Extensions value rendered from a model, with optional whitespace and empty list elements. */
const extensionHeader = fc
  .record({
    extensions: fc.array(extension, { minLength: 1, maxLength: 4 }),
    empties: fc.array(fc.nat({ max: 2 }), { minLength: 5, maxLength: 5 }),
    edge: fc.tuple(ows, ows),
  })
  .map(({ extensions, empties, edge }) => {
    const rendered = extensions.map((e) => {
      let text = e.name;
      for (const p of e.params) {
        text += `${p.before};${p.after}${p.name}`;
        if (p.value !== undefined) text += `${p.aroundEquals[0]}=${p.aroundEquals[1]}${p.value.text}`;
      }
      return text;
    });
    // RFC 7230 section 7: recipients accept empty list elements (",," and leading or trailing commas).
    const joined = rendered.map((text, i) => `${',  '.repeat(empties[i % 5])}${text}`).join(' , ');
    const header = `${edge[0]}${joined}${','.repeat(empties[4])}${edge[1]}`;
    const expected = extensions.map((e) => {
      const params = new Map<string, ExtensionParamValue | ExtensionParamValue[]>();
      for (const p of e.params) {
        const value: ExtensionParamValue = p.value === undefined ? true : p.value.value;
        const existing = params.get(p.name);
        if (existing === undefined) params.set(p.name, value);
        else if (Array.isArray(existing)) existing.push(value);
        else params.set(p.name, [existing, value]);
      }
      return { name: e.name, params };
    });
    return { header, expected };
  });

/** Characters the list grammars give meaning to, and a few they refuse. */
const SEPARATORS = [',', ';', '"', '\\', ' ', '=', '\t', '/', 'a', 'Z', '9', '\u00ff', '\u0000', '\r', '\n', '(', '{'];

const stringEdit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ unit: fc.constantFrom(...SEPARATORS), minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.constantFrom(...SEPARATORS) }),
);

type StringEdit = typeof stringEdit extends fc.Arbitrary<infer Edit> ? Edit : never;

function applyEdits(text: string, edits: readonly StringEdit[]): string {
  let out = text;
  for (const edit of edits) {
    const at = edit.at % (out.length + 1);
    if (edit.kind === 'insert') out = out.slice(0, at) + edit.text + out.slice(at);
    else if (edit.kind === 'delete') out = out.slice(0, at) + out.slice(at + edit.count);
    else if (at < out.length) out = out.slice(0, at) + edit.char + out.slice(at + 1);
  }
  return out;
}

/** Long runs of separators (the shapes that make backtracking parsers slow), up to 64 KiB in all. */
const hostileValue = fc
  .array(
    fc.record({
      char: fc.constantFrom(',', ';', '"', '\\', ' ', '=', 'a', '\t', 'a;', 'a=', '"a', '\\"'),
      run: fc.integer({ min: 1, max: 16_384 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((runs) =>
    runs
      .map(({ char, run }) => char.repeat(Math.ceil(run / char.length)))
      .join('')
      .slice(0, KIB_64),
  );

/** `text` as a String object that counts how often each index is read through charCodeAt. */
function counted(text: string): { value: string; reads: Uint32Array } {
  const reads = new Uint32Array(text.length + 1);
  const value = Object.assign(new String(text), {
    charCodeAt(index: number) {
      reads[Math.min(index, text.length)]++;
      return text.charCodeAt(index);
    },
  });
  return { value: value as unknown as string, reads };
}

describe('Sec-WebSocket-Extensions and the other list headers', () => {
  it('a header rendered from a model, with any whitespace, quoting and escaping, parses to the model', () => {
    fc.assert(
      fc.property(extensionHeader, ({ header, expected }) => {
        const parsed = parseExtensionList(header);
        expect(plain(parsed)).toEqual(plain(expected));
        expectWellFormed(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('mutated headers parse to something well-formed and stable, or fail with HeaderSyntaxError only', () => {
    let failures = 0;
    fc.assert(
      fc.property(extensionHeader, fc.array(stringEdit, { minLength: 1, maxLength: 4 }), ({ header }, edits) => {
        const mutated = applyEdits(header, edits);
        const extensions = parseOrSyntaxError(parseExtensionList, mutated);
        if (extensions instanceof HeaderSyntaxError) {
          failures++;
          expect(extensions.index).toBeGreaterThanOrEqual(0);
          expect(extensions.index).toBeLessThanOrEqual(mutated.length);
        } else {
          expectWellFormed(extensions);
        }
        for (const parse of [parseSubprotocolList, parseTokenList, parseUpgradeList]) {
          const result = parseOrSyntaxError(parse, mutated);
          if (!(result instanceof HeaderSyntaxError)) for (const item of result) expect(item.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1_000 },
    );
    // The mutations must have broken headers as well as kept some whole.
    expect(failures).toBeGreaterThan(200);
  });

  // The bound is a constant, the same for 6 characters as for 64 KiB: a backtracking parser would read
  // some characters O(n) times. A character may be read by each step that looks at it (end of a token,
  // whitespace, ";" then "=" then ","), and again by the error message that names it. An exhaustive run
  // over every string of up to 6 characters from , ; " \ space = a / found at most 8 reads of one
  // character and 3n + 7 in all (2026-11-25); the checks allow 10 and 4n + 16.
  it('hostile 64 KiB runs of , ; " \\ = and spaces: a typed answer, and a bounded number of reads of each character', () => {
    fc.assert(
      fc.property(hostileValue, (text) => {
        for (const parse of LIST_PARSERS) {
          const { value, reads } = counted(text);
          const result = parseOrSyntaxError(parse as (value: string) => unknown, value);
          if (parse === parseExtensionList && !(result instanceof HeaderSyntaxError)) {
            expectWellFormed(result as ParsedExtension[]);
          }
          let max = 0;
          let total = 0;
          for (const count of reads) {
            if (count > max) max = count;
            total += count;
          }
          expect(max).toBeLessThanOrEqual(10);
          expect(total).toBeLessThanOrEqual(4 * text.length + 16);
        }
      }),
      { numRuns: 40 },
    );
  });
});

const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);

/** A field value: visible ASCII, spaces, tabs and obs-text (RFC 7230 section 3.2), without edge whitespace. */
const fieldValue = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019 \t!"#,;=/\\:\u0080\u00ff'), maxLength: 40 })
  .map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));

/** A valid upgrade request head, its fields in order, and bytes that may follow it (the first frames). */
const requestHead = fc
  .record({
    url: fc.constantFrom('/', '/chat', '/a?b=c', '*'),
    extra: fc.array(fc.tuple(token, fieldValue), { maxLength: 12 }),
    extensions: fc.option(
      extensionHeader.map((h) => h.header.replace(/^[ \t]+|[ \t]+$/g, '')),
      { nil: undefined },
    ),
    after: fc.uint8Array({ maxLength: 20 }),
  })
  .map(({ url, extra, extensions, after }) => {
    const fields: Array<[string, string]> = [
      ['Host', 'example.com'],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ['Sec-WebSocket-Version', '13'],
      ...extra.filter(([name]) => !/^(host|sec-websocket-.*|upgrade|connection)$/i.test(name)),
    ];
    if (extensions !== undefined) fields.push(['Sec-WebSocket-Extensions', extensions]);
    const head = `GET ${url} HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
    return { head: latin1(head), fields, after };
  });

const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.constantFrom(...['\r', '\n', '\r\n', ':', ' ', '\t', '\0', '\r\n\r\n', ' \r\n', 'X: y\r\n'].map(latin1)),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type ByteEdit = typeof byteEdit extends fc.Arbitrary<infer Edit> ? Edit : never;

function applyByteEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let out = bytes;
  for (const edit of edits) {
    const n = out.length;
    const at = edit.at % (n + 1);
    if (edit.kind === 'flip') {
      if (at === n) continue;
      out = out.slice();
      out[at] ^= 1 << edit.bit;
    } else if (edit.kind === 'insert') out = Buffer.concat([out.subarray(0, at), edit.bytes, out.subarray(at)]);
    else if (edit.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + edit.count)]);
    else if (edit.kind === 'truncate') out = out.subarray(0, at);
  }
  return Uint8Array.from(out);
}

type HeadOutcome =
  | { kind: 'need-more' }
  | {
      kind: 'complete';
      headLength: number;
      method: string;
      url: string;
      httpVersion: string;
      fields: Array<readonly [string, string]>;
    }
  | { kind: 'error'; code: string; status: number | undefined };

/** Feeds HeadReader the chunks until it answers; also returns the bytes it said follow the head. */
function readInChunks(
  bytes: Uint8Array,
  points: readonly number[],
  limits = {},
): { outcome: HeadOutcome; rest: Uint8Array | null } {
  const reader = new HeadReader<RequestHead>('request', limits);
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const end of [...cuts, bytes.length]) {
    if (end < at) continue;
    const result = reader.push(bytes.subarray(at, end));
    if (result.kind !== 'need-more') {
      const rest = result.kind === 'complete' ? Uint8Array.from(result.rest) : null;
      // What follows the head is the rest of that chunk plus the chunks not given to the reader.
      const following = rest === null ? null : Buffer.concat([rest, bytes.subarray(end)]);
      return { outcome: outcomeOf(result), rest: following };
    }
    at = end;
  }
  return { outcome: { kind: 'need-more' }, rest: null };
}

function outcomeOf(result: ReturnType<typeof parseRequestHead>): HeadOutcome {
  if (result.kind === 'need-more') return { kind: 'need-more' };
  if (result.kind === 'error') return { kind: 'error', code: result.error.code, status: result.error.status };
  const { method, url, httpVersion, headers } = result.head;
  return { kind: 'complete', headLength: result.headLength, method, url, httpVersion, fields: [...headers] };
}

/** What must hold of any answer: typed errors with 400 or 431, heads within limits, upgrade checks that never throw. */
function expectSoundHead(
  outcome: HeadOutcome,
  bytes: Uint8Array,
  limits: { maxHeadBytes?: number; maxHeaderCount?: number } = {},
): void {
  const { maxHeadBytes = 16 * 1024, maxHeaderCount = 100 } = limits;
  if (outcome.kind === 'error') {
    expect([400, 431]).toContain(outcome.status);
    return;
  }
  if (outcome.kind === 'need-more') {
    // Waiting is only right while the limit has not been reached and no empty line ended the head.
    expect(bytes.length).toBeLessThanOrEqual(maxHeadBytes);
    return;
  }
  expect(outcome.headLength).toBeLessThanOrEqual(Math.min(maxHeadBytes, bytes.length));
  expect(outcome.fields.length).toBeLessThanOrEqual(maxHeaderCount);
  for (const [name] of outcome.fields) expect(isToken(name)).toBe(true);
  const parsed = parseRequestHead(bytes, limits);
  if (parsed.kind !== 'complete') throw new Error('a complete head must parse whole too');
  // The server's checks answer every parsed request with a verdict, never an exception.
  const verdict = validateUpgradeRequest(parsed.head);
  if (!verdict.ok) expect([400, 405, 426]).toContain(verdict.error.status);
}

describe('the HTTP head reader', () => {
  it('reads a valid upgrade request to its fields, in one piece or split anywhere, and hands back what follows', () => {
    fc.assert(
      fc.property(requestHead, fc.array(fc.nat(), { maxLength: 8 }), ({ head, fields, after }, points) => {
        const bytes = Buffer.concat([head, after]);
        const whole = outcomeOf(parseRequestHead(bytes));
        expect(whole).toMatchObject({ kind: 'complete', headLength: head.length, method: 'GET', httpVersion: '1.1' });
        expect((whole as { fields: unknown }).fields).toEqual(fields);
        const split = readInChunks(bytes, points);
        expect(split.outcome).toEqual(whole);
        expect(Buffer.compare(split.rest as Uint8Array, after)).toBe(0);
        const verdict = validateUpgradeRequest((parseRequestHead(bytes) as { head: RequestHead }).head);
        const extensions = fields.find(([name]) => name === 'Sec-WebSocket-Extensions');
        // Valid except perhaps for an extensions header a mutation-free model always writes well.
        expect(verdict.ok, extensions?.[1]).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('mutated requests: the same typed answer split or whole, never a throw, statuses 400/431 only', () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(
        requestHead,
        fc.array(byteEdit, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        ({ head }, edits, points) => {
          const bytes = applyByteEdits(head, edits);
          const whole = outcomeOf(parseRequestHead(bytes));
          outcomes.set(whole.kind, (outcomes.get(whole.kind) ?? 0) + 1);
          expect(readInChunks(bytes, points).outcome).toEqual(whole);
          expectSoundHead(whole, bytes);
        },
      ),
      { numRuns: 1_000 },
    );
    // Every kind of answer must have come up.
    expect(outcomes.get('complete')).toBeGreaterThan(100);
    expect(outcomes.get('error')).toBeGreaterThan(100);
    expect(outcomes.get('need-more')).toBeGreaterThan(10);
  });

  it('random bytes: the same typed answer split or whole, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, points) => {
        const whole = outcomeOf(parseRequestHead(bytes));
        expect(readInChunks(bytes, points).outcome).toEqual(whole);
        expectSoundHead(whole, bytes);
      }),
      { numRuns: 1_000 },
    );
  });

  it('hostile 64 KiB header values: refused with 431 under the default limit; read, and judged by the server checks, under a raised one', () => {
    fc.assert(
      fc.property(hostileValue, fc.array(fc.nat(), { maxLength: 4 }), (value, points) => {
        const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
        const text =
          'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${value}\r\n\r\n`;
        const bytes = latin1(text);
        const byDefault = outcomeOf(parseRequestHead(bytes));
        if (bytes.length > 16 * 1024) expect(byDefault).toMatchObject({ kind: 'error', status: 431 });
        const limits = { maxHeadBytes: 2 * KIB_64 };
        const raised = readInChunks(bytes, points, limits).outcome;
        expect(raised).toEqual(outcomeOf(parseRequestHead(bytes, limits)));
        expectSoundHead(raised, bytes, limits);
        if (raised.kind !== 'complete') return;
        expect(raised.fields.at(-1)).toEqual(['Sec-WebSocket-Extensions', trimmed]);
        // The server's verdict on the extensions agrees with the list parser on its own.
        const verdict = validateUpgradeRequest((parseRequestHead(bytes, limits) as { head: RequestHead }).head);
        const list = parseOrSyntaxError(parseExtensionList, trimmed);
        if (list instanceof HeaderSyntaxError) expect(verdict.ok ? null : verdict.error.status).toBe(400);
        else expect(verdict.ok).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});
