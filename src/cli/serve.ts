// `wasmsocket serve`: an echo server. Every message goes back to its sender with its type (text stays
// text, binary stays binary). Prints `listening on ws://HOST:PORT` on stdout once it accepts connections;
// everything else (connections, closes, errors) goes to stderr, so scripts can wait for that one line.
// SIGINT or SIGTERM closes every client with 1001 (Going Away, RFC 6455 section 7.4.1) and exits 0.

import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode } from '../codec/constants.js';
import { type WebSocket, WebSocketServer } from '../index.js';
import { DEFAULT_MAX_PAYLOAD } from '../protocol/connection.js';
import type { PerMessageDeflateOptions } from '../protocol/permessage-deflate.js';
import { defineCommand, ExitCode, UsageError } from './command.js';
import { deflateFlag, perMessageDeflateFor } from './deflate-flag.js';
import { hostForUrl, parseInteger, parseMilliseconds, parsePort } from './flag-values.js';
import { log } from './log.js';

const SHUTDOWN_REASON = 'server shutting down';
/** send()'s options for an echo, made once: send reads them and keeps nothing (no object per message). */
const AS_BINARY = Object.freeze({ binary: true });
const AS_TEXT = Object.freeze({ binary: false });
/** Echoes waiting to be written beyond which the sender is no longer read, until they drain. */
const PAUSE_AT_BYTES = 64 * 1024;

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run an echo server: every message is sent back with its type.',
  synopsis: '[options]',
  description: [
    'Prints "listening on ws://HOST:PORT" on stdout once ready (the real port when --port is 0) and logs',
    'connections and errors on stderr. SIGINT or SIGTERM closes every client with 1001, then exits 0;',
    'a second signal drops the remaining connections at once.',
  ].join('\n'),
  positionals: { min: 0, max: 0 },
  flags: {
    host: { type: 'string', placeholder: 'HOST', default: '127.0.0.1', description: 'address to listen on' },
    port: { type: 'string', short: 'p', placeholder: 'PORT', default: '9001', description: 'TCP port; 0 picks one' },
    path: { type: 'string', placeholder: 'PATH', description: 'accept upgrades only on this path (others get 400)' },
    'max-payload': {
      type: 'string',
      placeholder: 'BYTES',
      default: String(DEFAULT_MAX_PAYLOAD),
      description: 'largest message accepted, larger ones close with 1009; 0 for no limit',
    },
    quiet: { type: 'boolean', description: 'log errors only, not every connection and close' },
    deflate: deflateFlag('off', 'accept permessage-deflate offers; shared bounds compression memory'),
    // Shorter than ws's 30 s closeTimeout by default: whoever stops a server wants it gone soon.
    'shutdown-timeout': {
      type: 'string',
      placeholder: 'MS',
      default: '5000',
      description: 'on SIGINT/SIGTERM, drop clients that have not closed by then',
    },
  },
  run: ({ flags }) => {
    const host = flags.host;
    const port = parsePort(flags.port);
    const maxPayload = parseInteger(flags['max-payload'], 'max-payload', 0);
    const shutdownTimeoutMs = parseMilliseconds(flags['shutdown-timeout'], 'shutdown-timeout', 0);
    if (flags.path !== undefined && !flags.path.startsWith('/')) {
      throw new UsageError(`--path must start with '/' (got '${flags.path}')`);
    }
    const perMessageDeflate = perMessageDeflateFor(flags.deflate);
    const quiet = flags.quiet === true;
    return serve({ host, port, path: flags.path, maxPayload, shutdownTimeoutMs, perMessageDeflate, quiet });
  },
});

interface ServeOptions {
  host: string;
  port: number;
  path: string | undefined;
  maxPayload: number;
  shutdownTimeoutMs: number;
  perMessageDeflate: PerMessageDeflateOptions | false;
  /** Skip the per-connection log lines (a benchmark's connection storm pays for each). */
  quiet: boolean;
}

function serve(options: ServeOptions): Promise<number> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({
      host: options.host,
      port: options.port,
      path: options.path,
      maxPayload: options.maxPayload,
      perMessageDeflate: options.perMessageDeflate,
    });
    let listening = false;

    server.on('listening', () => {
      listening = true;
      const { port } = server.address() as AddressInfo;
      process.stdout.write(`listening on ws://${hostForUrl(options.host)}:${port}\n`);
    });

    server.on('error', (error: Error) => {
      if (listening) {
        log(`server error: ${error.message}`);
        return;
      }
      log(`cannot listen on ${hostForUrl(options.host)}:${options.port}: ${error.message}`);
      resolve(ExitCode.FAILURE);
    });

    server.on('connection', (ws: WebSocket, request: IncomingMessage) => {
      const peer = `${hostForUrl(request.socket.remoteAddress ?? '?')}:${request.socket.remotePort ?? '?'}`;
      const compression = ws.extensions ? `, ${ws.extensions}` : '';
      if (!options.quiet) log(`${peer} connected on ${request.url ?? '/'} (${openCount(server)} open${compression})`);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        // Flow control: while echoes wait to be written, stop reading the sender (the library never stops
        // reading for what the application sends; that is the application's call, made here). send() is
        // false past the socket's high-water mark (16 KiB), and 'drain' is then sure to follow; pausing
        // only from PAUSE_AT_BYTES lets the echoes of one socket read (up to 64 KiB) leave in one write
        // rather than one per 16 KiB, each with a pause and a resume.
        if (!ws.send(data, isBinary ? AS_BINARY : AS_TEXT) && ws.bufferedAmount >= PAUSE_AT_BYTES && !ws.isPaused) {
          ws.pause();
          ws.once('drain', () => ws.resume());
        }
      });
      // A peer's protocol error is reported here, after our close frame with its code was sent.
      ws.on('error', (error: Error) => log(`${peer} error: ${error.message}`));
      ws.on('close', (code: number, reason: Buffer) => {
        if (options.quiet) return;
        const text = reason.length > 0 ? ` ${reason.toString()}` : '';
        log(`${peer} closed ${code}${text} (${openCount(server)} open)`);
      });
    });

    let stopping = false;
    let serverClosed = false;
    const clients = server.clients as Set<WebSocket>;
    // Done when the HTTP server has closed and every client has reported 'close'.
    const finishIfDone = () => {
      if (!serverClosed || clients.size > 0) return;
      clearTimeout(grace);
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      log('closed');
      resolve(ExitCode.OK);
    };
    let grace: NodeJS.Timeout | undefined;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: dropping ${clients.size} connection(s)`);
        for (const ws of clients) ws.terminate();
        return;
      }
      stopping = true;
      log(`${signal}: closing ${clients.size} connection(s) with ${CloseCode.GOING_AWAY}`);
      for (const ws of clients) {
        ws.once('close', () => process.nextTick(finishIfDone));
        ws.close(CloseCode.GOING_AWAY, SHUTDOWN_REASON);
      }
      grace = setTimeout(() => {
        log(`${clients.size} connection(s) did not close within ${options.shutdownTimeoutMs} ms: dropping them`);
        for (const ws of clients) ws.terminate();
      }, options.shutdownTimeoutMs);
      server.close(() => {
        serverClosed = true;
        finishIfDone();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function openCount(server: WebSocketServer): number {
  return server.clients?.size ?? 0;
}
