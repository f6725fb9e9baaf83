// wasmsocket: the Node entry, shaped like the ws package. `import WebSocket, { WebSocketServer } from
// 'wasmsocket'` and `const WebSocket = require('wasmsocket')` replace ws: the default export is the
// WebSocket class, which also carries WebSocketServer, Server and createWebSocketStream as ws's does.

import './node/client-handshake.js';
import { createWebSocketStream } from './node/stream.js';
import { WebSocket } from './node/websocket.js';
import { WebSocketServer } from './node/websocket-server.js';

Object.assign(WebSocket, { WebSocket, WebSocketServer, Server: WebSocketServer, createWebSocketStream });

export type { ClientOptions } from './node/client-handshake.js';
export { CloseEvent, ErrorEvent, MessageEvent } from './node/event-target.js';
export type { Http2UpgradeResponse } from './node/http2-client.js';
export { isWebSocketStream } from './node/http2-server.js';
export { defaultHttp2SessionPool, Http2SessionPool, type Http2SessionPoolOptions } from './node/http2-session-pool.js';
export type { BinaryType } from './node/message-data.js';
export { PreparedMessage, type PrepareOptions } from './node/prepared.js';
export type { PublishOptions, PubSubAdapter, RemoteMessage } from './node/pubsub-adapter.js';
export { RedisAdapter, type RedisAdapterOptions } from './node/redis-adapter.js';
export type { SendCallback, SendOptions } from './node/websocket.js';
export type { VerifyClientInfo, WebSocketServerOptions } from './node/websocket-server.js';
export { createWebSocketStream, WebSocket, WebSocket as 'module.exports', WebSocketServer, WebSocketServer as Server };
export default WebSocket;
