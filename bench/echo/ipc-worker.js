// The worker side of processes.js: answers { id, type, ...fields } requests from the parent over IPC with
// { id, ok: true, ...result } or { id, ok: false, error }, and exits when the parent goes away (the IPC
// channel closes), so that no worker outlives a bench run that crashed.

/** Serves `handlers[type](message)` (sync or async) for each request. Call once per process. */
export function serveRequests(handlers) {
  if (typeof process.send !== 'function') {
    throw new Error('bench: this script is a worker; start it through bench/echo/processes.js (it needs IPC)');
  }
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    const handler = handlers[message?.type];
    try {
      if (handler === undefined) throw new Error(`unknown request ${JSON.stringify(message?.type)}`);
      const result = await handler(message);
      process.send({ ...result, id: message.id, ok: true });
    } catch (error) {
      process.send({ id: message.id, ok: false, error: error instanceof Error ? error.stack : String(error) });
    }
  });
}

/** Resolves after ms (a wait between measurement snapshots). */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
