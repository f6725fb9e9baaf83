// One catalogue of error codes (src/codec/error-codes.ts): every `WS_ERR_*` string is spelled there and
// nowhere else in src/, and one condition has one code whoever finds it. The case that once had two
// spellings: too many header lines, refused by the Node server's own limit check
// ('WS_ERR_TOO_MANY_HEADERS') and by the protocol's head reader ('WS_ERR_HANDSHAKE_TOO_MANY_HEADERS').

import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/error-codes.ts';
import { WebSocketServer } from '../../src/index.ts';
import { HandshakeErrorCode } from '../../src/protocol/handshake-error.ts';
import { parseRequestHead } from '../../src/protocol/http-head.ts';
import { REPO_ROOT } from '../packaging/consumer-project.ts';
import { within } from '../support/waits.ts';

let server: WebSocketServer | null = null;
afterEach(async () => {
  await new Promise((resolve) => (server === null ? resolve(undefined) : server.close(resolve)));
  server = null;
});

it('every WS_ERR_* string in the code of src/ is spelled in the catalogue only, and each code once there', () => {
  const spelled: string[] = [];
  for (const file of readdirSync(join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file === join('codec', 'error-codes.ts')) continue;
    const text = readFileSync(join(REPO_ROOT, 'src', file), 'utf8');
    // As a string in the code (a comment may name a code).
    for (const match of text.matchAll(/['"`]WS_ERR_[A-Z0-9_]+['"`]/g)) spelled.push(`${file}: ${match[0]}`);
  }
  expect(spelled).toEqual([]);
  const codes = Object.values(ErrorCode);
  expect(new Set(codes).size).toBe(codes.length);
  // The handshake's public list names codes of the catalogue.
  for (const code of Object.values(HandshakeErrorCode)) expect(codes).toContain(code);
});

it('too many header lines: the server refuses with the code the protocol’s head reader gives', async () => {
  const limit = 20;
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxHeaderCount: limit });
  await within(new Promise((resolve) => server?.once('listening', resolve)), 'listening');
  const port = (server.address() as { port: number }).port;
  const refused = new Promise<Error & { code?: string }>((resolve) =>
    server?.once('wsClientError', (error, socket) => {
      socket.destroy();
      resolve(error);
    }),
  );
  const extra = Array.from({ length: limit + 5 }, (_, i) => `X-Field-${i}: v\r\n`).join('');
  const head =
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
  const socket = connect(port, '127.0.0.1', () => socket.write(head));
  socket.on('error', () => {});
  const error = await within(refused, 'the refusal');
  socket.destroy();
  const parsed = parseRequestHead(new TextEncoder().encode(head), { maxHeaderCount: limit });
  expect(parsed.kind === 'error' ? parsed.error.code : parsed.kind).toBe(HandshakeErrorCode.TOO_MANY_HEADERS);
  expect(error.code).toBe(HandshakeErrorCode.TOO_MANY_HEADERS);
  expect(error.code).toBe('WS_ERR_HANDSHAKE_TOO_MANY_HEADERS');
});
