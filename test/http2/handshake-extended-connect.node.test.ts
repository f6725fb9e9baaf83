// The sans-IO pieces of the RFC 8441 handshake: the server's checks of an extended CONNECT, the fields of
// its 200, the client's request fields and its checks of the answer.

import { describe, expect, it } from 'vitest';
import { connectRequestFields, validateConnectResponse } from '../../src/protocol/handshake-extended-connect-client.ts';
import {
  connectResponseFields,
  isWebSocketConnect,
  validateConnectRequest,
} from '../../src/protocol/handshake-extended-connect-server.ts';
import { HeaderFields } from '../../src/protocol/header-fields.ts';

const valid: [string, string][] = [
  [':method', 'CONNECT'],
  [':protocol', 'websocket'],
  [':scheme', 'https'],
  [':path', '/chat?room=1'],
  [':authority', 'example.com'],
  ['sec-websocket-version', '13'],
];

function fields(pairs: [string, string][]): HeaderFields {
  return HeaderFields.fromRawPairs(pairs.flat());
}

function without(name: string): [string, string][] {
  return valid.filter(([each]) => each !== name);
}

describe('validateConnectRequest', () => {
  it('accepts the RFC 8441 section 5 request and reports what the server needs', () => {
    const result = validateConnectRequest(
      fields([
        ...valid,
        ['origin', 'https://example.com'],
        ['sec-websocket-protocol', 'chat.v1, chat.v2'],
        ['sec-websocket-extensions', 'permessage-deflate; client_max_window_bits'],
      ]),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request).toEqual({
      protocols: ['chat.v1', 'chat.v2'],
      extensions: [{ name: 'permessage-deflate', params: expect.anything() }],
      origin: 'https://example.com',
      authority: 'example.com',
      path: '/chat?room=1',
      scheme: 'https',
      key: undefined,
    });
  });

  it('takes :protocol case-insensitively, as HTTP/1.1 takes Upgrade', () => {
    const headers = valid.map(([name, value]): [string, string] => [name, name === ':protocol' ? 'WebSocket' : value]);
    expect(validateConnectRequest(fields(headers)).ok).toBe(true);
    expect(isWebSocketConnect('CONNECT', 'WEBSOCKET')).toBe(true);
    expect(isWebSocketConnect('GET', 'websocket')).toBe(false);
    expect(isWebSocketConnect('CONNECT', undefined)).toBe(false);
    expect(isWebSocketConnect('CONNECT', 'connect-udp')).toBe(false);
  });

  const refusals: { title: string; headers: [string, string][]; status: number; code: string }[] = [
    {
      title: 'a GET',
      headers: [[':method', 'GET'], ...without(':method')],
      status: 405,
      code: 'WS_ERR_INVALID_METHOD',
    },
    {
      title: 'another :protocol',
      headers: [[':protocol', 'connect-udp'], ...without(':protocol')],
      status: 400,
      code: 'WS_ERR_INVALID_UPGRADE_HEADER',
    },
    { title: 'no :authority', headers: without(':authority'), status: 400, code: 'WS_ERR_INVALID_HOST_HEADER' },
    {
      title: 'two :authority',
      headers: [...valid, [':authority', 'other.example']],
      status: 400,
      code: 'WS_ERR_INVALID_HOST_HEADER',
    },
    { title: 'no :path', headers: without(':path'), status: 400, code: 'WS_ERR_HANDSHAKE_MALFORMED_HEAD' },
    { title: 'no :scheme', headers: without(':scheme'), status: 400, code: 'WS_ERR_HANDSHAKE_MALFORMED_HEAD' },
    {
      title: 'version 8',
      headers: [...without('sec-websocket-version'), ['sec-websocket-version', '8']],
      status: 426,
      code: 'WS_ERR_UNSUPPORTED_VERSION',
    },
    {
      title: 'two versions',
      headers: [...valid, ['sec-websocket-version', '13']],
      status: 426,
      code: 'WS_ERR_UNSUPPORTED_VERSION',
    },
    {
      title: 'a subprotocol listed twice',
      headers: [...valid, ['sec-websocket-protocol', 'a, a']],
      status: 400,
      code: 'WS_ERR_INVALID_PROTOCOL_HEADER',
    },
    {
      title: 'a broken extension list',
      headers: [...valid, ['sec-websocket-extensions', 'permessage-deflate;;']],
      status: 400,
      code: 'WS_ERR_INVALID_EXTENSIONS_HEADER',
    },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.title} with ${refusal.status}`, () => {
      const result = validateConnectRequest(fields(refusal.headers));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.status).toBe(refusal.status);
      expect(result.error.code).toBe(refusal.code);
    });
  }

  it('answers 426 with the version it speaks', () => {
    // RFC 6455 section 4.4 (kept by RFC 8441 section 5): a missing or other version is refused with 426
    // and the versions the server speaks.
    for (const headers of [
      without('sec-websocket-version'),
      [...without('sec-websocket-version'), ['sec-websocket-version', '8']],
    ] as [string, string][][]) {
      expect(validateConnectRequest(fields(headers))).toMatchObject({
        ok: false,
        error: { status: 426, code: 'WS_ERR_UNSUPPORTED_VERSION', headers: [['sec-websocket-version', '13']] },
      });
    }
  });

  it('reports a well-formed Sec-WebSocket-Key (sent by undici 7) and ignores a malformed one', () => {
    const withKey = validateConnectRequest(fields([...valid, ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==']]));
    expect(withKey.ok && withKey.request.key).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    const badKey = validateConnectRequest(fields([...valid, ['sec-websocket-key', 'short']]));
    expect(badKey.ok && badKey.request.key).toBeUndefined();
  });
});

describe('connectResponseFields', () => {
  it('is :status 200 with the chosen fields, lower-case, and drops HTTP/1.1 connection fields', () => {
    expect(
      connectResponseFields({
        protocol: 'chat.v2',
        extensions: 'permessage-deflate',
        headers: { 'X-Extra': 'yes', Connection: 'keep-alive', Upgrade: 'websocket' },
      }),
    ).toEqual([
      [':status', '200'],
      ['sec-websocket-protocol', 'chat.v2'],
      ['sec-websocket-extensions', 'permessage-deflate'],
      ['x-extra', 'yes'],
    ]);
  });

  it('refuses a subprotocol that is not a token and a value with a line break', () => {
    expect(() => connectResponseFields({ protocol: 'two words' })).toThrow(TypeError);
    expect(() => connectResponseFields({ extensions: 'permessage-deflate\r\nx: y' })).toThrow(TypeError);
  });
});

describe('connectRequestFields', () => {
  it('puts the pseudo-headers first and maps the scheme and the URL', () => {
    expect(
      connectRequestFields({
        url: 'wss://example.com:8443/chat?room=1',
        protocols: ['a', 'b'],
        extensions: 'permessage-deflate',
        origin: 'https://example.com',
        headers: { 'X-Token': 't', Host: 'virtual.example', 'Sec-WebSocket-Key': 'dropped', Connection: 'Upgrade' },
      }),
    ).toEqual([
      [':method', 'CONNECT'],
      [':protocol', 'websocket'],
      [':scheme', 'https'],
      [':path', '/chat?room=1'],
      [':authority', 'virtual.example'],
      ['sec-websocket-version', '13'],
      ['origin', 'https://example.com'],
      ['sec-websocket-protocol', 'a, b'],
      ['sec-websocket-extensions', 'permessage-deflate'],
      ['x-token', 't'],
    ]);
    expect(connectRequestFields({ url: 'ws://127.0.0.1:8080' }).slice(2, 5)).toEqual([
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', '127.0.0.1:8080'],
    ]);
  });

  it('throws SyntaxError for a bad URL or subprotocol list, as the constructor does', () => {
    expect(() => connectRequestFields({ url: 'ftp://example.com' })).toThrow(SyntaxError);
    expect(() => connectRequestFields({ url: 'wss://example.com/#frag' })).toThrow(SyntaxError);
    expect(() => connectRequestFields({ url: 'wss://example.com', protocols: ['a', 'a'] })).toThrow(SyntaxError);
  });
});

describe('validateConnectResponse', () => {
  const offered = { protocols: ['chat.v1', 'chat.v2'], extensions: ['permessage-deflate'] };

  it('accepts a 2xx with an offered subprotocol and extension', () => {
    const result = validateConnectResponse(
      200,
      fields([
        ['sec-websocket-protocol', 'chat.v2'],
        ['sec-websocket-extensions', 'permessage-deflate; server_no_context_takeover'],
      ]),
      offered,
    );
    expect(result.ok && result.protocol).toBe('chat.v2');
    expect(result.ok && result.extensions.map((extension) => extension.name)).toEqual(['permessage-deflate']);
  });

  const failures: { title: string; status: number; headers: [string, string][]; message: string }[] = [
    { title: 'a 403', status: 403, headers: [], message: 'Unexpected server response: 403' },
    { title: 'a 101 (HTTP/1.1 only)', status: 101, headers: [], message: 'Unexpected server response: 101' },
    { title: 'no subprotocol when some were offered', status: 200, headers: [], message: 'Server sent no subprotocol' },
    {
      title: 'a subprotocol not offered',
      status: 200,
      headers: [['sec-websocket-protocol', 'chat.v3']],
      message: 'Server sent an invalid subprotocol',
    },
    {
      title: 'an extension not offered',
      status: 200,
      headers: [
        ['sec-websocket-protocol', 'chat.v1'],
        ['sec-websocket-extensions', 'x-webkit-deflate-frame'],
      ],
      message: 'Server indicated an extension that was not requested',
    },
  ];
  for (const failure of failures) {
    it(`fails ${failure.title}`, () => {
      const result = validateConnectResponse(failure.status, fields(failure.headers), offered);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toBe(failure.message);
    });
  }

  it('fails a subprotocol when none was offered', () => {
    const result = validateConnectResponse(200, fields([['sec-websocket-protocol', 'x']]), {
      protocols: [],
      extensions: [],
    });
    expect(!result.ok && result.error.message).toBe('Server sent a subprotocol but none was requested');
  });
});
