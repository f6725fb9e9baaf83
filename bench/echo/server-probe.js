// Preloaded into every server the end-to-end suites start (`node --import ./bench/echo/server-probe.js
// ...`), so that our CLI server (dist/src/cli.js serve) and the ws scripts are observed the same way without
// changing them: over IPC it reports the process's CPU time and memory, and collects garbage on request
// (when started with --expose-gc). It exits the server when the parent's IPC channel closes.

import { hasSubscribers } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { serveRequests } from './ipc-worker.js';

function vmRssBytes() {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
  return match === null ? null : Number(match[1]) * 1024;
}

function usage() {
  return { cpu: process.cpuUsage(), memory: process.memoryUsage(), vmRss: vmRssBytes() };
}

function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

if (typeof process.send === 'function') {
  serveRequests({
    usage,
    // Which codec backend answers in this process (our server only: it loads our codec; the same module
    // instance as the server's, since both resolve to dist/). For the capacity sweep's per-backend rows.
    async backend() {
      const codec = await import('wasmsocket/codec');
      return { active: codec.activeBackend(), requested: process.env.WASMSOCKET_BACKEND ?? 'auto' };
    },
    // The wasmsocket diagnostics channels this process subscribes to (capacity/idle-diagnostics.js).
    diagnostics({ channels }) {
      return { subscribed: channels.filter((name) => hasSubscribers(name)) };
    },
    // Bytes copied by our code, when bench/capacity/copy-count.js was preloaded (the copies measure).
    copies() {
      return { counts: globalThis.__wasmsocketCopyCounts ?? null };
    },
    // Two full collections with a turn of the event loop between them, so that objects freed by the first
    // one's weak callbacks and finalizers are gone too before the heap is read.
    async gc() {
      if (typeof globalThis.gc !== 'function') throw new Error('start the server with --expose-gc');
      globalThis.gc();
      await nextTurn();
      globalThis.gc();
      await nextTurn();
      return usage();
    },
  });
}
