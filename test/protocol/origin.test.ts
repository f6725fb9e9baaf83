// RFC 6454 origins, as the server's allowedOrigins compares them (the option over real sockets:
// test/security/allowed-origins.node.test.ts).

import { describe, expect, it } from 'vitest';
import { OriginAllowList, serializeOrigin } from '../../src/protocol/origin.ts';

describe('serializeOrigin', () => {
  it('serializes origins as RFC 6454 section 6.2 does', () => {
    expect(serializeOrigin('HTTPS://App.Example.COM:443')).toBe('https://app.example.com');
    expect(serializeOrigin('http://app.example.com:80')).toBe('http://app.example.com');
    expect(serializeOrigin('http://app.example.com:443')).toBe('http://app.example.com:443');
    expect(serializeOrigin('wss://[::1]:443')).toBe('wss://[::1]');
    expect(serializeOrigin('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(serializeOrigin('chrome-extension://abcdef')).toBe('chrome-extension://abcdef');
    expect(serializeOrigin('null')).toBe('null');
    const notOrigins = [
      'NULL',
      'https://a.example:65536',
      'https://a.example:',
      'https://a b',
      'a.example',
      'https://*',
    ];
    for (const notAnOrigin of notOrigins) {
      expect(serializeOrigin(notAnOrigin), notAnOrigin).toBeNull();
    }
  });
});

describe('OriginAllowList', () => {
  it('admits a request without an origin line, one listed origin, and nothing else', () => {
    const list = OriginAllowList.from(['https://app.example.com', 'http://localhost:3000']);
    expect(list.admits([])).toBe(true);
    expect(list.admits(['https://APP.example.com:443'])).toBe(true);
    expect(list.admits(['http://localhost:3000'])).toBe(true);
    expect(list.admits(['https://app.example.com', 'https://app.example.com'])).toBe(false);
    expect(list.admits(['https://app.example.com http://localhost:3000'])).toBe(false);
    expect(list.admits(['https://app.example.com, http://localhost:3000'])).toBe(false);
    expect(list.admits(['null'])).toBe(false);
    expect(OriginAllowList.from(['null']).admits(['null'])).toBe(true);
  });
});
