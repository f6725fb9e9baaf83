// Basic authorization from a URL's credentials (RFC 7617), decoded as ws decodes them: Node's
// querystring.unescape is the independent reference here (ws 8.23 calls it), and Buffer's base64 the
// reference encoding. The clients' use of it is checked on the wire in test/node/client-url.node.test.ts.

import { unescape as querystringUnescape } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  basicAuthorizationOf,
  credentialsOf,
  decodeUserInfo,
} from '../../src/protocol/basic-authorization.ts';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('decodeUserInfo', () => {
  it('decodes percent-escapes, UTF-8 included', () => {
    expect(decodeUserInfo('us%20er')).toBe('us er');
    expect(decodeUserInfo('p%C3%A4ss')).toBe('päss');
    expect(decodeUserInfo('%F0%9F%98%80')).toBe('😀');
    expect(decodeUserInfo('a+b')).toBe('a+b');
  });

  it('never throws on a malformed escape, and reads it as querystring.unescape does', () => {
    const malformed = ['%', '%zz', '%E0', 'a%E0%41', '%%41', '%4', '%4g%41', 'ok%C3', '%C3%A4%ff', '%F0%9F%98', '%%'];
    for (const text of malformed) {
      expect(() => decodeURIComponent(text), text).toThrow(URIError);
      expect(decodeUserInfo(text), text).toBe(querystringUnescape(text));
    }
  });

  it('agrees with querystring.unescape on user information a WHATWG URL can hold', () => {
    // What URL keeps in username/password: ASCII, non-ASCII percent-encoded, and any '%' as written.
    const piece = fc.oneof(
      fc.constantFrom('%', '%2', '%25', '%C3%A4', '%E0', '%ZZ', '%41', 'a', 'Z', '0', '-', '~', '!', '+', ';'),
      fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, '0')}`),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        expect(decodeUserInfo(text)).toBe(querystringUnescape(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('credentialsOf and basicAuthorization', () => {
  it('reads "user:password" from the URL, decoded, and null without credentials', () => {
    expect(credentialsOf(new URL('ws://us%20er:p%C3%A4ss@host/'))).toBe('us er:päss');
    expect(credentialsOf(new URL('ws://user@host/'))).toBe('user:');
    expect(credentialsOf(new URL('ws://:secret@host/'))).toBe(':secret');
    // The URL parser percent-encodes what userinfo may not hold as it is.
    expect(credentialsOf(new URL('ws://ü:a b@host/'))).toBe('ü:a b');
    expect(credentialsOf(new URL('ws://host/'))).toBeNull();
    expect(credentialsOf(new URL('ws://@host/'))).toBeNull();
  });

  it('writes "Basic " and the base64 of the UTF-8 bytes (RFC 7617 section 2.1)', () => {
    for (const credentials of ['user:pass', 'us er:päss', ':', '😀:\u00ff', 'a:b:c']) {
      expect(basicAuthorization(credentials), credentials).toBe(`Basic ${base64(credentials)}`);
    }
    expect(basicAuthorizationOf(new URL('ws://us%20er:p%C3%A4ss@host/'))).toBe(`Basic ${base64('us er:päss')}`);
    expect(basicAuthorizationOf(new URL('ws://%zz:pw@host/'))).toBe(`Basic ${base64('%zz:pw')}`);
    expect(basicAuthorizationOf(new URL('ws://host/'))).toBeNull();
  });
});
