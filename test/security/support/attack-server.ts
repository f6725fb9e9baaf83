// The server under attack, run in a child process of its own so that its resident memory is its own:
// an echo WebSocketServer on 127.0.0.1 with the options the test passes (JSON in ATTACK_SERVER_OPTIONS),
// which reports what happens to each connection (close codes, errors, refused sends) to the parent over
// the IPC channel, and answers the parent's requests (memory, close every client, stop).
//
// Bundled from the TypeScript sources by server-process.ts (Node 20 cannot run .ts itself).

import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocketServerOptions } from '../../../src/index.ts';

/** Options JSON can carry, plus switches for the callbacks it cannot. */
type AttackServerOptions = WebSocketServerOptions & {
  /** Install an asynchronous verifyClient that never answers (for the handshakeTimeout deadline). */
  verifyClientNeverAnswers?: boolean;
};

export type ServerReport =
  | { type: 'listening'; port: number }
  | { type: 'connection'; id: number; address: string }
  | { type: 'close'; id: number; code: number; ms: number }
  | { type: 'error'; id: number; code: string; closeCode?: number }
  | { type: 'send-error'; id: number; code: string }
  | { type: 'message'; id: number; bytes: number }
  | {
      type: 'memory';
      rss: number;
      arrayBuffers: number;
      heapUsed: number;
      connections: number;
      /** Bytes read so far from the sockets of the connections still open. */
      bytesRead: number;
      requestId: number;
    }
  | { type: 'closing-all'; requestId: number };

export type ServerRequest =
  | { type: 'memory'; requestId: number }
  | { type: 'close-all'; code: number; requestId: number }
  | { type: 'stop' };

const report = (message: ServerReport) => process.send?.(message);

const { verifyClientNeverAnswers, ...options } = JSON.parse(
  process.env.ATTACK_SERVER_OPTIONS ?? '{}',
) as AttackServerOptions;
if (verifyClientNeverAnswers) options.verifyClient = (_info, _callback) => {};

const wss = new WebSocketServer({ ...options, port: 0, host: '127.0.0.1' });
let nextId = 0;
/** The TCP sockets of the open connections, for how much the server has read from them. */
const sockets = new Set<Socket>();

wss.on('connection', (ws, request) => {
  const id = ++nextId;
  const socket = request.socket as Socket;
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  const opened = performance.now();
  report({ type: 'connection', id, address: request.socket.remoteAddress ?? '' });
  ws.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data.length : 0;
    report({ type: 'message', id, bytes });
    ws.send(data, { binary: isBinary }, (error?: Error | null) => {
      if (error) report({ type: 'send-error', id, code: (error as { code?: string }).code ?? error.message });
    });
  });
  ws.on('error', (error: Error & { code?: string; closeCode?: number }) => {
    report({ type: 'error', id, code: error.code ?? error.message, closeCode: error.closeCode });
  });
  ws.on('close', (code: number) => report({ type: 'close', id, code, ms: performance.now() - opened }));
});

wss.on('listening', () => {
  const address = wss.address();
  report({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});

/** Resident memory from the kernel's own count (VmRSS, in kB), the figure the attack limits bound. */
function residentBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? process.memoryUsage.rss() : Number(match[1]) * 1024;
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

process.on('message', async (request: ServerRequest) => {
  if (request.type === 'memory') {
    // Collected first, so that the figure is what is still held, not what waits for the collector; twice,
    // with a turn of the event loop between, so that freed ArrayBuffers are swept too.
    collectGarbage?.();
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage?.();
    const usage = process.memoryUsage();
    report({
      type: 'memory',
      rss: residentBytes(),
      arrayBuffers: usage.arrayBuffers,
      heapUsed: usage.heapUsed,
      connections: wss.clients?.size ?? 0,
      bytesRead: [...sockets].reduce((sum, socket) => sum + socket.bytesRead, 0),
      requestId: request.requestId,
    });
  } else if (request.type === 'close-all') {
    for (const ws of wss.clients ?? []) ws.close(request.code);
    report({ type: 'closing-all', requestId: request.requestId });
  } else if (request.type === 'stop') {
    wss.shutdown({ timeoutMs: 500 }).then(() => process.exit(0));
  }
});

// The parent went away (a failed run): do not outlive it.
process.on('disconnect', () => process.exit(0));
