// The list-valued handshake headers (RFC 7230 sections 6.1, 6.7, 7; RFC 6455 sections 4.1, 9.1):
// every accepted and refused case class, round trips of the writer, hostile 64 KiB values, and ws's
// parser as an oracle for what must be accepted.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExtensionDescription,
  formatExtensionList,
  HeaderSyntaxError,
  isToken,
  type ParsedExtension,
  parseExtensionList,
  parseSubprotocolList,
  parseTokenList,
  parseUpgradeList,
  tokenListIncludes,
} from '../../src/protocol/header-tokens.ts';
import type { ExtensionItem } from '../../src/protocol/permessage-deflate.ts';

// ws's parser is internal (not in its exports map): loaded by path, as a reference only.
const require = createRequire(import.meta.url);
const wsExtension = require(join(dirname(require.resolve('ws')), 'lib', 'extension.js')) as {
  parse(header: string): Record<string, object[]>;
};

const KIB_64 = 64 * 1024;

/** The extensions as plain data, for comparing. */
function plain(extensions: ParsedExtension[]): Array<[string, Array<[string, unknown]>]> {
  return extensions.map((extension) => [extension.name, [...extension.params]]);
}

function syntaxError(parse: () => unknown): HeaderSyntaxError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(HeaderSyntaxError);
    return error as HeaderSyntaxError;
  }
  throw new Error('expected a HeaderSyntaxError, but the value parsed');
}

describe('isToken', () => {
  it('accepts every tchar and refuses separators, controls, spaces and non-ASCII', () => {
    expect(isToken("!#$%&'*+-.^_`|~09AZaz")).toBe(true);
    for (const bad of ['', ' ', 'a b', 'a,b', 'a;b', 'a=b', '"a"', 'a/b', 'a\\b', '(', ')', '<', '>', '@', ':', '?']) {
      expect(isToken(bad)).toBe(false);
    }
    for (const bad of ['[', ']', '{', '}', '\t', '\x00', '\x7f', 'é', 'a\u2028']) expect(isToken(bad)).toBe(false);
  });
});

describe('parseTokenList (Connection)', () => {
  it('lower-cases tokens and keeps their order', () => {
    expect(parseTokenList('keep-alive, Upgrade')).toEqual(['keep-alive', 'upgrade']);
    expect(parseTokenList('UPGRADE')).toEqual(['upgrade']);
  });

  it('accepts optional whitespace and empty elements (RFC 7230 section 7)', () => {
    expect(parseTokenList(' \t a \t,\tb ')).toEqual(['a', 'b']);
    expect(parseTokenList(',a,,  ,b,')).toEqual(['a', 'b']);
    expect(parseTokenList('')).toEqual([]);
    expect(parseTokenList(' , , ')).toEqual([]);
  });

  it('refuses what is not a token, with the index of the fault', () => {
    expect(syntaxError(() => parseTokenList('a b')).index).toBe(2);
    expect(syntaxError(() => parseTokenList('a;b')).index).toBe(1);
    expect(syntaxError(() => parseTokenList('"a"')).index).toBe(0);
    expect(syntaxError(() => parseTokenList('a, é')).index).toBe(3);
    expect(syntaxError(() => parseTokenList('a\r\n')).message).toContain('U+000d');
  });

  it('tokenListIncludes compares case-insensitively and says no for malformed lists', () => {
    expect(tokenListIncludes('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(tokenListIncludes('keep-alive', 'upgrade')).toBe(false);
    expect(tokenListIncludes('upgrade-ish', 'upgrade')).toBe(false);
    expect(tokenListIncludes('upgrade x', 'upgrade')).toBe(false);
  });
});

describe('parseUpgradeList (Upgrade)', () => {
  it('reads protocol names with an optional version', () => {
    expect(parseUpgradeList('WebSocket')).toEqual(['websocket']);
    expect(parseUpgradeList('h2c, websocket')).toEqual(['h2c', 'websocket']);
    expect(parseUpgradeList('HTTP/2.0, SHTTP/1.3')).toEqual(['http/2.0', 'shttp/1.3']);
  });

  it('refuses a slash without a version and other separators', () => {
    expect(syntaxError(() => parseUpgradeList('websocket/')).index).toBe(10);
    expect(syntaxError(() => parseUpgradeList('/1')).index).toBe(0);
    expect(syntaxError(() => parseUpgradeList('a/b/c')).index).toBe(3);
  });
});

describe('parseSubprotocolList (Sec-WebSocket-Protocol)', () => {
  it('keeps case and order', () => {
    expect(parseSubprotocolList('chat, SuperChat')).toEqual(['chat', 'SuperChat']);
    expect(parseSubprotocolList('v2.json.example.com')).toEqual(['v2.json.example.com']);
  });

  it('tolerates whitespace and empty elements but needs one name', () => {
    expect(parseSubprotocolList(' a ,, b ,')).toEqual(['a', 'b']);
    expect(syntaxError(() => parseSubprotocolList('')).message).toBe('Expected at least one subprotocol');
    expect(syntaxError(() => parseSubprotocolList(' , ')).message).toBe('Expected at least one subprotocol');
  });

  it('refuses a name given twice (RFC 6455 section 4.1), case-sensitively', () => {
    const error = syntaxError(() => parseSubprotocolList('a, b, a'));
    expect(error.message).toBe('The subprotocol "a" is listed twice');
    expect(error.index).toBe(6);
    expect(parseSubprotocolList('a, A')).toEqual(['a', 'A']);
  });

  it('refuses names that are not tokens', () => {
    for (const bad of ['a b', 'a;b', 'a/b', '"a"', 'a=1', 'chat\x00']) syntaxError(() => parseSubprotocolList(bad));
  });
});

describe('parseExtensionList (Sec-WebSocket-Extensions, RFC 6455 section 9.1)', () => {
  it('reads names and parameters, with and without values, in order', () => {
    const parsed = parseExtensionList(
      'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate, x-foo',
    );
    expect(plain(parsed)).toEqual([
      [
        'permessage-deflate',
        [
          ['client_max_window_bits', true],
          ['server_max_window_bits', '10'],
        ],
      ],
      ['permessage-deflate', []],
      ['x-foo', []],
    ]);
  });

  it('unescapes quoted-string values, which must then be tokens', () => {
    expect(plain(parseExtensionList('a; b="10"'))).toEqual([['a', [['b', '10']]]]);
    expect(plain(parseExtensionList('a; b="1\\0"'))).toEqual([['a', [['b', '10']]]]);
    expect(plain(parseExtensionList('a; b="\\x\\y"; c'))).toEqual([
      [
        'a',
        [
          ['b', 'xy'],
          ['c', true],
        ],
      ],
    ]);
    expect(syntaxError(() => parseExtensionList('a; b="1 0"')).message).toContain('must be a token');
    expect(syntaxError(() => parseExtensionList('a; b="1,0"')).index).toBe(7);
    expect(syntaxError(() => parseExtensionList('a; b="\\ "')).index).toBe(7);
    expect(syntaxError(() => parseExtensionList('a; b="\\"')).message).toContain('must be a token');
    expect(syntaxError(() => parseExtensionList('a; b="\\')).message).toBe('Unterminated quoted-string');
    expect(syntaxError(() => parseExtensionList('a; b="10')).message).toBe('Unterminated quoted-string');
    expect(syntaxError(() => parseExtensionList('a; b=""')).message).toBe('A quoted parameter value must not be empty');
    expect(syntaxError(() => parseExtensionList('a; b="1"0')).index).toBe(8);
  });

  it('keeps a duplicated parameter visible as an array of its values', () => {
    const [extension] = parseExtensionList(
      'permessage-deflate; server_max_window_bits=10; x; server_max_window_bits=11',
    );
    expect(extension.params.get('server_max_window_bits')).toEqual(['10', '11']);
    expect(extension.params.get('x')).toBe(true);
    expect([...extension.params.keys()]).toEqual(['server_max_window_bits', 'x']);
  });

  it('tolerates whitespace around separators and empty list elements', () => {
    expect(plain(parseExtensionList(' a ;b = 1 ;\tc , , d ,'))).toEqual([
      [
        'a',
        [
          ['b', '1'],
          ['c', true],
        ],
      ],
      ['d', []],
    ]);
    expect(plain(parseExtensionList('a;b="x"'))).toEqual([['a', [['b', 'x']]]]);
  });

  it('refuses each malformed shape with the index of the fault', () => {
    const cases: Array<[string, number]> = [
      ['', 0],
      [' , ', 3],
      [';a', 0],
      ['a;', 2],
      ['a;;b', 2],
      ['a; =1', 3],
      ['a; b=', 5],
      ['a; b=;', 5],
      ['a; b==1', 5],
      ['a; b=1=2', 6],
      ['a b', 2],
      ['a; b c', 5],
      ['a; b=1 2', 7],
      ['a; b=1/2', 6],
      ['a/1', 1],
      ['"a"', 0],
      ['a; "b"', 3],
      ['a=1', 1],
      ['a; b=\x00', 5],
    ];
    for (const [value, index] of cases) expect(syntaxError(() => parseExtensionList(value)).index, value).toBe(index);
  });

  it('builds prototype-free results: "__proto__" and "constructor" are ordinary names', () => {
    const [extension] = parseExtensionList('__proto__; __proto__=1; constructor; hasOwnProperty=x');
    expect(extension.name).toBe('__proto__');
    expect(extension.params.get('__proto__')).toBe('1');
    expect(extension.params.get('constructor')).toBe(true);
    expect(({} as Record<string, unknown>).hasOwnProperty).toBe(Object.prototype.hasOwnProperty);
  });

  it('gives what the permessage-deflate negotiator takes', () => {
    const items: readonly ExtensionItem[] = parseExtensionList('permessage-deflate; client_max_window_bits');
    expect(items[0].params.get('client_max_window_bits')).toBe(true);
  });

  it('accepts everything ws accepts, with the same names and values', () => {
    // Headers built from the grammar (with and without whitespace, quoted values with escapes), then
    // sometimes damaged by one inserted or deleted character, so both sides of the boundary are hit.
    const space = fc.oneof(
      { arbitrary: fc.constant(''), weight: 12 },
      { arbitrary: fc.constantFrom(' ', '\t', ' \t'), weight: 1 },
    );
    const token = fc.constantFrom('a', 'b', 'x-y', 'c_d', '10', 'permessage-deflate');
    const quoted = fc
      .array(fc.constantFrom('a', '1', '\\a', '\\1', 'x'), { minLength: 1, maxLength: 4 })
      .map((parts) => `"${parts.join('')}"`);
    const param = fc
      .tuple(space, token, fc.option(fc.tuple(space, space, fc.oneof(token, quoted))), space)
      .map(([before, name, value, after]) =>
        value === null ? `${before}${name}${after}` : `${before}${name}${value[0]}=${value[1]}${value[2]}${after}`,
      );
    const extension = fc
      .tuple(space, token, fc.array(param, { maxLength: 3 }), space)
      .map(([before, name, params, after]) => [`${before}${name}`, ...params].join(';') + after);
    const header = fc
      .tuple(
        fc.array(extension, { minLength: 1, maxLength: 3 }),
        fc.option(fc.tuple(fc.nat(), fc.constantFrom(' ', ',', ';', '=', '"', '\\', 'a', ''))),
      )
      .map(([extensions, damage]) => {
        const text = extensions.join(',');
        if (damage === null) return text;
        const at = damage[0] % (text.length + 1);
        return damage[1] === ''
          ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + damage[1] + text.slice(at);
      });
    let acceptedByWs = 0;
    let quotedAcceptedByWs = 0;
    fc.assert(
      fc.property(header, (value) => {
        let expected: Record<string, Array<Record<string, unknown[]>>>;
        try {
          expected = wsExtension.parse(value) as typeof expected;
        } catch {
          return; // ws refuses: we may be more lenient (empty elements, whitespace around "=").
        }
        acceptedByWs++;
        if (value.includes('"')) quotedAcceptedByWs++;
        const grouped = new Map<string, Array<Record<string, unknown[]>>>();
        for (const each of parseExtensionList(value)) {
          const params: Record<string, unknown[]> = {};
          for (const [name, paramValue] of each.params) {
            params[name] = Array.isArray(paramValue) ? paramValue : [paramValue];
          }
          grouped.set(each.name, [...(grouped.get(each.name) ?? []), params]);
        }
        expect(Object.fromEntries(grouped)).toEqual(
          Object.fromEntries(Object.entries(expected).map(([name, offers]) => [name, offers.map((o) => ({ ...o }))])),
        );
      }),
      { numRuns: 20_000 },
    );
    // The comparison must have had work to do.
    expect(acceptedByWs).toBeGreaterThan(2_000);
    expect(quotedAcceptedByWs).toBeGreaterThan(500);
  });

  it('throws nothing but HeaderSyntaxError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (value) => {
        for (const parse of [parseExtensionList, parseSubprotocolList, parseTokenList, parseUpgradeList]) {
          try {
            parse(value);
          } catch (error) {
            expect(error).toBeInstanceOf(HeaderSyntaxError);
          }
        }
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('formatExtensionList', () => {
  it('writes names, valueless and valued parameters, repeated values, numbers', () => {
    expect(
      formatExtensionList([
        {
          name: 'permessage-deflate',
          params: new Map<string, string | true | number>([
            ['a', true],
            ['b', 10],
          ]),
        },
        { name: 'x', params: { c: ['1', true] } },
        { name: 'y' },
      ]),
    ).toBe('permessage-deflate; a; b=10, x; c=1; c, y');
  });

  it('refuses names and values that are not tokens (TypeError: caller input)', () => {
    expect(() => formatExtensionList([{ name: 'a b' }])).toThrow(TypeError);
    expect(() => formatExtensionList([{ name: 'a', params: { 'b c': true } }])).toThrow(TypeError);
    expect(() => formatExtensionList([{ name: 'a', params: { b: 'x y' } }])).toThrow(TypeError);
    expect(() => formatExtensionList([{ name: 'a', params: { b: 'x\r\nEvil: 1' } }])).toThrow(TypeError);
    expect(() => formatExtensionList([{ name: 'a', params: { b: '' } }])).toThrow(TypeError);
  });

  it('round-trips through the parser', () => {
    const token = fc.stringMatching(/^[a-z0-9_!#$%&'*+.^`|~-]{1,6}$/);
    const description = fc.record({
      name: token,
      params: fc.dictionary(token, fc.oneof(fc.constant(true as const), token, fc.array(token, { minLength: 2 }))),
    });
    fc.assert(
      fc.property(fc.array(description, { minLength: 1, maxLength: 4 }), (extensions: ExtensionDescription[]) => {
        const parsed = parseExtensionList(formatExtensionList(extensions));
        expect(parsed.map((extension) => extension.name)).toEqual(extensions.map((extension) => extension.name));
        parsed.forEach((extension, i) => {
          expect(Object.fromEntries(extension.params)).toEqual({ ...extensions[i].params });
        });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('hostile 64 KiB values: one pass, right answers, only HeaderSyntaxError', () => {
  it('runs of commas and spaces are empty lists', () => {
    expect(parseTokenList(','.repeat(KIB_64))).toEqual([]);
    expect(parseTokenList(' '.repeat(KIB_64))).toEqual([]);
    expect(parseTokenList(', \t'.repeat(KIB_64 / 3))).toEqual([]);
    expect(syntaxError(() => parseSubprotocolList(','.repeat(KIB_64))).index).toBe(KIB_64);
    expect(syntaxError(() => parseExtensionList(' ,'.repeat(KIB_64 / 2))).index).toBe(KIB_64);
  });

  it('a token after 64 KiB of whitespace is found; a long token is one element', () => {
    expect(parseTokenList(`${' '.repeat(KIB_64)}Upgrade`)).toEqual(['upgrade']);
    expect(parseSubprotocolList('p'.repeat(KIB_64))).toEqual(['p'.repeat(KIB_64)]);
  });

  it('runs of semicolons, equals signs and quotes fail where they start', () => {
    expect(syntaxError(() => parseExtensionList(';'.repeat(KIB_64))).index).toBe(0);
    expect(syntaxError(() => parseExtensionList(`a${';'.repeat(KIB_64)}`)).index).toBe(2);
    expect(syntaxError(() => parseExtensionList(`a; b${'='.repeat(KIB_64)}`)).index).toBe(5);
    expect(syntaxError(() => parseExtensionList('"'.repeat(KIB_64))).index).toBe(0);
    expect(syntaxError(() => parseExtensionList(`a; b=${'"'.repeat(KIB_64)}`)).index).toBe(5);
  });

  it('an unterminated quoted-string of backslashes fails at its first escaped backslash', () => {
    const value = `a; b="${'\\'.repeat(KIB_64)}`;
    const error = syntaxError(() => parseExtensionList(value));
    expect(error.index).toBe(7);
    expect(error.message).toContain('must be a token');
  });

  it('64 KiB of escapes unescape to the right token', () => {
    const [extension] = parseExtensionList(`a; b="${'\\x'.repeat(KIB_64 / 2)}"`);
    expect(extension.params.get('b')).toBe('x'.repeat(KIB_64 / 2));
    expect(syntaxError(() => parseExtensionList(`a; b="${'\\x'.repeat(KIB_64 / 2)}`)).message).toBe(
      'Unterminated quoted-string',
    );
  });

  it('thousands of parameters, extensions and subprotocols are all kept', () => {
    const [extension] = parseExtensionList(`a${'; p'.repeat(KIB_64 / 3)}`);
    expect(extension.params.get('p')).toHaveLength(Math.floor(KIB_64 / 3));

    const manyExtensions = parseExtensionList('e; q=1, '.repeat(KIB_64 / 8));
    expect(manyExtensions).toHaveLength(KIB_64 / 8);
    expect(manyExtensions.every((each) => each.name === 'e' && each.params.get('q') === '1')).toBe(true);

    const names = Array.from({ length: 8000 }, (_, i) => `p${i}`);
    expect(parseSubprotocolList(names.join(','))).toEqual(names);
    expect(syntaxError(() => parseSubprotocolList(`${names.join(',')},p7999`)).message).toBe(
      'The subprotocol "p7999" is listed twice',
    );
  });

  it('alternating separators fail at the first misplaced one', () => {
    expect(syntaxError(() => parseExtensionList('a;,'.repeat(KIB_64 / 3))).index).toBe(2);
    expect(syntaxError(() => parseExtensionList('a=;'.repeat(KIB_64 / 3))).index).toBe(1);
    expect(syntaxError(() => parseExtensionList(`a; b="${'\\"'.repeat(KIB_64 / 2)}"`)).index).toBe(7);
    expect(syntaxError(() => parseTokenList('a '.repeat(KIB_64 / 2))).index).toBe(2);
  });
});

describe('work per character (a count, not a timing)', () => {
  /**
   * `text` as a String object that counts how often each index is read through charCodeAt, the only
   * way the parsers look at characters (slice copies out what was already scanned).
   */
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

  /** Hostile inputs of about `size` characters, each with the parser it targets. */
  const hostile = (size: number): Array<[string, (value: string) => unknown]> => [
    [','.repeat(size), parseTokenList],
    [' , \t'.repeat(size / 4), parseExtensionList],
    [`a${'; p'.repeat(size / 3)}`, parseExtensionList],
    ['e; q=1, '.repeat(size / 8), parseExtensionList],
    [`a; b="${'\\x'.repeat(size / 2)}"`, parseExtensionList],
    [`a; b="${'\\x'.repeat(size / 2)}`, parseExtensionList],
    [`a; b = ${' '.repeat(size)}"x"`, parseExtensionList],
    [Array.from({ length: size / 8 }, (_, i) => `p${i}`).join(' , '), parseSubprotocolList],
    ['websocket/1, '.repeat(size / 13), parseUpgradeList],
  ];

  // A character may be looked at again by the next step (the ";" that ended a parameter name is read
  // by the check for "=" and then for ";"), but a fixed number of times: 5 at most, 3 on average,
  // the same at 8 KiB as at 64 KiB. A backtracking parser would read some characters O(n) times.
  it('reads each character a bounded number of times, the same bound at 8 KiB and 64 KiB', () => {
    for (const size of [8 * 1024, KIB_64]) {
      for (const [text, parse] of hostile(size)) {
        const { value, reads } = counted(text);
        try {
          parse(value);
        } catch (error) {
          expect(error).toBeInstanceOf(HeaderSyntaxError);
        }
        const total = reads.reduce((sum, count) => sum + count, 0);
        expect(Math.max(...reads), text.slice(0, 20)).toBeLessThanOrEqual(5);
        expect(total, text.slice(0, 20)).toBeLessThanOrEqual(3 * text.length);
      }
    }
  });
});
