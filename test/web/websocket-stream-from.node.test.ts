// WebSocketStream.from(ws) builds its stream through a private factory (no module variable between from()
// and the constructor): the stream is an instance of the class from() was called on, the runtime entry's
// subclass included, and a constructor called by anyone else connects as usual, whatever from() did before.

import { afterEach, expect, it } from 'vitest';
import { WebSocket as WsPackageClient } from 'ws';
import { WebSocketServer } from '../../src/index.ts';
import { WebSocketStream as NodeEntryStream } from '../../src/node/web-connector.ts';
import { WebSocketStream as BaseStream } from '../../src/web/websocket-stream.ts';
import { nextEvent, within } from '../support/waits.ts';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((done) => server.close(() => done()));
  }
});

it('from(ws) on the node entry’s subclass gives that subclass, adopted and open, with the peer’s URL', async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  await nextEvent(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = nextEvent<[import('../../src/node/websocket.ts').WebSocket]>(server, 'connection');
  const client = new WsPackageClient(`ws://127.0.0.1:${port}/path`);
  const [ws] = await within(accepted, 'the connection');
  const stream = NodeEntryStream.from(ws);
  expect(stream).toBeInstanceOf(NodeEntryStream);
  expect(stream).toBeInstanceOf(BaseStream);
  const { readable, writable } = await within(stream.opened, 'opened');
  const received = nextEvent<[Buffer]>(client, 'message');
  const writer = writable.getWriter();
  await writer.write('from the adopted stream');
  expect(String((await within(received, 'the message'))[0])).toBe('from the adopted stream');
  client.send('to it');
  const reader = readable.getReader();
  expect((await within(reader.read(), 'a message')).value).toBe('to it');
  reader.releaseLock();
  writer.releaseLock();
  stream.close({ closeCode: 1000 });
  expect((await within(stream.closed, 'closed')).closeCode).toBe(1000);

  // After from(), the public constructor still connects to the URL it is given (nothing is left to adopt).
  const dialled = new NodeEntryStream(`ws://127.0.0.1:${port}/second`);
  expect(dialled.url).toBe(`ws://127.0.0.1:${port}/second`);
  const second = await within(nextEvent<[unknown, { url?: string }]>(server, 'connection'), 'the second');
  expect(second[1].url).toBe('/second');
  await within(dialled.opened, 'the dialled stream opened');
  dialled.close();
  client.close();
});
