// Bounded waits on a peer from the ws package (the independent implementation the CLI is tested against).

import { once } from 'node:events';
import WebSocket from 'ws';
import { within } from '../support/waits.ts';

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

export interface Closed {
  code: number;
  reason: string;
}

/** Opens a ws client and resolves once it is open. */
export async function openClient(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  await within(once(ws, 'open'), `${url} to open`);
  return ws;
}

/** Collects every message a socket receives, from now on. */
export function collectMessages(ws: WebSocket): Received[] {
  const received: Received[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => received.push({ data, isBinary }));
  return received;
}

/** Waits until `received` holds at least `count` messages. */
export function waitForMessages(ws: WebSocket, received: Received[], count: number): Promise<Received[]> {
  return within(
    new Promise<Received[]>((resolve, reject) => {
      const check = () => {
        if (received.length >= count) {
          ws.removeListener('message', onMessage);
          ws.removeListener('close', onClose);
          resolve(received);
        }
      };
      const onMessage = () => setImmediate(check);
      const onClose = () => reject(new Error(`closed after ${received.length} of ${count} messages`));
      ws.on('message', onMessage);
      ws.on('close', onClose);
      check();
    }),
    `${count} messages (have ${received.length})`,
  );
}

/** Resolves with the close code and reason once the socket has closed. */
export function closeOf(ws: WebSocket): Promise<Closed> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed'));
  return within(
    new Promise<Closed>((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    }),
    'the close',
  );
}
