// wasmsocket: the Node entry, shaped like the ws package. `import WebSocket, { WebSocketServer } from
// 'wasmsocket'` and `const WebSocket = require('wasmsocket')` replace ws: the default export (what
// require returns, through the 'module.exports' name Node's require of an ES module reads) is the
// WebSocket class, which carries every other value this entry exports as a static property, as ws's
// WebSocket carries Server, WebSocketServer and createWebSocketStream: so `require('wasmsocket').X` is
// the same X as `import { X } from 'wasmsocket'`.

import { CloseEvent, ErrorEvent, MessageEvent } from './node/event-target.js';
import { isWebSocketStream } from './node/http2-server.js';
import { defaultHttp2SessionPool, Http2SessionPool } from './node/http2-session-pool.js';
import { PreparedMessage } from './node/prepared.js';
import { ReconnectingWebSocket } from './node/reconnecting-websocket.js';
import { RedisAdapter } from './node/redis-adapter.js';
import { createWebSocketStream } from './node/stream.js';
import { WebSocket } from './node/websocket.js';
import { WebSocketServer } from './node/websocket-server.js';

Object.assign(WebSocket, {
  WebSocket,
  WebSocketServer,
  Server: WebSocketServer,
  createWebSocketStream,
  CloseEvent,
  ErrorEvent,
  MessageEvent,
  isWebSocketStream,
  Http2SessionPool,
  defaultHttp2SessionPool,
  PreparedMessage,
  RedisAdapter,
  ReconnectingWebSocket,
});

export type { CertMeta, ClientOptions, FinishRequestCallback } from './node/client-handshake.js';
export type { PerMessageDeflateOptions } from './node/deflate-setup.js';
export type {
  DiagnosticsBackpressureMessage,
  DiagnosticsCloseMessage,
  DiagnosticsErrorMessage,
  DiagnosticsMessages,
  DiagnosticsOpenMessage,
  DiagnosticsPingMessage,
  DiagnosticsRefusedMessage,
  RefusalReason,
} from './node/diagnostics.js';
export type { Event, EventListenerOptions, WebSocketEventMap } from './node/event-target.js';
export type { Http2UpgradeResponse } from './node/http2-client.js';
export type { Http2SessionPoolOptions } from './node/http2-session-pool.js';
export type { BinaryType, Data, RawData } from './node/message-data.js';
export type { PrepareOptions } from './node/prepared.js';
export type { PublishOptions, PubSubAdapter, RemoteMessage } from './node/pubsub-adapter.js';
export type {
  ReconnectingWebSocketEvents,
  ReconnectingWebSocketOptions,
} from './node/reconnecting-websocket.js';
export type { RedisAdapterOptions } from './node/redis-adapter.js';
export type {
  AddressInfo,
  ServerOptions,
  VerifyClientCallback,
  VerifyClientCallbackAsync,
  VerifyClientCallbackSync,
  VerifyClientInfo,
  WebSocketServerEvents,
  WebSocketServerOptions,
} from './node/websocket-server.js';
export type { PublishData, SendCallback, SendData, SendOptions, WebSocketEvents } from './node/websocket-types.js';
export type { ReconnectCloseEvent, ReconnectOptions, ReconnectTimers } from './web/reconnect-options.js';
export type { ReconnectingDetails } from './web/reconnector.js';
export {
  CloseEvent,
  createWebSocketStream,
  defaultHttp2SessionPool,
  ErrorEvent,
  Http2SessionPool,
  isWebSocketStream,
  MessageEvent,
  PreparedMessage,
  ReconnectingWebSocket,
  RedisAdapter,
  WebSocket,
  WebSocket as 'module.exports',
  WebSocketServer,
  WebSocketServer as Server,
};
export default WebSocket;
