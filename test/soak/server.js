// The soak's server process: a wasmsocket echo server on 127.0.0.1 (heartbeat on, so pings and pongs run
// through the soak too). It answers the orchestrator over IPC: a memory sample taken after a garbage
// collection, and a shutdown that reports which handles are left in the process afterwards.

import { readFileSync } from 'node:fs';

const { WebSocketServer } = await import(process.env.WASMSOCKET_BUNDLE);

const heartbeatMs = Number(process.env.SOAK_HEARTBEAT_MS ?? 10_000);
const wss = new WebSocketServer({
  port: 0,
  host: '127.0.0.1',
  heartbeat: { intervalMs: heartbeatMs, timeoutMs: heartbeatMs },
  closeTimeout: 5_000,
});

let messages = 0;
let errors = 0;
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    messages++;
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', () => errors++);
});
wss.on('listening', () => process.send({ type: 'listening', port: wss.address().port }));

function residentBytes() {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match[1]) * 1024;
}

/** Handles that are the library's (sockets, servers, ref'd timers), not the IPC channel or stdio. */
function ourHandles() {
  const ignored = new Set(['PipeWrap', 'TTYWrap', 'FSReqCallback', 'FileHandle']);
  return process.getActiveResourcesInfo().filter((name) => !ignored.has(name));
}

process.on('message', async (request) => {
  if (request.type === 'sample') {
    globalThis.gc?.();
    const usage = process.memoryUsage();
    process.send({
      type: 'sample',
      rss: residentBytes(),
      heapUsed: usage.heapUsed,
      arrayBuffers: usage.arrayBuffers,
      connections: wss.clients.size,
      messages,
      errors,
    });
  } else if (request.type === 'shutdown') {
    const open = wss.clients.size;
    await wss.shutdown({ timeoutMs: 5_000 });
    // Let closed sockets finish their 'close' callbacks before looking.
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.send({ type: 'shutdown', openBefore: open, handles: ourHandles(), connections: wss.clients.size });
  } else if (request.type === 'exit') {
    process.exit(0);
  }
});

process.on('disconnect', () => process.exit(0));
