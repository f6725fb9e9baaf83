// Drives a sans-IO Connection in tests: records everything it reports and writes.

import type { ProtocolError } from '../../src/codec/errors.ts';
import { Connection, type ConnectionOptions } from '../../src/protocol/connection.ts';
import { concatBytes } from '../support/frames.ts';

export interface Recorded {
  kind: 'message' | 'ping' | 'pong' | 'closed' | 'failed';
  data?: Uint8Array;
  isBinary?: boolean;
  code?: number;
  reason?: string;
  error?: ProtocolError;
}

export function harness(options: ConnectionOptions) {
  const events: Recorded[] = [];
  const written: Uint8Array[] = [];
  const doneValues: unknown[] = [];
  const connection = new Connection(options, {
    write(chunks, done) {
      written.push(concatBytes(...chunks));
      if (done !== undefined) doneValues.push(done);
    },
    message: (data, isBinary) => events.push({ kind: 'message', data: data.slice(), isBinary }),
    ping: (data) => events.push({ kind: 'ping', data: data.slice() }),
    pong: (data) => events.push({ kind: 'pong', data: data.slice() }),
    closed: (code, reason) => events.push({ kind: 'closed', code, reason }),
    failed: (error) => events.push({ kind: 'failed', error, code: error.closeCode }),
  });
  return { connection, events, written, doneValues };
}

const decoder = new TextDecoder();
export const text = (bytes: Uint8Array | undefined) => decoder.decode(bytes);
