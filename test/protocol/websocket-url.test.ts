// A WebSocket URL as every client reads it (RFC 6455 section 3; ws's rules; the WHATWG constructor's):
// schemes, default ports, IPv6 literals, fragments, relative URLs and ws+unix:. The Node client's use of
// it is checked against the ws package in test/node/client-url.node.test.ts.

import { describe, expect, it } from 'vitest';
import {
  checkWebSocketUrl,
  defaultPortOf,
  hostnameOf,
  isSecureUrl,
  isUnixSocketUrl,
  portOf,
  requestTargetOf,
  unixSocketTargetOf,
  webSocketUrl,
} from '../../src/protocol/websocket-url.ts';

const SCHEMES = '"ws:", "wss:", "http:" or "https:"';
const SCHEMES_WITH_UNIX = '"ws:", "wss:", "http:", "https:", or "ws+unix:"';

function fault(input: string | URL, options?: Parameters<typeof checkWebSocketUrl>[1]) {
  const checked = checkWebSocketUrl(input, options);
  if (checked.ok) throw new Error(`expected ${String(input)} to be refused`);
  return checked;
}

describe('checkWebSocketUrl: schemes', () => {
  it('takes ws: and wss: as they are, and http: and https: as ws: and wss:', () => {
    expect(webSocketUrl('ws://example.com/a').href).toBe('ws://example.com/a');
    expect(webSocketUrl('wss://example.com/a').href).toBe('wss://example.com/a');
    expect(webSocketUrl('http://example.com/a').href).toBe('ws://example.com/a');
    expect(webSocketUrl('https://example.com/a').href).toBe('wss://example.com/a');
    expect(webSocketUrl('HTTPS://Example.COM/a').href).toBe('wss://example.com/a');
  });

  it('refuses any other scheme, naming ws+unix: only where it is accepted', () => {
    for (const input of ['ftp://example.com/', 'file:///tmp/x', 'ws+unix:/tmp/s.sock', 'data:text/plain,x']) {
      const refused = fault(input);
      expect(refused.fault).toEqual({
        code: 'invalid-scheme',
        message: `The URL's protocol must be one of ${SCHEMES}`,
        scheme: new URL(input).protocol,
      });
      // The URL that parsed comes back too (ws reports it as websocket.url).
      expect(refused.url?.href).toBe(new URL(input).href);
    }
    expect(fault('ftp://example.com/', { unixSocket: true }).fault.message).toBe(
      `The URL's protocol must be one of ${SCHEMES_WITH_UNIX}`,
    );
    expect(() => webSocketUrl('ftp://example.com/')).toThrow(
      new SyntaxError(`The URL's protocol must be one of ${SCHEMES}`),
    );
  });

  it('refuses what does not parse, with the input in the message, and no URL', () => {
    for (const input of ['not a url', '', 'ws://', 'ws://exa mple.com/', '//example.com/']) {
      const refused = fault(input);
      expect(refused).toEqual({
        ok: false,
        url: null,
        fault: { code: 'invalid-url', message: `Invalid URL: ${input}` },
      });
    }
    expect(() => webSocketUrl('not a url')).toThrow(new SyntaxError('Invalid URL: not a url'));
  });

  it('resolves a relative URL against a base, as the WHATWG constructor does against the page', () => {
    expect(webSocketUrl('/chat?x=1', { base: 'https://example.com/app/' }).href).toBe('wss://example.com/chat?x=1');
    expect(webSocketUrl('chat', { base: 'http://example.com/app/' }).href).toBe('ws://example.com/app/chat');
    expect(fault('/chat').fault.code).toBe('invalid-url');
  });

  it("returns a new URL, never the one given (mapping the scheme does not touch the caller's)", () => {
    const given = new URL('http://example.com/x');
    const url = webSocketUrl(given);
    expect(url).not.toBe(given);
    expect(url.href).toBe('ws://example.com/x');
    expect(given.href).toBe('http://example.com/x');
  });
});

describe('checkWebSocketUrl: fragments', () => {
  it('refuses a fragment (section 3: fragments are not used in WebSocket URIs)', () => {
    for (const input of ['ws://example.com/#x', 'wss://example.com/a?b#c', 'http://example.com/#%20']) {
      expect(fault(input).fault).toEqual({ code: 'fragment', message: 'The URL contains a fragment identifier' });
    }
  });

  it('takes an empty fragment as ws does, unless told to refuse it as the WHATWG standard does', () => {
    expect(webSocketUrl('ws://example.com/#').href).toBe('ws://example.com/#');
    expect(requestTargetOf(webSocketUrl('ws://example.com/a?b#'))).toBe('/a?b');
    expect(fault('ws://example.com/#', { refuseEmptyFragment: true }).fault.code).toBe('fragment');
    expect(fault('ws://example.com/a?b#', { refuseEmptyFragment: true }).fault.code).toBe('fragment');
    expect(checkWebSocketUrl('ws://example.com/', { refuseEmptyFragment: true }).ok).toBe(true);
  });
});

describe('host, port and request-target', () => {
  it('gives the default port of the scheme (section 3: 80 for ws, 443 for wss) when the URL has none', () => {
    const cases: Array<[string, number, 80 | 443]> = [
      ['ws://example.com/', 80, 80],
      ['wss://example.com/', 443, 443],
      ['http://example.com/', 80, 80],
      ['https://example.com/', 443, 443],
      ['ws://example.com:80/', 80, 80],
      ['wss://example.com:443/', 443, 443],
      ['ws://example.com:443/', 443, 80],
      ['wss://example.com:80/', 80, 443],
      ['ws://example.com:8080/', 8080, 80],
      ['https://example.com:1/', 1, 443],
    ];
    for (const [input, port, defaultPort] of cases) {
      const url = webSocketUrl(input);
      expect(portOf(url), input).toBe(port);
      expect(defaultPortOf(url), input).toBe(defaultPort);
      expect(isSecureUrl(url), input).toBe(defaultPort === 443);
    }
  });

  it('gives an IPv6 literal without its brackets to the socket, and keeps them in the host', () => {
    const url = webSocketUrl('ws://[::1]:9000/x');
    expect(hostnameOf(url)).toBe('::1');
    expect(url.host).toBe('[::1]:9000');
    expect(portOf(url)).toBe(9000);
    const secure = webSocketUrl('https://[2001:db8::1]/');
    expect(hostnameOf(secure)).toBe('2001:db8::1');
    expect(secure.host).toBe('[2001:db8::1]');
    expect(portOf(secure)).toBe(443);
    expect(hostnameOf(webSocketUrl('ws://[::ffff:127.0.0.1]/'))).toBe('::ffff:7f00:1');
    expect(hostnameOf(webSocketUrl('ws://127.0.0.1:1/'))).toBe('127.0.0.1');
    expect(hostnameOf(webSocketUrl('ws://Example.com/'))).toBe('example.com');
  });

  it('writes the request-target as path and query, "/" for an empty path', () => {
    expect(requestTargetOf(webSocketUrl('ws://example.com'))).toBe('/');
    expect(requestTargetOf(webSocketUrl('ws://example.com/a/b?c=1&d'))).toBe('/a/b?c=1&d');
    expect(requestTargetOf(webSocketUrl('ws://example.com/?'))).toBe('/');
    expect(requestTargetOf(webSocketUrl('ws://example.com/a b'))).toBe('/a%20b');
  });
});

describe('ws+unix:', () => {
  it('is accepted only with unixSocket, and splits socket path and request-target at the first colon', () => {
    const url = webSocketUrl('ws+unix:/tmp/app.sock:/chat?room=1', { unixSocket: true });
    expect(isUnixSocketUrl(url)).toBe(true);
    expect(isSecureUrl(url)).toBe(false);
    expect(unixSocketTargetOf(url)).toEqual({ socketPath: '/tmp/app.sock', path: '/chat?room=1' });
    expect(unixSocketTargetOf(webSocketUrl('ws+unix:/tmp/app.sock', { unixSocket: true }))).toEqual({
      socketPath: '/tmp/app.sock',
      path: '',
    });
    expect(unixSocketTargetOf(webSocketUrl('ws+unix:///tmp/app.sock:/x', { unixSocket: true }))).toEqual({
      socketPath: '/tmp/app.sock',
      path: '/x',
    });
    expect(isUnixSocketUrl(webSocketUrl('ws://example.com/'))).toBe(false);
  });

  it('refuses an empty socket path, and a fragment', () => {
    expect(fault('ws+unix:', { unixSocket: true }).fault).toEqual({
      code: 'empty-socket-path',
      message: "The URL's pathname is empty",
    });
    expect(fault('ws+unix:/tmp/app.sock#x', { unixSocket: true }).fault.code).toBe('fragment');
  });
});
