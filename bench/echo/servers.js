// The echo servers under test, started the same way for every suite: our CLI (`wasmsocket serve`, i.e.
// dist/src/cli.js) and the ws package's echo server (bench/echo/ws-echo-server.js) with and without
// bufferutil. Each gets the server probe preloaded (CPU and memory over IPC, gc on request).

import { pathToFileURL } from 'node:url';
import { startNode, waitForListening } from './processes.js';

const CLI = new URL('../../dist/src/cli.js', import.meta.url);
const WS_SERVER = new URL('./ws-echo-server.js', import.meta.url);
const PROBE = new URL('./server-probe.js', import.meta.url);

/** Our server is told to drop clients soon after SIGTERM: a bench run has no clients worth waiting for. */
const SHUTDOWN_TIMEOUT_MS = 1_000;

export const SERVER_KINDS = {
  ours: { label: 'wasmsocket serve', bufferutil: null },
  ws: { label: 'ws + bufferutil', bufferutil: true },
  'ws-js': { label: 'ws, no bufferutil', bufferutil: false },
};

/**
 * Starts one server and waits for its listening line. Options: nodeArgs (e.g. --expose-gc, --cpu-prof),
 * openFiles (raise the open-files limit), cpu (pin it to that core with taskset), env (more environment,
 * e.g. WASMSOCKET_BACKEND for our server), packageDir (run our CLI from another build of the package, a
 * baseline to compare with). Resolves with { kind, handle, url, pid }; the caller stops it.
 */
export async function startEchoServer(kind, { nodeArgs = [], openFiles = 0, cpu, env = {}, packageDir = null } = {}) {
  const probe = ['--import', PROBE.href];
  const args = ['--host', '127.0.0.1', '--port', '0'];
  let handle;
  if (kind === 'ours') {
    handle = startNode(
      packageDir === null ? 'wasmsocket serve' : `wasmsocket serve (${packageDir})`,
      packageDir === null ? CLI : new URL('dist/src/cli.js', pathToFileURL(`${packageDir}/`)),
      ['serve', ...args, '--quiet', '--shutdown-timeout', String(SHUTDOWN_TIMEOUT_MS)],
      {
        nodeArgs: [...nodeArgs, ...probe],
        openFiles,
        cpu,
        env,
      },
    );
  } else if (kind === 'ws' || kind === 'ws-js') {
    handle = startNode(SERVER_KINDS[kind].label, WS_SERVER, args, {
      nodeArgs: [...nodeArgs, ...probe],
      openFiles,
      cpu,
      // ws reads WS_NO_BUFFER_UTIL at require time: set it for ws-js and make sure it is unset for ws.
      env: { ...env, WS_NO_BUFFER_UTIL: kind === 'ws-js' ? '1' : '' },
    });
  } else {
    throw new Error(`bench: unknown server kind ${JSON.stringify(kind)}`);
  }
  try {
    const url = await waitForListening(handle);
    if (kind !== 'ours') {
      const uses = / bufferutil: yes/.test(handle.stdoutText);
      if (uses !== SERVER_KINDS[kind].bufferutil) {
        throw new Error(`bench: ${handle.name} ${uses ? 'loaded' : 'did not load'} bufferutil`);
      }
    }
    return { kind, handle, url, pid: handle.pid };
  } catch (error) {
    await handle.stop();
    throw error;
  }
}
