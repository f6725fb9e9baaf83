// The client's upgrade request (RFC 6455 section 4.1) and its checks of the server's answer, with
// ws 8's messages where ws fails the same way.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type UpgradeExpectation,
  type UpgradeResponseValidation,
  upgradeRequestHead,
  upgradeRequestLines,
  validateUpgradeResponse,
} from '../../src/protocol/handshake-client.ts';
import { HandshakeErrorCode } from '../../src/protocol/handshake-error.ts';
import { computeAccept } from '../../src/protocol/handshake-key.ts';
import { HeaderFields } from '../../src/protocol/header-fields.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = computeAccept(KEY, (bytes) => createHash('sha1').update(bytes).digest());

describe('upgradeRequestLines', () => {
  it('writes the request of RFC 6455 section 1.3, with options in a fixed order', () => {
    expect(
      upgradeRequestLines({
        url: 'ws://server.example.com/chat',
        key: KEY,
        origin: 'http://example.com',
        protocols: ['chat', 'superchat'],
        extensions: 'permessage-deflate; client_max_window_bits',
        headers: { 'User-Agent': 'test', 'X-Multi': ['1', 2] },
      }),
    ).toEqual([
      'GET /chat HTTP/1.1',
      'Host: server.example.com',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${KEY}`,
      'Sec-WebSocket-Version: 13',
      'Origin: http://example.com',
      'Sec-WebSocket-Protocol: chat, superchat',
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
      'User-Agent: test',
      'X-Multi: 1',
      'X-Multi: 2',
    ]);
    expect(upgradeRequestHead({ url: 'ws://a/', key: KEY })).toBe(
      `GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
  });

  it('writes path and query, and the Host with its port only when not the default, IPv6 in brackets', () => {
    const first = (url: string) => upgradeRequestLines({ url, key: KEY }).slice(0, 2);
    expect(first('ws://example.com')).toEqual(['GET / HTTP/1.1', 'Host: example.com']);
    expect(first('ws://example.com/a/b?c=1&d')).toEqual(['GET /a/b?c=1&d HTTP/1.1', 'Host: example.com']);
    expect(first('ws://example.com:80/')[1]).toBe('Host: example.com');
    expect(first('ws://example.com:8080/')[1]).toBe('Host: example.com:8080');
    expect(first('wss://example.com:443/')[1]).toBe('Host: example.com');
    expect(first('wss://example.com:80/')[1]).toBe('Host: example.com:80');
    expect(first('http://example.com:81/')[1]).toBe('Host: example.com:81');
    expect(first('https://example.com/')[1]).toBe('Host: example.com');
    expect(first('ws://[::1]:9000/x')).toEqual(['GET /x HTTP/1.1', 'Host: [::1]:9000']);
    expect(first('wss://[2001:db8::1]/')[1]).toBe('Host: [2001:db8::1]');
    expect(first('ws://127.0.0.1:3000')[1]).toBe('Host: 127.0.0.1:3000');
    expect(first('ws://bücher.example/')[1]).toBe('Host: xn--bcher-kva.example');
    expect(first('ws://example.com/a b')[0]).toBe('GET /a%20b HTTP/1.1');
    expect(upgradeRequestLines({ url: new URL('ws://u.example:1/'), key: KEY })[1]).toBe('Host: u.example:1');
  });

  it("refuses bad URLs and subprotocol lists with ws's SyntaxErrors", () => {
    expect(() => upgradeRequestLines({ url: 'not a url', key: KEY })).toThrow(
      new SyntaxError('Invalid URL: not a url'),
    );
    expect(() => upgradeRequestLines({ url: 'ftp://a/', key: KEY })).toThrow(SyntaxError);
    expect(() => upgradeRequestLines({ url: 'ws://a/#x', key: KEY })).toThrow(
      new SyntaxError('The URL contains a fragment identifier'),
    );
    for (const protocols of [['a', 'a'], ['a b'], [''], ['a,b'], [1 as unknown as string]]) {
      expect(() => upgradeRequestLines({ url: 'ws://a/', key: KEY, protocols })).toThrow(
        new SyntaxError('An invalid or duplicated subprotocol was specified'),
      );
    }
  });

  it('refuses a bad key and header values with CR, LF, NUL or other controls (TypeError)', () => {
    expect(() => upgradeRequestLines({ url: 'ws://a/', key: 'short' })).toThrow(TypeError);
    for (const value of ['a\r\nEvil: 1', 'a\nb', 'a\rb', 'a\x00b', 'a\x7fb']) {
      expect(() => upgradeRequestLines({ url: 'ws://a/', key: KEY, headers: { 'X-A': value } })).toThrow(TypeError);
      expect(() => upgradeRequestLines({ url: 'ws://a/', key: KEY, origin: value })).toThrow(TypeError);
      expect(() => upgradeRequestLines({ url: 'ws://a/', key: KEY, extensions: value })).toThrow(TypeError);
    }
    expect(() => upgradeRequestLines({ url: 'ws://a/', key: KEY, headers: { 'Bad Name': 'x' } })).toThrow(TypeError);
    expect(upgradeRequestLines({ url: 'ws://a/', key: KEY, headers: { 'X-A': 'tab\tok' } })).toContain('X-A: tab\tok');
  });

  it("keeps the handshake's own fields: a caller's Host replaces the URL's, Connection and the key are dropped", () => {
    const lines = upgradeRequestLines({
      url: 'ws://a:1/',
      key: KEY,
      protocols: ['p'],
      headers: {
        host: 'virtual.example',
        connection: 'keep-alive',
        'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAAAA==',
        UPGRADE: 'h2c',
        'sec-websocket-version': '8',
        'Sec-WebSocket-Protocol': 'q',
      },
    });
    expect(lines).toEqual([
      'GET / HTTP/1.1',
      'host: virtual.example',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${KEY}`,
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: p',
    ]);
    // Without the option, a caller's list header passes through (ws behaves the same).
    expect(upgradeRequestLines({ url: 'ws://a/', key: KEY, headers: { 'Sec-WebSocket-Protocol': 'q' } })).toContain(
      'Sec-WebSocket-Protocol: q',
    );
  });

  it("sends the URL's credentials as Basic authorization, unless the caller sets Authorization", () => {
    expect(upgradeRequestLines({ url: 'ws://us%20er:p%C3%A4ss@a/', key: KEY })).toContain(
      `Authorization: Basic ${Buffer.from('us er:päss').toString('base64')}`,
    );
    const own = upgradeRequestLines({ url: 'ws://u:p@a/', key: KEY, headers: { authorization: 'Bearer t' } });
    expect(own).toContain('authorization: Bearer t');
    expect(own.filter((line) => line.toLowerCase().startsWith('authorization'))).toHaveLength(1);
  });
});

/** The section 1.3 answer, fields replaced (value given), removed (null) or added. */
function response(changes: Record<string, string | string[] | null> = {}, status = 101) {
  const base: Array<[string, string]> = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', ACCEPT],
  ];
  const fields = base.filter(([name]) => !(name.toLowerCase() in changes)).flat();
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) continue;
    for (const each of Array.isArray(value) ? value : [value]) fields.push(name, each);
  }
  return { status, headers: HeaderFields.fromRawPairs(fields) };
}

const NOTHING_OFFERED: UpgradeExpectation = { accept: ACCEPT, protocols: [], extensions: [] };

function failure(result: UpgradeResponseValidation) {
  if (result.ok) throw new Error('expected the response to be refused');
  return result.error;
}

describe('validateUpgradeResponse', () => {
  it('accepts the answer of RFC 6455 section 1.3', () => {
    expect(validateUpgradeResponse(response(), NOTHING_OFFERED)).toEqual({ ok: true, protocol: '', extensions: [] });
    expect(
      validateUpgradeResponse(response({ upgrade: 'WebSocket', connection: 'keep-alive, upgrade' }), NOTHING_OFFERED)
        .ok,
    ).toBe(true);
  });

  it("reports another status for ws's 'unexpected-response'", () => {
    for (const status of [200, 301, 400, 404, 426, 500]) {
      const error = failure(validateUpgradeResponse(response({}, status), NOTHING_OFFERED));
      expect(error).toMatchObject({
        code: HandshakeErrorCode.UNEXPECTED_RESPONSE,
        message: `Unexpected server response: ${status}`,
        responseStatus: status,
        status: undefined,
      });
    }
  });

  it('refuses a missing or different Upgrade, and a Connection without upgrade', () => {
    for (const upgrade of [null, '', 'h2c', 'websocket, h2c', 'websocket/13']) {
      expect(failure(validateUpgradeResponse(response({ upgrade }), NOTHING_OFFERED))).toMatchObject({
        code: HandshakeErrorCode.INVALID_UPGRADE,
        message: 'Invalid Upgrade header',
      });
    }
    for (const connection of [null, '', 'keep-alive', 'close']) {
      expect(failure(validateUpgradeResponse(response({ connection }), NOTHING_OFFERED))).toMatchObject({
        code: HandshakeErrorCode.INVALID_CONNECTION,
        message: 'Invalid Connection header',
      });
    }
  });

  it('refuses a missing, wrong or repeated Sec-WebSocket-Accept', () => {
    for (const accept of [null, '', 'x', ACCEPT.toLowerCase(), [ACCEPT, ACCEPT]]) {
      expect(
        failure(validateUpgradeResponse(response({ 'sec-websocket-accept': accept }), NOTHING_OFFERED)),
      ).toMatchObject({
        code: HandshakeErrorCode.INVALID_ACCEPT,
        message: 'Invalid Sec-WebSocket-Accept header',
      });
    }
  });

  it('checks the subprotocol as ws 8 does in each case', () => {
    const offered: UpgradeExpectation = { accept: ACCEPT, protocols: ['chat', 'superchat'], extensions: [] };
    expect(validateUpgradeResponse(response({ 'Sec-WebSocket-Protocol': 'superchat' }), offered)).toEqual({
      ok: true,
      protocol: 'superchat',
      extensions: [],
    });
    expect(
      failure(validateUpgradeResponse(response({ 'Sec-WebSocket-Protocol': 'chat' }), NOTHING_OFFERED)),
    ).toMatchObject({
      code: HandshakeErrorCode.UNREQUESTED_SUBPROTOCOL,
      message: 'Server sent a subprotocol but none was requested',
    });
    for (const protocol of ['other', 'Chat', '', 'chat, superchat', ['chat', 'chat']]) {
      expect(failure(validateUpgradeResponse(response({ 'Sec-WebSocket-Protocol': protocol }), offered))).toMatchObject(
        {
          code: HandshakeErrorCode.INVALID_SUBPROTOCOL,
          message: 'Server sent an invalid subprotocol',
        },
      );
    }
    expect(failure(validateUpgradeResponse(response(), offered))).toMatchObject({
      code: HandshakeErrorCode.MISSING_SUBPROTOCOL,
      message: 'Server sent no subprotocol',
    });
  });

  it('checks that extensions were offered, and returns them parsed for the negotiator', () => {
    const offered: UpgradeExpectation = { accept: ACCEPT, protocols: [], extensions: ['permessage-deflate', 'x-a'] };
    const ok = validateUpgradeResponse(
      response({ 'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=10, x-a' }),
      offered,
    );
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.extensions.map((each) => each.name)).toEqual(['permessage-deflate', 'x-a']);
      expect(ok.extensions[0].params.get('server_max_window_bits')).toBe('10');
    }
    expect(
      failure(validateUpgradeResponse(response({ 'Sec-WebSocket-Extensions': 'permessage-deflate' }), NOTHING_OFFERED)),
    ).toMatchObject({
      code: HandshakeErrorCode.UNREQUESTED_EXTENSIONS,
      message: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
    });
    for (const value of [
      '',
      'permessage-deflate;',
      'permessage-deflate; a="b c"',
      'permessage-deflate, permessage-deflate',
    ]) {
      expect(
        failure(validateUpgradeResponse(response({ 'Sec-WebSocket-Extensions': value }), offered)),
        value,
      ).toMatchObject({
        code: HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
        message: 'Invalid Sec-WebSocket-Extensions header',
      });
    }
    expect(failure(validateUpgradeResponse(response({ 'Sec-WebSocket-Extensions': 'x-b' }), offered))).toMatchObject({
      code: HandshakeErrorCode.UNREQUESTED_EXTENSION,
      message: 'Server indicated an extension that was not requested',
    });
  });

  it("checks in ws's order: accept before subprotocol before extensions", () => {
    const offered: UpgradeExpectation = { accept: ACCEPT, protocols: ['chat'], extensions: [] };
    expect(
      failure(
        validateUpgradeResponse(response({ 'sec-websocket-accept': 'x', 'Sec-WebSocket-Extensions': 'y' }), offered),
      ).code,
    ).toBe(HandshakeErrorCode.INVALID_ACCEPT);
    expect(failure(validateUpgradeResponse(response({ 'Sec-WebSocket-Extensions': 'y' }), offered)).code).toBe(
      HandshakeErrorCode.MISSING_SUBPROTOCOL,
    );
  });
});
