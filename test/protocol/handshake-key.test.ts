// Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 sections 1.3, 4.1, 4.2.2) with a real SHA-1:
// node:crypto for the synchronous path, WebCrypto for the asynchronous one.

import { createHash, randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  acceptFromDigest,
  acceptHashInput,
  computeAccept,
  computeAcceptAsync,
  generateKey,
  isValidKey,
  type Sha1,
  WEBSOCKET_GUID,
  webCryptoSha1,
} from '../../src/protocol/handshake-key.ts';

const nodeSha1: Sha1 = (bytes) => createHash('sha1').update(bytes).digest();

describe('Sec-WebSocket-Accept', () => {
  it('matches the example of RFC 6455 section 1.3, sync and async', async () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==', nodeSha1)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(await computeAcceptAsync('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(await computeAcceptAsync('dGhlIHNhbXBsZSBub25jZQ==', nodeSha1)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('is the base64 of SHA-1(key + GUID) for random keys, by both hashes and by the split pieces', async () => {
    const random = (target: Uint8Array) => void randomFillSync(target);
    for (let i = 0; i < 200; i++) {
      const key = generateKey(random);
      const expected = createHash('sha1')
        .update(key + WEBSOCKET_GUID)
        .digest('base64');
      expect(computeAccept(key, nodeSha1)).toBe(expected);
      expect(acceptFromDigest(await webCryptoSha1(acceptHashInput(key)))).toBe(expected);
    }
  });

  it('gives the exact bytes to hash', () => {
    expect(new TextDecoder().decode(acceptHashInput('abc'))).toBe(`abc${WEBSOCKET_GUID}`);
    expect(() => acceptHashInput('\u0100')).toThrow(TypeError);
  });

  it('refuses a digest that is not 20 bytes', () => {
    expect(() => acceptFromDigest(new Uint8Array(19))).toThrow(RangeError);
    expect(() => computeAccept('dGhlIHNhbXBsZSBub25jZQ==', () => new Uint8Array(32))).toThrow(RangeError);
  });
});

describe('Sec-WebSocket-Key', () => {
  it('is 16 bytes from the random source in base64', () => {
    const key = generateKey((target) => {
      expect(target.length).toBe(16);
      target.set(new TextEncoder().encode('the sample nonce'));
    });
    expect(key).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(isValidKey(key)).toBe(true);
    expect(
      Buffer.from(
        generateKey((target) => target.fill(0xff)),
        'base64',
      ),
    ).toEqual(Buffer.alloc(16, 0xff));
  });

  it('validates as base64 of exactly 16 bytes', () => {
    for (let i = 0; i < 100; i++) expect(isValidKey(generateKey((target) => void randomFillSync(target)))).toBe(true);
    for (const bad of [
      '',
      'dGhlIHNhbXBsZSBub25jZQ=', // 23 characters
      'dGhlIHNhbXBsZSBub25jZQ===',
      'dGhlIHNhbXBsZSBub25jZQAA', // 18 bytes, no padding
      'dGhlIHNhbXBsZSBub25jZ===', // 15 bytes
      'dGhlIHNhbXBsZSBub25jZQ-=',
      'dGhlIHNhbXBsZSBub25jZ-==', // base64url alphabet
      'dGhlIHNhbXBsZSBub2 jZQ==',
      'dGhlIHNhbXBsZSBub25jZQ==\n',
      ' dGhlIHNhbXBsZSBub25jZQ==',
      'ZGVhZGJlZWZkZWFkYmVlZg==ZGVh', // 28 characters
    ]) {
      expect(isValidKey(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
