// Reading HTTP/1.1 heads from bytes (RFC 7230 sections 3, 3.1, 3.2, 3.5): every accepted and refused
// case class, each head also fed split at every byte, the two limits with their own errors, and the
// bytes after the head handed back untouched.

import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../src/protocol/errors.ts';
import { HandshakeErrorCode } from '../../src/protocol/handshake-error.ts';
import { HeaderFields } from '../../src/protocol/header-fields.ts';
import {
  DEFAULT_MAX_HEAD_BYTES,
  DEFAULT_MAX_HEADER_COUNT,
  type HeadParse,
  HeadReader,
  type HeadReaderResult,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from '../../src/protocol/http-head.ts';

const bytes = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

const REQUEST =
  'GET /chat?room=1 HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat\r\n' +
  'Sec-WebSocket-Protocol: superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';

const RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  '\r\n';

/** A masked text frame "Hi" and an unmasked one: what can follow a head in the same chunk. */
const FRAMES = new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 0x48 ^ 1, 0x69 ^ 2, 0x81, 0x02, 0x48, 0x69]);

function complete<Result extends HeadParse<unknown> | HeadReaderResult<RequestHead | ResponseHead>>(
  result: Result,
): Extract<Result, { kind: 'complete' }> {
  if (result.kind !== 'complete') throw new Error(`expected a complete head, got ${JSON.stringify(result)}`);
  return result as Extract<Result, { kind: 'complete' }>;
}

function errorCode(result: HeadParse<unknown> | HeadReaderResult<RequestHead | ResponseHead>): string {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`);
  return result.error.code;
}

function describeRequest(head: RequestHead) {
  return { method: head.method, url: head.url, httpVersion: head.httpVersion, fields: [...head.headers] };
}

describe('request heads', () => {
  it('reads the RFC 6455 section 1.3 example request', () => {
    const result = complete(parseRequestHead(bytes(REQUEST)));
    expect(result.headLength).toBe(REQUEST.length);
    expect(result.head.method).toBe('GET');
    expect(result.head.url).toBe('/chat?room=1');
    expect(result.head.httpVersion).toBe('1.1');
    const headers = result.head.headers;
    expect(headers.get('HOST')).toBe('server.example.com');
    expect(headers.get('sec-websocket-protocol')).toBe('chat, superchat');
    expect(headers.getAll('Sec-WebSocket-Protocol')).toEqual(['chat', 'superchat']);
    expect(headers.count('host')).toBe(1);
    expect(headers.size).toBe(8);
    expect([...headers][0]).toEqual(['Host', 'server.example.com']);
  });

  it('says need-more for every proper prefix, and only then', () => {
    const all = bytes(REQUEST);
    for (let length = 0; length < all.length; length++) {
      expect(parseRequestHead(all.subarray(0, length)).kind, `prefix of ${length} bytes`).toBe('need-more');
    }
    expect(parseRequestHead(all).kind).toBe('complete');
  });

  it('gives the same head whichever byte the input is split at, and keeps the bytes after it', () => {
    const all = new Uint8Array([...bytes(REQUEST), ...FRAMES]);
    const expected = describeRequest(complete(parseRequestHead(all)).head);
    for (let split = 0; split <= all.length; split++) {
      const reader = new HeadReader<RequestHead>('request');
      let result = reader.push(all.subarray(0, split));
      let notPushed = all.subarray(split);
      if (result.kind === 'need-more') {
        result = reader.push(notPushed);
        notPushed = notPushed.subarray(notPushed.length);
      }
      const done = complete(result);
      expect(describeRequest(done.head), `split at ${split}`).toEqual(expected);
      expect(done.headLength).toBe(REQUEST.length);
      // A head complete in the first chunk leaves the second unread: the frames are the two together.
      expect([...done.rest, ...notPushed], `split at ${split}`).toEqual([...FRAMES]);
    }
  });

  it('gives the same head when fed one byte at a time', () => {
    const all = bytes(REQUEST);
    const reader = new HeadReader<RequestHead>('request');
    for (let i = 0; i < all.length - 1; i++) expect(reader.push(all.subarray(i, i + 1)).kind).toBe('need-more');
    const done = complete(reader.push(all.subarray(all.length - 1)));
    expect(describeRequest(done.head)).toEqual(describeRequest(complete(parseRequestHead(all)).head));
    expect(done.rest.length).toBe(0);
  });

  it('ignores empty lines before the request line (RFC 7230 section 3.5), counting them in the length', () => {
    const text = `\r\n\r\n${REQUEST}`;
    const result = complete(parseRequestHead(bytes(text)));
    expect(result.head.method).toBe('GET');
    expect(result.headLength).toBe(text.length);
  });

  it('trims values, keeps empty values, and keeps obs-text as one character per byte', () => {
    const text = 'GET / HTTP/1.1\r\nHost:   a  \r\nX-Empty:\r\nX-Tab:\tb\t\r\nX-Latin: caf\xe9\r\n\r\n';
    const headers = complete(parseRequestHead(bytes(text))).head.headers;
    expect(headers.get('host')).toBe('a');
    expect(headers.get('x-empty')).toBe('');
    expect(headers.get('x-tab')).toBe('b');
    expect(headers.get('x-latin')).toBe('café');
  });

  it('keeps duplicated Host lines countable', () => {
    const text = 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n';
    const headers = complete(parseRequestHead(bytes(text))).head.headers;
    expect(headers.count('Host')).toBe(2);
    expect(headers.getAll('host')).toEqual(['a', 'b']);
  });

  it('stores any field name without touching prototypes', () => {
    const text = 'GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y\r\ntoString: z\r\n\r\n';
    const headers = complete(parseRequestHead(bytes(text))).head.headers;
    expect(headers.get('__proto__')).toBe('x');
    expect(headers.get('constructor')).toBe('y');
    expect(headers.get('tostring')).toBe('z');
    expect(headers.get('hasOwnProperty')).toBeUndefined();
  });

  it('refuses malformed request lines', () => {
    for (const line of [
      'GET / HTTP/1.1 extra',
      'GET  / HTTP/1.1',
      'GET /',
      'GET / HTTP/11',
      'GET / HTTPS/1.1',
      'GET / http/1.1',
      'G(T / HTTP/1.1',
      ' GET / HTTP/1.1',
      'GET /\x7f HTTP/1.1',
      'GET /\xe9 HTTP/1.1',
      'GET',
    ]) {
      expect(errorCode(parseRequestHead(bytes(`${line}\r\nHost: a\r\n\r\n`))), line).toBe(
        HandshakeErrorCode.MALFORMED_HEAD,
      );
    }
  });

  it('refuses malformed header lines: obs-fold, space before colon, bad names, controls, no colon', () => {
    const cases = [
      'Host: a\r\n folded',
      'Host: a\r\n\tfolded',
      'Host : a',
      'Ho st: a',
      ': a',
      'Host a',
      'H\xe9st: a',
      'Host: a\x00b',
      'Host: a\x7fb',
      'Host: a\x0bb',
    ];
    for (const line of cases) {
      const result = parseRequestHead(bytes(`GET / HTTP/1.1\r\n${line}\r\n\r\n`));
      expect(errorCode(result), JSON.stringify(line)).toBe(HandshakeErrorCode.MALFORMED_HEAD);
      if (result.kind === 'error') expect(result.error.status).toBe(400);
    }
    const folded = parseRequestHead(bytes('GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n'));
    expect(folded.kind === 'error' && folded.error.message).toContain('obs-fold');
  });

  it('refuses a bare LF or CR as soon as it arrives, without waiting for the end of the head', () => {
    expect(errorCode(parseRequestHead(bytes('GET / HTTP/1.1\nHost')))).toBe(HandshakeErrorCode.MALFORMED_HEAD);
    expect(errorCode(parseRequestHead(bytes('GET / HTTP/1.1\rHost')))).toBe(HandshakeErrorCode.MALFORMED_HEAD);
    expect(errorCode(parseRequestHead(bytes('GET / HTTP/1.1\r\nHost: a\n\n')))).toBe(HandshakeErrorCode.MALFORMED_HEAD);
    const reader = new HeadReader<RequestHead>('request');
    expect(reader.push(bytes('GET / HTTP/1.1\r')).kind).toBe('need-more');
    expect(errorCode(reader.push(bytes('X')))).toBe(HandshakeErrorCode.MALFORMED_HEAD);
  });
});

describe('response heads', () => {
  it('reads a 101 and hands back the frames that arrived in the same chunk, as a view', () => {
    const chunk = new Uint8Array([...bytes(RESPONSE), ...FRAMES]);
    const result = complete(parseResponseHead(chunk));
    expect(result.head.status).toBe(101);
    expect(result.head.reason).toBe('Switching Protocols');
    expect(result.head.httpVersion).toBe('1.1');
    expect(result.head.headers.get('sec-websocket-accept')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect([...chunk.subarray(result.headLength)]).toEqual([...FRAMES]);

    const reader = new HeadReader<ResponseHead>('response');
    const done = complete(reader.push(chunk));
    expect(done.rest.buffer).toBe(chunk.buffer);
    expect(done.rest.byteOffset).toBe(RESPONSE.length);
    expect([...done.rest]).toEqual([...FRAMES]);
  });

  it('splits at every byte with frames after the head', () => {
    const all = new Uint8Array([...bytes(RESPONSE), ...FRAMES]);
    for (let first = 0; first <= all.length; first++) {
      for (const second of [first, Math.min(all.length, first + 7)]) {
        const reader = new HeadReader<ResponseHead>('response');
        const pieces = [all.subarray(0, first), all.subarray(first, second), all.subarray(second)];
        let result: HeadReaderResult<ResponseHead> = { kind: 'need-more' };
        let consumed = 0;
        for (const piece of pieces) {
          result = reader.push(piece);
          consumed += piece.length;
          if (result.kind !== 'need-more') break;
        }
        const done = complete(result);
        expect(done.head.status).toBe(101);
        expect(done.head.headers.size).toBe(3);
        // What follows the head: the rest of the last chunk, then any chunks not yet pushed.
        expect([...done.rest, ...all.subarray(consumed)], `split at ${first}/${second}`).toEqual([...FRAMES]);
      }
    }
  });

  it('reads status lines with other codes, empty reasons and no reason at all', () => {
    const status = (line: string) => complete(parseResponseHead(bytes(`${line}\r\n\r\n`))).head;
    expect(status('HTTP/1.1 404 Not Found')).toMatchObject({ status: 404, reason: 'Not Found' });
    expect(status('HTTP/1.1 426 ')).toMatchObject({ status: 426, reason: '' });
    expect(status('HTTP/1.1 101')).toMatchObject({ status: 101, reason: '' });
    expect(status('HTTP/1.0 200 OK')).toMatchObject({ status: 200, httpVersion: '1.0' });
    expect(status('HTTP/1.1 200 caf\xe9 \tok')).toMatchObject({ reason: 'café \tok' });
  });

  it('refuses malformed status lines, and empty lines before one', () => {
    for (const line of ['HTTP/1.1 10', 'HTTP/1.1 1011', 'HTTP/1.1  101', 'HTTP/1.1 1o1 OK', 'HTTP/1.1', 'ICY 200 OK']) {
      expect(errorCode(parseResponseHead(bytes(`${line}\r\n\r\n`))), line).toBe(HandshakeErrorCode.MALFORMED_HEAD);
    }
    expect(errorCode(parseResponseHead(bytes('HTTP/1.1 101 A\x00B\r\n\r\n')))).toBe(HandshakeErrorCode.MALFORMED_HEAD);
    expect(errorCode(parseResponseHead(bytes(`\r\n${RESPONSE}`)))).toBe(HandshakeErrorCode.MALFORMED_HEAD);
  });
});

describe('limits', () => {
  /** A request head of exactly `size` bytes. */
  function requestOfSize(size: number): string {
    const start = 'GET / HTTP/1.1\r\nX: ';
    return `${start}${'a'.repeat(size - start.length - 4)}\r\n\r\n`;
  }

  it('takes a head of exactly maxHeadBytes and refuses one byte more, with its own code and 431', () => {
    expect(complete(parseRequestHead(bytes(requestOfSize(DEFAULT_MAX_HEAD_BYTES)))).headLength).toBe(
      DEFAULT_MAX_HEAD_BYTES,
    );
    const over = parseRequestHead(bytes(requestOfSize(DEFAULT_MAX_HEAD_BYTES + 1)));
    expect(errorCode(over)).toBe(HandshakeErrorCode.HEAD_TOO_LARGE);
    expect(over.kind === 'error' && over.error.status).toBe(431);
    expect(complete(parseRequestHead(bytes(requestOfSize(100)), { maxHeadBytes: 100 })).headLength).toBe(100);
    expect(errorCode(parseRequestHead(bytes(requestOfSize(101)), { maxHeadBytes: 100 }))).toBe(
      HandshakeErrorCode.HEAD_TOO_LARGE,
    );
  });

  it('refuses at the limit while the head is still arriving, even inside a chunk far larger than it', () => {
    const reader = new HeadReader<RequestHead>('request', { maxHeadBytes: 1024 });
    expect(reader.push(bytes('GET / HTTP/1.1\r\nX: ')).kind).toBe('need-more');
    expect(reader.push(new Uint8Array(1000).fill(0x61)).kind).toBe('need-more');
    // One chunk carrying far more than the limit: refused at byte 1024, not after copying it all.
    expect(errorCode(reader.push(new Uint8Array(1 << 20).fill(0x61)))).toBe(HandshakeErrorCode.HEAD_TOO_LARGE);
    expect(() => reader.push(bytes('\r\n\r\n'))).toThrow(InvalidStateError);
  });

  it('takes maxHeaderCount lines and refuses one more, with its own code, as the lines arrive', () => {
    const lines = (count: number) => Array.from({ length: count }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    const atLimit = complete(parseRequestHead(bytes(`GET / HTTP/1.1\r\n${lines(DEFAULT_MAX_HEADER_COUNT)}\r\n`)));
    expect(atLimit.head.headers.size).toBe(DEFAULT_MAX_HEADER_COUNT);
    const over = parseRequestHead(bytes(`GET / HTTP/1.1\r\n${lines(DEFAULT_MAX_HEADER_COUNT + 1)}`));
    expect(errorCode(over)).toBe(HandshakeErrorCode.TOO_MANY_HEADERS);
    expect(over.kind === 'error' && over.error.status).toBe(431);
    expect(errorCode(parseResponseHead(bytes(`HTTP/1.1 101 OK\r\n${lines(3)}\r\n`), { maxHeaderCount: 2 }))).toBe(
      HandshakeErrorCode.TOO_MANY_HEADERS,
    );
  });

  it('refuses nonsensical limits with RangeError', () => {
    expect(() => parseRequestHead(bytes(REQUEST), { maxHeadBytes: 0 })).toThrow(RangeError);
    expect(() => new HeadReader('request', { maxHeaderCount: -1 })).toThrow(RangeError);
    expect(() => new HeadReader('response', { maxHeadBytes: Number.NaN })).toThrow(RangeError);
  });

  it('reads 64 KiB of hostile field values when the limit allows, and refuses them under the default', () => {
    const limits = { maxHeadBytes: 80 * 1024 };
    const hostile = [',', ';', '"', '\\', ' ', ', ;="\\'];
    for (const unit of hostile) {
      const value = unit.repeat(Math.floor((64 * 1024) / unit.length));
      const text = `GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Extensions: x${value}x\r\n\r\n`;
      const head = complete(parseRequestHead(bytes(text), limits)).head;
      expect(head.headers.get('sec-websocket-extensions')).toBe(`x${value}x`);
      expect(errorCode(parseRequestHead(bytes(text)))).toBe(HandshakeErrorCode.HEAD_TOO_LARGE);
    }
    const spaces = ' '.repeat(64 * 1024);
    const padded = complete(
      parseRequestHead(bytes(`GET / HTTP/1.1\r\nHost:${spaces}a${spaces}\r\n\r\n`), {
        maxHeadBytes: 160 * 1024,
      }),
    );
    expect(padded.head.headers.get('host')).toBe('a');
  });
});

describe('HeaderFields built by transports', () => {
  it('from Node rawHeaders keeps every line; from a header record keeps arrays as lines', () => {
    const raw = HeaderFields.fromRawPairs(['Host', 'a', 'host', 'b', 'X', ' v ']);
    expect(raw.count('HOST')).toBe(2);
    expect(raw.get('x')).toBe('v');
    expect(raw.toRawPairs()).toEqual(['Host', 'a', 'host', 'b', 'X', 'v']);
    expect(() => HeaderFields.fromRawPairs(['Host'])).toThrow(TypeError);

    const record = HeaderFields.fromRecord({ host: 'a', 'set-cookie': ['x=1', 'y=2'], skipped: undefined, n: 5 });
    expect(record.getAll('set-cookie')).toEqual(['x=1', 'y=2']);
    expect(record.get('n')).toBe('5');
    expect(record.has('skipped')).toBe(false);
  });
});
