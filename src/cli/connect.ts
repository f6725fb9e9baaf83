// `wasmsocket connect URL`: an interactive client. Each line of stdin is sent as a text message; each
// received message is printed on stdout (text as it is, binary as its length and first bytes in hex).
// stdout also gets `connected` once the handshake succeeds and `closed CODE REASON` at the end; errors
// go to stderr. The end of stdin (or Ctrl-C) closes with 1000 and the command exits once closed.

import { createInterface } from 'node:readline';
import { CloseCode } from '../codec/constants.js';
import { WebSocket } from '../index.js';
import { defineCommand, ExitCode, UsageError } from './command.js';
import { deflateFlag, perMessageDeflateFor } from './deflate-flag.js';
import { parseHeader, parseMilliseconds } from './flag-values.js';
import { log } from './log.js';
import { summarizeBinary } from './message-summary.js';

export const connectCommand = defineCommand({
  name: 'connect',
  summary: 'Connect to a WebSocket server: stdin lines are sent, received messages printed.',
  synopsis: 'URL [options]',
  description: [
    'URL is ws://HOST[:PORT]/PATH or wss://... Prints "connected" once open and "closed CODE REASON"',
    'when the connection ends. End stdin (Ctrl-D) or press Ctrl-C to close with 1000. Exits 1 when the',
    'connection cannot be opened or drops without a closing handshake (1006), 0 otherwise.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  flags: {
    protocol: { type: 'string', multiple: true, placeholder: 'NAME', description: 'offer this subprotocol' },
    header: { type: 'string', multiple: true, placeholder: "'NAME: VALUE'", description: 'add a request header' },
    deflate: deflateFlag('dedicated', 'offer permessage-deflate; shared bounds compression memory'),
    'handshake-timeout': {
      type: 'string',
      placeholder: 'MS',
      default: '10000',
      description: 'give up when the opening handshake takes longer',
    },
  },
  run: ({ flags, positionals }) => {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of flags.header.map(parseHeader)) {
      headers[name] = [...(headers[name] ?? []), value];
    }
    const handshakeTimeout = parseMilliseconds(flags['handshake-timeout'], 'handshake-timeout');
    let ws: WebSocket;
    try {
      const perMessageDeflate = perMessageDeflateFor(flags.deflate);
      ws = new WebSocket(positionals[0], flags.protocol, { headers, handshakeTimeout, perMessageDeflate });
    } catch (error) {
      // The constructor throws SyntaxError for a malformed URL or subprotocol, as ws does.
      if (error instanceof SyntaxError) throw new UsageError(`${error.message} (URL '${positionals[0]}')`);
      throw error;
    }
    return talk(ws, positionals[0]);
  },
});

function talk(ws: WebSocket, url: string): Promise<number> {
  return new Promise((resolve) => {
    let opened = false;
    let interrupted = false;

    const onSignal = () => {
      if (interrupted) {
        ws.terminate();
        return;
      }
      interrupted = true;
      ws.close(CloseCode.NORMAL);
    };
    process.on('SIGINT', onSignal);

    ws.on('open', () => {
      opened = true;
      process.stdout.write('connected\n');
      if (ws.protocol) log(`subprotocol: ${ws.protocol}`);
      if (ws.extensions) log(`extensions: ${ws.extensions}`);
      // stdin is read only from here on: lines typed earlier wait in the pipe until the connection is open.
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
      lines.on('line', (line) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(line);
      });
      lines.on('close', () => ws.close(CloseCode.NORMAL));
      ws.once('close', () => {
        lines.removeAllListeners('close');
        lines.close();
      });
    });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      process.stdout.write(`${isBinary ? summarizeBinary(data) : data.toString()}\n`);
    });

    ws.on('error', (error: Error) => {
      log(opened ? `error: ${error.message}` : `cannot connect to ${url}: ${error.message}`);
    });

    ws.on('close', (code: number, reason: Buffer) => {
      process.removeListener('SIGINT', onSignal);
      if (!opened) {
        resolve(ExitCode.FAILURE);
        return;
      }
      process.stdout.write(`closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}\n`);
      resolve(code === CloseCode.ABNORMAL_CLOSURE ? ExitCode.FAILURE : ExitCode.OK);
    });
  });
}
