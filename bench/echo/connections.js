// Opening and closing many client connections with either client library, bounded in time: a pool of
// `concurrency` handshakes at once (so that the server's listen backlog is never the bottleneck or a source
// of SYN drops), each with a deadline, and a close that falls back to terminate().

/** ws and wasmsocket share the ws API; both are imported by name (wasmsocket resolves to dist/). */
export async function loadClientLibrary(name) {
  switch (name) {
    case 'ws':
      return (await import('ws')).default;
    case 'wasmsocket':
      return (await import('wasmsocket')).default;
    default:
      throw new Error(`bench: unknown client library ${JSON.stringify(name)} (ws or wasmsocket)`);
  }
}

/** Handshakes in progress at once while opening many connections. */
export const DEFAULT_OPEN_CONCURRENCY = 128;
/** One handshake's deadline. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long the close handshakes of a batch of connections may take before the rest are terminated. */
const CLOSE_TIMEOUT_MS = 5_000;
const NORMAL_CLOSURE = 1000;

function openOne(WebSocket, url) {
  return new Promise((resolve, reject) => {
    // No permessage-deflate: the echo servers do not enable it, and an offer would only add header bytes.
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`handshake with ${url} took over ${HANDSHAKE_TIMEOUT_MS} ms`));
    }, HANDSHAKE_TIMEOUT_MS);
    const fail = (error) => {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(`closed before open (${error})`));
    };
    socket.once('error', fail);
    socket.once('close', fail);
    socket.once('open', () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      socket.removeListener('close', fail);
      resolve(socket);
    });
  });
}

/**
 * Opens `count` connections to url. Resolves with the sockets when all are open; if any fails, closes the
 * ones that opened and rejects with the first error and how many failed.
 */
export async function openConnections(WebSocket, url, count, concurrency = DEFAULT_OPEN_CONCURRENCY) {
  const sockets = [];
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < count && failures.length === 0) {
      next++;
      try {
        sockets.push(await openOne(WebSocket, url));
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failures.length > 0) {
    await closeConnections(sockets);
    throw new Error(`bench: ${failures.length} of ${count} connections to ${url} failed: ${failures[0].message}`);
  }
  return sockets;
}

/**
 * Closes every socket with 1000 and waits for their 'close' events; sockets still open after the deadline
 * are terminated. Resolves with { closed, terminated }.
 */
export function closeConnections(sockets) {
  return new Promise((resolve) => {
    let remaining = 0;
    let terminated = 0;
    const timer = setTimeout(() => {
      for (const socket of sockets) {
        if (socket.readyState !== socket.CLOSED) {
          terminated++;
          socket.terminate();
        }
      }
      // terminate() reports 'close' asynchronously; the count is what matters here.
      resolve({ closed: sockets.length - terminated, terminated });
    }, CLOSE_TIMEOUT_MS);
    const done = () => {
      if (--remaining === 0) {
        clearTimeout(timer);
        resolve({ closed: sockets.length, terminated: 0 });
      }
    };
    for (const socket of sockets) {
      if (socket.readyState === socket.CLOSED) continue;
      remaining++;
      socket.once('close', done);
      socket.close(NORMAL_CLOSURE);
    }
    if (remaining === 0) {
      clearTimeout(timer);
      resolve({ closed: sockets.length, terminated: 0 });
    }
  });
}
