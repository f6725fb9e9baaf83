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
      // The writable side is finished when our side of the connection is: the close frame written and
      // the socket ended (its 'finish'), as in ws. No socket means the opening failed: 'error' and
      // 'close' take the stream down instead.
      const socket = ws._socket;
      if (socket === null) return;
      if (socket.writableFinished) {
        callback();
        if (stream.readableEnded) stream.destroy();
        return;
      }
      socket.once('finish', () => callback());
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
    if (!stream.destroyed && stream.writableFinished) stream.destroy();
  });
  // A failed write (say, after the WebSocket closed) takes the whole stream down, as in ws; the error is
  // re-emitted only when nobody else listens, so it is neither lost nor reported twice.
  const onStreamError = (error: Error) => {
    stream.removeListener('error', onStreamError);
    stream.destroy();
    if (stream.listenerCount('error') === 0) stream.emit('error', error);
  };
  stream.on('error', onStreamError);
  const emitStreamClose = () => stream.emit('close');
  return stream;
}
