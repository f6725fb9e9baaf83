// TEMPORARY: stand-ins until src/protocol/handshake lands; replaced by calls into it.

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function handshakeAccept(key: string, sha1Base64: (text: string) => string): string {
  return sha1Base64(key + GUID);
}

export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

export function isValidSubprotocol(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || '()<>@,;:\\"/[]?={}'.includes(value[i])) return false;
  }
  return true;
}

export function checkClientResponse(
  headers: IncomingHttpHeaders,
  accept: string,
  offered: Set<string>,
): { message: string } | null {
  const upgrade = headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return { message: 'Invalid Upgrade header' };
  if (headers['sec-websocket-accept'] !== accept) return { message: 'Invalid Sec-WebSocket-Accept header' };
  const protocol = headers['sec-websocket-protocol'];
  if (protocol !== undefined) {
    if (offered.size === 0) return { message: 'Server sent a subprotocol but none was requested' };
    if (!offered.has(protocol)) return { message: 'Server sent an invalid subprotocol' };
  } else if (offered.size > 0) return { message: 'Server sent no subprotocol' };
  return null;
}

export interface UpgradeRejection {
  status: number;
  message: string;
  code: string;
  headers?: Record<string, string>;
}

export function acceptUpgrade(request: IncomingMessage): { key: string; protocols: Set<string> } | UpgradeRejection {
  const h = request.headers;
  if (request.method !== 'GET') return { status: 405, message: 'Invalid HTTP method', code: 'WS_ERR_INVALID_METHOD' };
  if (h.upgrade === undefined || h.upgrade.toLowerCase() !== 'websocket')
    return { status: 400, message: 'Invalid Upgrade header', code: 'x' };
  const key = h['sec-websocket-key'];
  if (key === undefined || Buffer.from(key, 'base64').length !== 16)
    return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header', code: 'x' };
  if (h['sec-websocket-version'] !== '13')
    return {
      status: 426,
      message: 'Missing or invalid Sec-WebSocket-Version header',
      code: 'x',
      headers: { 'Sec-WebSocket-Version': '13' },
    };
  const protocols = new Set<string>(
    (h['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  return { key, protocols };
}
