// Serves a built site from a directory on 127.0.0.1 (port 0) and records every path asked for, so that a
// test can see which assets the page fetched. .wasm goes out as application/wasm, which
// WebAssembly.instantiateStreaming requires.

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** Paths requested so far, in order, with their status. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function serveDirectory(directory: string): Promise<StaticServer> {
  const requests: StaticServer['requests'] = [];
  const root = normalize(directory + sep);
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    let status = 404;
    try {
      if (!file.startsWith(root)) throw new Error('outside the served directory');
      const body = await readFile(file);
      status = 200;
      response.writeHead(status, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end('not found');
    }
    requests.push({ path, status });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the static server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
