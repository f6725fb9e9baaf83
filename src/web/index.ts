// wasmsocket/web: WebSocketStream and a WHATWG WebSocket over raw sockets as web streams, for runtimes
// that have them (Cloudflare workerd, Deno, Node). The export conditions in package.json choose an entry
// that installs the runtime's connector (index.workerd.ts, src/node/web-connector.ts); this one finds
// Deno by itself. Re-exports only.

export type { Channel, ChannelEnd, ChannelEvents } from './channel.js';
export { denoConnector } from './connect-deno.js';
export type { WebSocketCloseEvent, WebSocketMessageEvent } from './events.js';
export type { IncomingMessage, MessageStream } from './inbound-messages.js';
export type { MessageChunk, MessageSource } from './message-source.js';
export type { NodeWebSocketLike } from './node-websocket-channel.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, type WebClientOptions } from './open-session.js';
export type { OutgoingChunk, OutgoingMessageStream } from './outbound-messages.js';
export { ReconnectErrorEvent, ReconnectingEvent } from './reconnect-events.js';
export type { ReconnectCloseEvent, ReconnectOptions, ReconnectTimers } from './reconnect-options.js';
export {
  type ReconnectingCloseEvent,
  ReconnectingWebSocket,
  type ReconnectingWebSocketEventMap,
  type ReconnectingWebSocketOptions,
} from './reconnecting-websocket.js';
export type { ReconnectingDetails } from './reconnector.js';
export { installRuntimeConnector, runtimeConnector } from './runtime-connector.js';
export { DEFAULT_CLOSE_TIMEOUT_MS } from './session.js';
export type { ConnectOptions, Connector, SocketStreams } from './socket-streams.js';
export { type CloseInfo, WebSocketError, type WebSocketErrorInit } from './web-errors.js';
export { type BinaryType, WebSocket } from './websocket.js';
export {
  DEFAULT_READABLE_HIGH_WATER_MARK,
  type StreamModeOptions,
  type WebSocketCloseInfo,
  type WebSocketOpenInfo,
  WebSocketStream,
  type WebSocketStreamOptions,
} from './websocket-stream.js';
