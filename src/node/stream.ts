// createWebSocketStream: a WebSocket as a Node Duplex stream (ws's helper). Received messages are the
// readable side (paused with the stream's backpressure); writes are sent as messages; ending the
// writable side closes the WebSocket.

import { Duplex, type DuplexOptions } from 'node:stream';
import type { WebSocket } from './websocket.js';

export function createWebSocketStream(ws: WebSocket, options?: DuplexOptions): Duplex {
  let terminateOnDestroy = true;
  const stream = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState === ws.CONNECTING) {
        ws.once('open', () => ws.send(chunk, callback));
        return;
      }
      ws.send(chunk, callback);
    },
    final(callback) {
      if (ws.readyState === ws.CONNECTING) {
        ws.once('open', () => stream._final(callback));
        return;
      }
      if (ws.readyState === ws.CLOSED) {
        callback();
        if (stream.readableEnded) stream.destroy();
        return;
      }
      ws.once('close', () => callback());
      ws.close();
    },
    destroy(error, callback) {
      // emitClose is off so that the stream's 'close' follows the WebSocket's: emit it here, or
      // pipeline() and finished() wait for it forever.
      if (ws.readyState === ws.CLOSED) {
        callback(error);
        process.nextTick(emitStreamClose);
        return;
      }
      let called = false;
      ws.once('error', (wsError: Error) => {
        called = true;
        callback(wsError);
      });
      ws.once('close', () => {
        if (!called) callback(error);
        called = true;
        process.nextTick(emitStreamClose);
      });
      if (terminateOnDestroy) ws.terminate();
    },
  });

  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const chunk = !isBinary && stream.readableObjectMode ? data.toString() : data;
    if (!stream.push(chunk)) ws.pause();
  });
  ws.once('error', (error: Error) => {
    if (stream.destroyed) return;
    // The WebSocket is already closing; destroying the stream must not terminate it early.
    terminateOnDestroy = false;
    stream.destroy(error);
  });
  ws.once('close', () => {
    if (stream.destroyed) return;
    stream.push(null);
  });
  // The readable side ending (the WebSocket closed) does not end the writable side: what is still being
  // written (say, an echo piped from the readable side) finishes first, and final() then destroys.
  stream.on('end', () => {
    if (stream.writableFinished) stream.destroy();
  });
  const emitStreamClose = () => stream.emit('close');
  return stream;
}
