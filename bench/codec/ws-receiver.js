// The baseline for frame parsing: the ws package's Receiver, driven directly as ws's WebSocket drives it
// (socket 'data' -> receiver.write(chunk)). It is a Writable whose write() parses synchronously and emits
// 'message' (data, isBinary) per message; as a server it requires masked frames. ws chooses its unmask at
// require time: bufferutil's native unmask for payloads of 32 B and more, unless WS_NO_BUFFER_UTIL is set
// (then its JS byte loop); text is validated with buffer.isUtf8 from 24 B up.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FreshStreams } from './wire.js';

const require = createRequire(import.meta.url);
const { Receiver } = require('ws');
// ws's package exports hide lib/; its buffer-util module is read by path to see which unmask it chose.
const wsBufferUtil = join(dirname(require.resolve('ws')), 'lib', 'buffer-util.js');

/** True when ws loaded bufferutil for unmasking (its own JS loop is the function named _unmask). */
export function wsUsesBufferutil() {
  return require(wsBufferUtil).unmask.name !== '_unmask';
}

/** A timing cell: one iteration feeds the whole stream (a fresh copy: ws unmasks in place) to a Receiver. */
export function wsReceiverCell(stream) {
  const fresh = new FreshStreams(stream.chunks);
  const held = new Array(64);
  let frames = 0;
  const receiver = new Receiver({ isServer: true, binaryType: 'nodebuffer' });
  receiver.on('message', (data) => {
    held[frames++ & 63] = data;
  });
  receiver.on('error', (error) => {
    throw error;
  });
  return {
    units: stream.frames,
    maxIterations: 32,
    expected: (iterations) => iterations * stream.frames,
    prepare(iterations) {
      fresh.refresh(iterations);
    },
    run(n) {
      frames = 0;
      for (let p = 0; p < n; p++) {
        const chunks = fresh.pass(p);
        for (let c = 0; c < chunks.length; c++) receiver.write(chunks[c]);
      }
      return frames;
    },
  };
}
