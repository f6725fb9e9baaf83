// Regression: a compressed message that arrived together with the peer's close frame, just before TCP
// closed, was lost (the socket's 'close' terminated the connection while the message was inflating), and
// 'close' reported 1006 instead of the peer's code.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { WebSocket, WebSocketServer } from '../../src/index.ts';
import { concatBytes, encodeFrame } from '../support/frames.ts';

describe('a compressed message arriving with the close frame', () => {
  it('reaches our client before close, with the peer’s code', async () => {
    const server = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    server.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
    await once(server, 'listening');
    try {
      for (let round = 0; round < 5; round++) {
        const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
        const events: string[] = [];
        client.on('open', () => {
          client.send('short');
          client.close(1000);
        });
        client.on('message', (data) => events.push(`message ${data}`));
        const [code] = (await once(client, 'close')) as [number];
        events.push(`close ${code}`);
        expect(events).toEqual(['message short', 'close 1000']);
      }
    } finally {
      server.close();
    }
  });

  it('reaches our server before close, when message, close frame and FIN come in one write', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    await once(wss, 'listening');
    const received: string[] = [];
    const closed = new Promise<number>((resolve) => {
      wss.on('connection', (ws: WebSocket) => {
        ws.on('message', (data: Buffer) => received.push(String(data)));
        ws.on('close', (code: number) => resolve(code));
      });
    });
    const socket = connect((wss.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
    );
    await once(socket, 'data');
    const flushed = deflateRawSync(Buffer.from('last words '.repeat(100)), { finishFlush: constants.Z_SYNC_FLUSH });
    const key = Uint8Array.of(1, 2, 3, 4);
    socket.end(
      concatBytes(
        encodeFrame({ opcode: 1, rsv: 0x40, payload: flushed.subarray(0, flushed.length - 4), maskKey: key }),
        encodeFrame({ opcode: 8, payload: Uint8Array.of(0x0f, 0xa0), maskKey: key }),
      ),
    );
    expect(await closed).toBe(4000);
    expect(received).toEqual(['last words '.repeat(100)]);
    socket.destroy();
    wss.close();
  });
});
