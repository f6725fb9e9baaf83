// The diagnostics channels of the Node transport (node:diagnostics_channel), for metrics and tracing
// without wrapping the API: what a connection's life and a server's refusals look like, published by
// name for whoever subscribes (docs/diagnostics.md lists each channel and its message).
//
// Cost when nobody listens: each channel object is made once, here, at module load; every publish function
// reads `hasSubscribers` first and builds its message only when it is true, so an unobserved event costs
// one call and one boolean. Data messages are never published: the path a message takes in and out does
// not reach this file at all (ping and pong are control frames, not the data path).

import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { WebSocket } from './websocket.js';
import type { WebSocketServer } from './websocket-server.js';

/** The channels' names, as a subscriber passes them to diagnostics_channel.subscribe(). */
export const DIAGNOSTICS_CHANNEL = {
  OPEN: 'wasmsocket:websocket:open',
  CLOSE: 'wasmsocket:websocket:close',
  ERROR: 'wasmsocket:websocket:error',
  PING: 'wasmsocket:websocket:ping',
  PONG: 'wasmsocket:websocket:pong',
  BACKPRESSURE: 'wasmsocket:websocket:backpressure',
  REFUSED: 'wasmsocket:server:refused',
} as const;

/** wasmsocket:websocket:open: a connection opened (the client checked the answer; the server sent it). */
export interface DiagnosticsOpenMessage {
  websocket: WebSocket;
  role: 'client' | 'server';
  /** Client: the URL connected to (after redirects). Server: the request's target, e.g. '/chat?room=1'. */
  url: string;
  /** The subprotocol agreed on, '' for none. */
  protocol: string;
  /** The Sec-WebSocket-Extensions agreed on, '' for none. */
  extensions: string;
  /** The peer's IP address (over HTTP/2, the address of the session's socket); '' when unknown. */
  remoteAddress: string;
  /** '1.1' for an Upgrade (RFC 6455), '2' for an extended CONNECT (RFC 8441). */
  httpVersion: '1.1' | '2';
}

/** wasmsocket:websocket:close: a connection that had opened is over (once, just before its 'close' event). */
export interface DiagnosticsCloseMessage {
  websocket: WebSocket;
  /** What 'close' reports: the peer's close code, 1005 when its frame had none, 1006 with no close frame. */
  code: number;
  /** The peer's close reason as text ('' for none). */
  reason: string;
  /** True when close frames went both ways and the transport then closed (CloseEvent.wasClean). */
  wasClean: boolean;
}

/** wasmsocket:websocket:error: a protocol error (error.closeCode is what the peer was sent) or a socket error. */
export interface DiagnosticsErrorMessage {
  websocket: WebSocket;
  error: Error & { code?: string; closeCode?: number };
}

/** wasmsocket:websocket:ping and wasmsocket:websocket:pong: a ping or pong frame received from the peer. */
export interface DiagnosticsPingMessage {
  websocket: WebSocket;
  /** The frame's application data: the same Buffer the 'ping' (or 'pong') event gets. */
  payload: Buffer;
}

/** wasmsocket:websocket:backpressure: a send refused because maxBackpressure would be crossed. */
export interface DiagnosticsBackpressureMessage {
  websocket: WebSocket;
  /** ws.bufferedAmount when the send was refused (the refused message not counted). */
  bufferedAmount: number;
  /** The limit crossed: maxBackpressure, or for publish() and broadcast its default when unset. */
  maxBackpressure: number;
  /** 'close': the connection is being closed with 1008; 'refuse': only the send failed. */
  policy: 'close' | 'refuse';
}

/** Why a server refused an upgrade (wasmsocket:server:refused), one stable word per cause. */
export type RefusalReason =
  | 'too-many-headers'
  | 'max-connections'
  | 'max-connections-per-address'
  | 'origin'
  | 'bad-handshake'
  | 'unsupported-version'
  | 'path'
  | 'verify-client'
  | 'verify-client-timeout'
  | 'server-closing';

/** wasmsocket:server:refused: an upgrade (HTTP/1.1) or extended CONNECT (HTTP/2) the server did not accept. */
export interface DiagnosticsRefusedMessage {
  server: WebSocketServer;
  /** The request, as verifyClient gets it: an IncomingMessage (HTTP/1.1) or an Http2ServerRequest (HTTP/2). */
  request: IncomingMessage | Http2ServerRequest;
  /** The HTTP status of the refusal (with a wsClientError listener: the one it would have had). */
  status: number;
  reason: RefusalReason;
  /** The words of the refusal: the handshake error's message, or verifyClient's; '' when there are none. */
  message: string;
}

/** Each channel's name and the message it carries, for typed subscribers. */
export interface DiagnosticsMessages {
  'wasmsocket:websocket:open': DiagnosticsOpenMessage;
  'wasmsocket:websocket:close': DiagnosticsCloseMessage;
  'wasmsocket:websocket:error': DiagnosticsErrorMessage;
  'wasmsocket:websocket:ping': DiagnosticsPingMessage;
  'wasmsocket:websocket:pong': DiagnosticsPingMessage;
  'wasmsocket:websocket:backpressure': DiagnosticsBackpressureMessage;
  'wasmsocket:server:refused': DiagnosticsRefusedMessage;
}

const openChannel = channel(DIAGNOSTICS_CHANNEL.OPEN);
const closeChannel = channel(DIAGNOSTICS_CHANNEL.CLOSE);
const errorChannel = channel(DIAGNOSTICS_CHANNEL.ERROR);
const pingChannel = channel(DIAGNOSTICS_CHANNEL.PING);
const pongChannel = channel(DIAGNOSTICS_CHANNEL.PONG);
const backpressureChannel = channel(DIAGNOSTICS_CHANNEL.BACKPRESSURE);
const refusedChannel = channel(DIAGNOSTICS_CHANNEL.REFUSED);

/** Publishes an opened connection; `transport` is its socket or HTTP/2 stream. */
export function publishOpen(
  websocket: WebSocket,
  role: 'client' | 'server',
  url: string,
  transport: Duplex,
  httpVersion: '1.1' | '2',
): void {
  if (!openChannel.hasSubscribers) return;
  const message: DiagnosticsOpenMessage = {
    websocket,
    role,
    url,
    protocol: websocket.protocol,
    extensions: websocket.extensions,
    remoteAddress: remoteAddressOf(transport),
    httpVersion,
  };
  openChannel.publish(message);
}

export function publishClose(websocket: WebSocket, code: number, reason: Buffer, wasClean: boolean): void {
  if (!closeChannel.hasSubscribers) return;
  const message: DiagnosticsCloseMessage = { websocket, code, reason: reason.toString(), wasClean };
  closeChannel.publish(message);
}

export function publishError(websocket: WebSocket, error: Error): void {
  if (!errorChannel.hasSubscribers) return;
  const message: DiagnosticsErrorMessage = { websocket, error };
  errorChannel.publish(message);
}

/** True when a subscriber would see a ping (so its payload is worth a buffer of its own). */
export function pingObserved(): boolean {
  return pingChannel.hasSubscribers;
}

/** True when a subscriber would see a pong. */
export function pongObserved(): boolean {
  return pongChannel.hasSubscribers;
}

export function publishPing(websocket: WebSocket, payload: Buffer): void {
  if (!pingChannel.hasSubscribers) return;
  const message: DiagnosticsPingMessage = { websocket, payload };
  pingChannel.publish(message);
}

export function publishPong(websocket: WebSocket, payload: Buffer): void {
  if (!pongChannel.hasSubscribers) return;
  const message: DiagnosticsPingMessage = { websocket, payload };
  pongChannel.publish(message);
}

export function publishBackpressure(websocket: WebSocket, maxBackpressure: number, policy: 'close' | 'refuse'): void {
  if (!backpressureChannel.hasSubscribers) return;
  const message: DiagnosticsBackpressureMessage = {
    websocket,
    bufferedAmount: websocket.bufferedAmount,
    maxBackpressure,
    policy,
  };
  backpressureChannel.publish(message);
}

export function publishRefused(
  server: WebSocketServer,
  request: IncomingMessage,
  status: number,
  reason: RefusalReason,
  message: string | undefined,
): void {
  if (!refusedChannel.hasSubscribers) return;
  const refused: DiagnosticsRefusedMessage = { server, request, status, reason, message: message ?? '' };
  refusedChannel.publish(refused);
}

/** A socket's peer address, or an HTTP/2 stream's (its session's socket); '' when closed or unknown. */
function remoteAddressOf(transport: Duplex): string {
  const socket = transport as Duplex & { remoteAddress?: string; session?: { socket?: { remoteAddress?: string } } };
  return socket.remoteAddress ?? socket.session?.socket?.remoteAddress ?? '';
}
