// Counters from wasmsocket's diagnostics channels (docs/diagnostics.md): connections opened and open now,
// closes by code, errors by code, pings and pongs received, refused sends, and refused upgrades by
// reason, kept by subscribers that never touch the application's code. Export them to whatever metrics
// system you use (Prometheus, StatsD, OpenTelemetry) from `snapshot()`.
//
//   node examples/diagnostics-counters.js
//
// runs a short demonstration on 127.0.0.1 (a server that allows one origin, three clients: one pings and
// closes cleanly, one is dropped, one is refused) and prints the counters as JSON.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { pathToFileURL } from 'node:url';
import WebSocket, { WebSocketServer } from 'wasmsocket';

/** Subscribes to every channel; returns the counters' snapshot() and stop(), which unsubscribes. */
export function countDiagnostics() {
  const counts = {
    opened: { client: 0, server: 0 },
    open: 0,
    closed: {},
    errors: {},
    pings: 0,
    pongs: 0,
    backpressure: 0,
    refused: {},
  };
  const bump = (table, key) => {
    table[key] = (table[key] ?? 0) + 1;
  };
  const handlers = {
    'wasmsocket:websocket:open': ({ role }) => {
      counts.opened[role]++;
      counts.open++;
    },
    'wasmsocket:websocket:close': ({ code }) => {
      counts.open--;
      bump(counts.closed, code);
    },
    'wasmsocket:websocket:error': ({ error }) => bump(counts.errors, error.code ?? error.name),
    'wasmsocket:websocket:ping': () => counts.pings++,
    'wasmsocket:websocket:pong': () => counts.pongs++,
    'wasmsocket:websocket:backpressure': () => counts.backpressure++,
    'wasmsocket:server:refused': ({ status, reason }) => bump(counts.refused, `${status} ${reason}`),
  };
  for (const [name, handler] of Object.entries(handlers)) subscribe(name, handler);
  return {
    snapshot: () => structuredClone(counts),
    stop: () => {
      for (const [name, handler] of Object.entries(handlers)) unsubscribe(name, handler);
    },
  };
}

/** Resolves with the next `event` of `emitter` (its first argument). */
function next(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

async function demonstrate() {
  const counters = countDiagnostics();
  const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 0), allowedOrigins: ['https://app.example'] });
  await next(wss, 'listening');
  const url = `ws://127.0.0.1:${wss.address().port}`;
  wss.on('connection', (ws) => ws.on('error', () => {}));

  // Pings, gets its pong, and closes cleanly with 1000.
  let accepted = next(wss, 'connection');
  const polite = new WebSocket(url, { origin: 'https://app.example' });
  await next(polite, 'open');
  let serverSide = await accepted;
  polite.ping('are you there?');
  await next(polite, 'pong');
  polite.close(1000);
  await Promise.all([next(polite, 'close'), next(serverSide, 'close')]);

  // Dropped without a closing handshake: 1006 on both sides.
  accepted = next(wss, 'connection');
  const dropped = new WebSocket(url, { origin: 'https://app.example' });
  await next(dropped, 'open');
  serverSide = await accepted;
  const serverClosed = next(serverSide, 'close');
  dropped.terminate();
  await Promise.all([next(dropped, 'close'), serverClosed]);

  // From an origin the server does not allow: refused with 403.
  const stranger = new WebSocket(url, { origin: 'https://elsewhere.example' });
  stranger.on('error', () => {});
  await next(stranger, 'close');

  await new Promise((resolve) => wss.close(resolve));
  counters.stop();
  console.log(JSON.stringify(counters.snapshot()));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await demonstrate();
