// Regression: a WebSocketServer with `port` and a handshakeTimeout that is not a multiple of 4 (50, say)
// threw Node's RangeError for connectionsCheckingInterval (handshakeTimeout / 4, not an integer) from
// its constructor. Any valid handshakeTimeout builds a listening server.

import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index.ts';
import { within } from '../support/waits.ts';

const servers: WebSocketServer[] = [];

afterEach(async () => {
  for (const wss of servers.splice(0))
    await within(new Promise((resolve) => wss.close(resolve)), 'the server to close');
});

it.each([50, 1001.5, 7])('handshakeTimeout %s builds a server that listens', async (handshakeTimeout) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handshakeTimeout });
  servers.push(wss);
  await within(once(wss, 'listening'), 'the server to listen');
  expect(wss.address()).toMatchObject({ address: '127.0.0.1' });
});
