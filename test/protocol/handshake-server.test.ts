// The server's checks of an upgrade request (RFC 6455 section 4.2.1) and the answers it writes
// (sections 4.2.2 and 4.4): one case per refusal, each with its status, code and message.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HandshakeError, HandshakeErrorCode } from '../../src/protocol/handshake-error.ts';
import { computeAccept } from '../../src/protocol/handshake-key.ts';
import {
  acceptResponseHead,
  acceptResponseLines,
  refusalResponse,
  type UpgradeRequest,
  validateUpgradeRequest,
} from '../../src/protocol/handshake-server.ts';
import { HeaderFields } from '../../src/protocol/header-fields.ts';
import { HeaderSyntaxError } from '../../src/protocol/header-tokens.ts';
import { parseResponseHead } from '../../src/protocol/http-head.ts';
import { encodeHead } from '../../src/protocol/http-head-writer.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const BASE_FIELDS: Array<[string, string]> = [
  ['Host', 'server.example.com'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', KEY],
  ['Origin', 'http://example.com'],
  ['Sec-WebSocket-Protocol', 'chat, superchat'],
  ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits, x-foo'],
  ['Sec-WebSocket-Version', '13'],
];

/** The section 1.3 request, with fields replaced (value given), removed (null) or added. */
function request(
  changes: Record<string, string | string[] | null> = {},
  line: Partial<Omit<UpgradeRequest, 'headers'>> = {},
): UpgradeRequest {
  const fields = BASE_FIELDS.filter(([name]) => !(name.toLowerCase() in changes)).flat();
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) continue;
    for (const each of Array.isArray(value) ? value : [value]) fields.push(name, each);
  }
  return { method: 'GET', httpVersion: '1.1', url: '/chat', headers: HeaderFields.fromRawPairs(fields), ...line };
}

function refusal(input: UpgradeRequest): HandshakeError {
  const result = validateUpgradeRequest(input);
  if (result.ok) throw new Error('expected the request to be refused');
  expect(result.error).toBeInstanceOf(HandshakeError);
  return result.error;
}

describe('validateUpgradeRequest', () => {
  it('accepts the example request of RFC 6455 section 1.3 and reports what it offers', () => {
    const result = validateUpgradeRequest(request());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request.key).toBe(KEY);
    expect(result.request.protocols).toEqual(['chat', 'superchat']);
    expect(result.request.extensions.map((extension) => extension.name)).toEqual(['permessage-deflate', 'x-foo']);
    expect(result.request.extensions[0].params.get('client_max_window_bits')).toBe(true);
    expect(result.request.origin).toBe('http://example.com');
    expect(result.request.host).toBe('server.example.com');
    expect(result.request.url).toBe('/chat');
  });

  it('accepts the variations the RFCs allow', () => {
    const accepted = [
      request({ upgrade: 'WebSocket' }),
      request({ upgrade: 'h2c, websocket' }),
      request({ connection: 'keep-alive, Upgrade' }),
      request({ connection: 'UPGRADE' }),
      request({ connection: ['keep-alive', 'upgrade'] }),
      request({ 'sec-websocket-protocol': ['chat', 'superchat'] }),
      request({ 'sec-websocket-protocol': null, 'sec-websocket-extensions': null, origin: null }),
      request({}, { httpVersion: '2.0' }),
      request({}, { httpVersion: '1.2' }),
    ];
    for (const each of accepted) expect(validateUpgradeRequest(each).ok, JSON.stringify([...each.headers])).toBe(true);
    const bare = validateUpgradeRequest(request({ 'sec-websocket-protocol': null, 'sec-websocket-extensions': null }));
    expect(bare.ok && bare.request.protocols).toEqual([]);
    expect(bare.ok && bare.request.extensions).toEqual([]);
  });

  it('refuses another method with 405 and Allow: GET', () => {
    const error = refusal(request({}, { method: 'POST' }));
    expect(error).toMatchObject({
      status: 405,
      code: HandshakeErrorCode.INVALID_METHOD,
      message: 'Invalid HTTP method',
    });
    expect(error.headers).toEqual([['Allow', 'GET']]);
    expect(error.reason).toBe('Method Not Allowed');
    expect(refusal(request({}, { method: 'get' })).code).toBe(HandshakeErrorCode.INVALID_METHOD);
  });

  it('refuses HTTP/1.0', () => {
    expect(refusal(request({}, { httpVersion: '1.0' }))).toMatchObject({
      status: 400,
      code: HandshakeErrorCode.INVALID_HTTP_VERSION,
    });
    expect(refusal(request({}, { httpVersion: 'x' })).code).toBe(HandshakeErrorCode.INVALID_HTTP_VERSION);
  });

  it('refuses a missing, empty or repeated Host (RFC 7230 section 5.4)', () => {
    for (const host of [null, '', ['a', 'a'], ['a', 'b']]) {
      expect(refusal(request({ host }))).toMatchObject({
        status: 400,
        code: HandshakeErrorCode.INVALID_HOST,
        message: 'Missing or invalid Host header',
      });
    }
  });

  it('refuses an Upgrade without websocket', () => {
    for (const upgrade of [null, '', 'h2c', 'websocket/13', 'web socket', 'websocket;', 'websockets']) {
      expect(refusal(request({ upgrade })), String(upgrade)).toMatchObject({
        status: 400,
        code: HandshakeErrorCode.INVALID_UPGRADE,
        message: 'Invalid Upgrade header',
      });
    }
  });

  it('refuses a Connection without the upgrade token', () => {
    for (const connection of [null, '', 'keep-alive', 'upgrades', 'close; upgrade', '"upgrade"']) {
      expect(refusal(request({ connection })), String(connection)).toMatchObject({
        status: 400,
        code: HandshakeErrorCode.INVALID_CONNECTION,
      });
    }
  });

  it('refuses a key that is missing, repeated or not the base64 of 16 bytes', () => {
    for (const key of [null, '', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQAA', [KEY, KEY], 'x'.repeat(24)]) {
      expect(refusal(request({ 'sec-websocket-key': key })), String(key)).toMatchObject({
        status: 400,
        code: HandshakeErrorCode.INVALID_KEY,
        message: 'Missing or invalid Sec-WebSocket-Key header',
      });
    }
  });

  it('accepts version 8 as ws does (the last hybi draft: same framing), its origin from Sec-WebSocket-Origin', () => {
    const result = validateUpgradeRequest(
      request({ 'sec-websocket-version': '8', origin: null, 'sec-websocket-origin': 'http://example.com' }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request.version).toBe(8);
    expect(result.request.origin).toBe('http://example.com');
    expect(result.request.key).toBe(KEY);
    const thirteen = validateUpgradeRequest(request({ 'sec-websocket-origin': 'http://other.example' }));
    expect(thirteen.ok && [thirteen.request.version, thirteen.request.origin]).toEqual([13, 'http://example.com']);
  });

  it('answers another version with 426 and Sec-WebSocket-Version: 13, 8, every version it takes (RFC 6455 section 4.4)', () => {
    // 8 and 13 are taken only as the RFC's grammar writes them, and only once.
    for (const version of [
      null,
      '',
      '7',
      '12',
      '14',
      '13, 8',
      ['13', '13'],
      ['8', '8'],
      ['13', '8'],
      '013',
      '08',
      '8.0',
    ]) {
      const error = refusal(request({ 'sec-websocket-version': version }));
      expect(error, String(version)).toMatchObject({
        status: 426,
        code: HandshakeErrorCode.UNSUPPORTED_VERSION,
        message: 'Missing or invalid Sec-WebSocket-Version header',
      });
      expect(error.headers).toEqual([['Sec-WebSocket-Version', '13, 8']]);
    }
  });

  it('refuses a malformed or duplicated subprotocol list with 400, saying where', () => {
    for (const protocols of ['', 'chat, chat', 'a b', 'chat;', ['chat', 'chat']]) {
      const error = refusal(request({ 'sec-websocket-protocol': protocols }));
      expect(error, String(protocols)).toMatchObject({
        status: 400,
        code: HandshakeErrorCode.INVALID_PROTOCOL_HEADER,
        message: 'Invalid Sec-WebSocket-Protocol header',
      });
      expect(error.cause).toBeInstanceOf(HeaderSyntaxError);
    }
  });

  it('refuses a malformed extension list with 400', () => {
    for (const extensions of ['', 'a;', 'a; b="c d"', 'a; b=', ';']) {
      expect(refusal(request({ 'sec-websocket-extensions': extensions })), extensions).toMatchObject({
        status: 400,
        code: HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
        message: 'Invalid or unacceptable Sec-WebSocket-Extensions header',
      });
    }
  });

  it("reports the first fault in ws's order when there are several", () => {
    expect(refusal(request({ upgrade: null, 'sec-websocket-key': null }, { method: 'PUT' })).code).toBe(
      HandshakeErrorCode.INVALID_METHOD,
    );
    expect(refusal(request({ upgrade: null, 'sec-websocket-key': null })).code).toBe(
      HandshakeErrorCode.INVALID_UPGRADE,
    );
    expect(refusal(request({ 'sec-websocket-key': null, 'sec-websocket-version': '12' })).code).toBe(
      HandshakeErrorCode.INVALID_KEY,
    );
  });

  it('handles 64 KiB hostile list values with a 400 or a correct parse, never a crash', () => {
    const big = 64 * 1024;
    expect(refusal(request({ 'sec-websocket-protocol': ','.repeat(big) })).code).toBe(
      HandshakeErrorCode.INVALID_PROTOCOL_HEADER,
    );
    expect(refusal(request({ 'sec-websocket-extensions': `a; b="${'\\'.repeat(big)}"` })).code).toBe(
      HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
    );
    expect(refusal(request({ connection: ` ${';'.repeat(big)}` })).code).toBe(HandshakeErrorCode.INVALID_CONNECTION);
    const many = validateUpgradeRequest(request({ 'sec-websocket-extensions': 'e; p, '.repeat(big / 6) }));
    expect(many.ok && many.request.extensions.length).toBe(Math.floor(big / 6));
  });
});

describe('the 101 answer', () => {
  it("writes ws's lines and order, the accept of RFC 6455 section 1.3, chosen protocol and extensions", () => {
    const accept = computeAccept(KEY, (bytes) => createHash('sha1').update(bytes).digest());
    expect(
      acceptResponseLines({
        accept,
        protocol: 'chat',
        extensions: 'permessage-deflate',
        headers: { 'Set-Cookie': ['a=1', 'b=2'] },
      }),
    ).toEqual([
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      'Sec-WebSocket-Protocol: chat',
      'Sec-WebSocket-Extensions: permessage-deflate',
      'Set-Cookie: a=1',
      'Set-Cookie: b=2',
    ]);
    expect(acceptResponseHead({ accept })).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    expect(acceptResponseHead({ accept, protocol: '', extensions: '' })).toBe(acceptResponseHead({ accept }));
  });

  it('refuses header injection and a chosen protocol that is not a token (TypeError)', () => {
    const accept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
    expect(() => acceptResponseLines({ accept, headers: { 'X-A': 'a\r\nEvil: 1' } })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, headers: { 'X-A': 'a\nb' } })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, headers: { 'X-A': 'a\x00b' } })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, headers: { 'X A': 'a' } })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, headers: [['X-A:', 'a']] })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, protocol: 'a\r\nb' })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, protocol: 'a b' })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept, extensions: 'x\r\n' })).toThrow(TypeError);
    expect(() => acceptResponseLines({ accept: `${accept}\r\n` })).toThrow(TypeError);
  });
});

describe('refusals', () => {
  function readBack(text: string) {
    const data = encodeHead(text);
    const parsed = parseResponseHead(data);
    if (parsed.kind !== 'complete') throw new Error(`refusal did not parse: ${parsed.kind}`);
    const body = new TextDecoder().decode(data.subarray(parsed.headLength));
    return { head: parsed.head, body };
  }

  it('answers 426 with the version header, Connection: close and an exact Content-Length', () => {
    const error = refusal(request({ 'sec-websocket-version': '12' }));
    const { head, body } = readBack(refusalResponse(error));
    expect(head.status).toBe(426);
    expect(head.reason).toBe('Upgrade Required');
    expect(head.headers.get('connection')).toBe('close');
    expect(head.headers.get('sec-websocket-version')).toBe('13, 8');
    expect(head.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(body).toBe('Missing or invalid Sec-WebSocket-Version header');
    expect(Number(head.headers.get('content-length'))).toBe(body.length);
  });

  it('writes any status with a message or the reason phrase, counting the body in UTF-8 bytes', () => {
    const forbidden = readBack(refusalResponse({ status: 403 }));
    expect(forbidden.head.status).toBe(403);
    expect(forbidden.body).toBe('Forbidden');
    const custom = readBack(
      refusalResponse({ status: 401, message: 'Nope ✋', headers: { 'WWW-Authenticate': 'Basic' } }),
    );
    expect(custom.body).toBe('Nope ✋');
    expect(Number(custom.head.headers.get('content-length'))).toBe(new TextEncoder().encode('Nope ✋').length);
    expect(custom.head.headers.get('www-authenticate')).toBe('Basic');
    const unknown = readBack(refusalResponse({ status: 599, message: 'x' }));
    expect(unknown.head).toMatchObject({ status: 599, reason: '' });
  });

  it('lets extra fields replace Content-Type and Connection, never Content-Length', () => {
    const { head } = readBack(refusalResponse({ status: 400, headers: { 'content-type': 'text/html' } }));
    expect(head.headers.getAll('content-type')).toEqual(['text/html']);
    expect(() => refusalResponse({ status: 400, headers: { 'Content-Length': '0' } })).toThrow(TypeError);
    expect(() => refusalResponse({ status: 400, headers: { 'X-A': 'a\r\nb' } })).toThrow(TypeError);
    expect(() => refusalResponse({ status: 1000 })).toThrow(RangeError);
    expect(() => refusalResponse({ status: 99 })).toThrow(RangeError);
  });
});
