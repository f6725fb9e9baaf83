// Which connector a WebSocketStream uses when none is given: the one the runtime's entry installed
// (workerd: index.workerd.ts; Node: src/node/web-connector.ts, both chosen by package.json export
// conditions), else Deno's when running in Deno. Browsers have no raw sockets, so there is none there.

import { denoConnector, denoNamespace } from './connect-deno.js';
import type { Connector } from './socket-streams.js';

let installed: Connector | null = null;

/** Makes `connector` the default for this runtime. Called once by the runtime's entry module. */
export function installRuntimeConnector(connector: Connector): void {
  installed = connector;
}

/** The default connector here; TypeError where the runtime has no raw sockets and none was installed. */
export function runtimeConnector(): Connector {
  if (installed !== null) return installed;
  if (denoNamespace() !== null) return denoConnector;
  throw new TypeError(
    'wasmsocket/web: this runtime has no raw socket connector. In workerd, Deno and Node one is chosen ' +
      'by the package export conditions; elsewhere pass options.connector. A browser has no raw sockets: ' +
      "use the browser's own WebSocket there.",
  );
}

/**
 * `options` with `connector` as its connector unless it names one: what a runtime entry's WebSocketStream
 * and WebSocket pass on. Options that are not an object are passed on as they are, for the constructor
 * to refuse (a spread would turn them into {}).
 */
export function withDefaultConnector<T extends { connector?: Connector }>(
  options: T | null | undefined,
  connector: Connector,
): T {
  if (options === undefined || options === null) return { connector } as T;
  if (typeof options !== 'object') return options;
  return { ...options, connector: options.connector ?? connector };
}
