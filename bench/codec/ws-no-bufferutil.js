// Child process of the frames measure: times ws's Receiver with WS_NO_BUFFER_UTIL=1, which ws reads once
// at require time, so it takes a process of its own. Prints { usesBufferutil, values: { kindId: frames/s } }
// as JSON on stdout. Run by frames.js; `node bench/codec/ws-no-bufferutil.js` alone works too.

import { timeCell } from '../lib/measure.js';
import { buildStream, FRAME_KINDS } from './wire.js';
import { wsReceiverCell, wsUsesBufferutil } from './ws-receiver.js';

const values = {};
for (const kind of FRAME_KINDS) values[kind.id] = timeCell(wsReceiverCell(buildStream(kind))).perSecond;
process.stdout.write(`${JSON.stringify({ usesBufferutil: wsUsesBufferutil(), values })}\n`);
