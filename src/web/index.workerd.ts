// wasmsocket/web in Cloudflare workerd (the "workerd" export condition): the same exports as index.ts,
// with WebSocketStream and WebSocket connecting through cloudflare:sockets unless given a connector.
// Subclasses rather than a registration at import time: the package is "sideEffects": false, so a
// bundler may drop a module's top-level statements when none of its bindings is used.

import { workerdConnector } from './connect-workerd.js';
import type { WebClientOptions } from './open-session.js';
import {
  ReconnectingWebSocket as BaseReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from './reconnecting-websocket.js';
import { withDefaultConnector } from './runtime-connector.js';
import { WebSocket as BaseWebSocket } from './websocket.js';
import { WebSocketStream as BaseWebSocketStream, type WebSocketStreamOptions } from './websocket-stream.js';

export * from './index.js';
export { workerdConnector };

export class WebSocketStream extends BaseWebSocketStream {
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    super(url, withDefaultConnector(options, workerdConnector));
  }
}

export class WebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols?: string | string[], options: WebClientOptions = {}) {
    super(url, protocols, withDefaultConnector(options, workerdConnector));
  }
}

export class ReconnectingWebSocket extends BaseReconnectingWebSocket {
  constructor(url: string | URL, protocols?: string | string[], options: ReconnectingWebSocketOptions = {}) {
    super(url, protocols, withDefaultConnector(options, workerdConnector));
  }
}
