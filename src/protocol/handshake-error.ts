// Why an opening handshake failed (RFC 6455 section 4). On the server side the error carries the HTTP
// status to answer with (section 4.2.1 and 4.4) and any header the answer needs; on the client side the
// status the server sent when it was not 101. Messages follow ws's where ws has one for the condition,
// since ws users see them in 'error' and 'wsClientError' events.

import { ErrorCode } from '../codec/internal.js';
import { WEBSOCKET_VERSION } from './handshake-key.js';
import { HttpStatus, reasonPhrase } from './http-status.js';

/**
 * Stable codes, one per condition; the same condition has the same code on both sides (and in the node
 * server's own refusals): their strings are codec's ErrorCode catalogue's.
 */
export const HandshakeErrorCode = {
  // Reading the HTTP head (request or response).
  HEAD_TOO_LARGE: ErrorCode.HANDSHAKE_HEAD_TOO_LARGE,
  TOO_MANY_HEADERS: ErrorCode.HANDSHAKE_TOO_MANY_HEADERS,
  MALFORMED_HEAD: ErrorCode.HANDSHAKE_MALFORMED_HEAD,
  // The request (checked by the server).
  INVALID_METHOD: ErrorCode.INVALID_METHOD,
  INVALID_HTTP_VERSION: ErrorCode.INVALID_HTTP_VERSION,
  INVALID_HOST: ErrorCode.INVALID_HOST_HEADER,
  INVALID_UPGRADE: ErrorCode.INVALID_UPGRADE_HEADER,
  INVALID_CONNECTION: ErrorCode.INVALID_CONNECTION_HEADER,
  INVALID_KEY: ErrorCode.INVALID_KEY_HEADER,
  UNSUPPORTED_VERSION: ErrorCode.UNSUPPORTED_VERSION,
  INVALID_PROTOCOL_HEADER: ErrorCode.INVALID_PROTOCOL_HEADER,
  INVALID_EXTENSIONS_HEADER: ErrorCode.INVALID_EXTENSIONS_HEADER,
  // The response (checked by the client).
  UNEXPECTED_RESPONSE: ErrorCode.UNEXPECTED_RESPONSE,
  INVALID_ACCEPT: ErrorCode.INVALID_ACCEPT_HEADER,
  UNREQUESTED_SUBPROTOCOL: ErrorCode.UNREQUESTED_SUBPROTOCOL,
  INVALID_SUBPROTOCOL: ErrorCode.INVALID_SUBPROTOCOL,
  MISSING_SUBPROTOCOL: ErrorCode.MISSING_SUBPROTOCOL,
  UNREQUESTED_EXTENSIONS: ErrorCode.UNREQUESTED_EXTENSIONS,
  UNREQUESTED_EXTENSION: ErrorCode.UNREQUESTED_EXTENSION,
  // The server's own limits, checked before the request itself (more header lines than maxHeaderCount
  // is TOO_MANY_HEADERS above, whoever counts them).
  /** maxConnections or maxConnectionsPerAddress reached. */
  TOO_MANY_CONNECTIONS: ErrorCode.TOO_MANY_CONNECTIONS,
  /** An Origin (or Sec-WebSocket-Origin) not in allowedOrigins. */
  ORIGIN_NOT_ALLOWED: ErrorCode.ORIGIN_NOT_ALLOWED,
} as const;
export type HandshakeErrorCode = (typeof HandshakeErrorCode)[keyof typeof HandshakeErrorCode];

export interface HandshakeErrorDetails {
  /** Server side: the HTTP status to answer with. */
  status?: number;
  /** Server side: header fields the refusal must carry, e.g. Sec-WebSocket-Version with 426. */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;
  /** Client side: the status the server answered with, when that was the problem. */
  responseStatus?: number;
  /** The lower-level error behind this one, such as a HeaderSyntaxError saying where a value broke. */
  cause?: unknown;
}

export class HandshakeError extends Error {
  readonly code: HandshakeErrorCode;
  /** Server side: the status to answer with; undefined for errors found by a client. */
  readonly status: number | undefined;
  /** Server side: header fields the refusal must carry (empty when none). */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** Client side: the server's status, for UNEXPECTED_RESPONSE (ws's 'unexpected-response'). */
  readonly responseStatus: number | undefined;

  constructor(message: string, code: HandshakeErrorCode, details: HandshakeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HandshakeError';
    this.code = code;
    this.status = details.status;
    this.headers = details.headers ?? [];
    this.responseStatus = details.responseStatus;
  }

  /** The reason phrase of `status` ('' on the client side). */
  get reason(): string {
    return this.status === undefined ? '' : reasonPhrase(this.status);
  }
}

/**
 * Client side: the server answered with another status than the handshake's (101, or 2xx over HTTP/2):
 * ws's message, and the status for ws's 'unexpected-response'.
 */
export function unexpectedResponseError(status: number): HandshakeError {
  return new HandshakeError(`Unexpected server response: ${status}`, HandshakeErrorCode.UNEXPECTED_RESPONSE, {
    responseStatus: status,
  });
}

/** How every handshake check fails: ok false and the HandshakeError (its success has ok true). */
export interface HandshakeFailure {
  readonly ok: false;
  readonly error: HandshakeError;
}

/** `error` as a check's failure. */
export function failed(error: HandshakeError): HandshakeFailure {
  return { ok: false, error };
}

/** Server side: the request is refused with `status`, and header fields the refusal must carry. */
export function refusal(
  message: string,
  code: HandshakeErrorCode,
  status: number,
  details: Omit<HandshakeErrorDetails, 'status' | 'responseStatus'> = {},
): HandshakeFailure {
  return failed(new HandshakeError(message, code, { ...details, status }));
}

/** Client side: the answer fails the connection (section 4.1). */
export function failure(message: string, code: HandshakeErrorCode, cause?: unknown): HandshakeFailure {
  return failed(new HandshakeError(message, code, { cause }));
}

/**
 * Server side: RFC 6455 section 4.4, a version the server does not speak is answered 426 with every
 * version it is willing to use (most preferred first, comma-separated as the section's example), in a
 * Sec-WebSocket-Version field named `fieldName` (HTTP/2 wants it in lower case).
 */
export function unsupportedVersion(
  fieldName: 'Sec-WebSocket-Version' | 'sec-websocket-version',
  versions: readonly number[] = [WEBSOCKET_VERSION],
): HandshakeFailure {
  return refusal(
    'Missing or invalid Sec-WebSocket-Version header',
    HandshakeErrorCode.UNSUPPORTED_VERSION,
    HttpStatus.UPGRADE_REQUIRED,
    { headers: [[fieldName, versions.join(', ')]] },
  );
}
