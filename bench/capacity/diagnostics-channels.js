// The channels of docs/diagnostics.md, and a no-op subscriber on each: what the "idle diagnostics
// subscribers" measurements install (idle-diagnostics.js in a server process, diagnostics-instructions.js
// in its own).

import { subscribe } from 'node:diagnostics_channel';

export const CHANNELS = [
  'wasmsocket:websocket:open',
  'wasmsocket:websocket:close',
  'wasmsocket:websocket:error',
  'wasmsocket:websocket:ping',
  'wasmsocket:websocket:pong',
  'wasmsocket:websocket:backpressure',
  'wasmsocket:server:refused',
];

function ignore() {}

/** Subscribes a subscriber that does nothing to every channel. */
export function subscribeIdle() {
  for (const name of CHANNELS) subscribe(name, ignore);
}
