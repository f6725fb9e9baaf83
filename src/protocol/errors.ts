// Errors of the protocol layer. A peer's fault is a ProtocolError (close code + stable code string; a
// RangeError subclass, as ws's are); a caller's misuse is a plain TypeError or RangeError; an operation
// in the wrong state is an InvalidStateError.

import { CloseCode, ErrorCode, ProtocolError } from '../codec/internal.js';

export { ErrorCode, ProtocolError };

/** The peer's message (or frame) is larger than maxPayload (RFC 6455 section 7.4.1: 1009); ws's words. */
export function messageTooBig(): ProtocolError {
  return new ProtocolError(
    'Max payload size exceeded',
    CloseCode.MESSAGE_TOO_BIG,
    ErrorCode.UNSUPPORTED_MESSAGE_LENGTH,
  );
}

/** The peer sent more fragments in one message than maxFragments allows (ws names this the same way). */
export function tooManyFragments(limit: number): ProtocolError {
  return new ProtocolError(
    `Too many message fragments (more than ${limit})`,
    CloseCode.POLICY_VIOLATION,
    ErrorCode.TOO_MANY_BUFFERED_PARTS,
  );
}

/** A close frame with a code that may not be sent (section 7.4). */
export function invalidCloseCode(code: number): ProtocolError {
  return new ProtocolError(
    `Invalid WebSocket frame: invalid status code ${code}`,
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_CLOSE_CODE,
  );
}

/** A close frame whose payload is 1 byte: too short for a code (section 5.5.1). */
export function closePayloadOfOneByte(): ProtocolError {
  return new ProtocolError(
    'Invalid WebSocket frame: invalid payload length 1',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_CONTROL_PAYLOAD_LENGTH,
  );
}

/** A close reason that is not UTF-8 (section 5.5.1, 8.1). */
export function invalidCloseReason(): ProtocolError {
  return new ProtocolError(
    'Invalid WebSocket frame: invalid UTF-8 sequence',
    CloseCode.INVALID_PAYLOAD,
    ErrorCode.INVALID_UTF8,
  );
}

/** Text that is not UTF-8 after inflating, or found by a check outside the scanner (section 8.1). */
export function invalidUtf8(): ProtocolError {
  return new ProtocolError(
    'Invalid WebSocket frame: invalid UTF-8 sequence',
    CloseCode.INVALID_PAYLOAD,
    ErrorCode.INVALID_UTF8,
  );
}

/**
 * Compressed data that does not inflate (RFC 7692 section 8: fail the connection; ws uses 1007). The code
 * is the inflater's own where it has one (node:zlib's 'Z_DATA_ERROR', with its errno), as ws reports it.
 */
export function invalidCompressedData(cause: Error): ProtocolError {
  const { code, errno } = cause as Error & { code?: unknown; errno?: unknown };
  const error = new ProtocolError(
    `Invalid compressed data: ${cause.message}`,
    CloseCode.INVALID_PAYLOAD,
    typeof code === 'string' ? code : ErrorCode.INVALID_COMPRESSED_DATA,
  );
  if (typeof errno === 'number') Object.assign(error, { errno });
  return error;
}

/** Our own compressor failed: nothing the peer did, but the connection cannot go on (1011). */
export function compressionFailed(cause: Error): ProtocolError {
  return new ProtocolError(
    `Compression failed: ${cause.message}`,
    CloseCode.INTERNAL_ERROR,
    ErrorCode.COMPRESSION_FAILED,
  );
}

/** An operation the connection's state does not allow, such as sending after close. */
export class InvalidStateError extends Error {
  readonly code: string;

  constructor(message: string, code: string = ErrorCode.INVALID_STATE) {
    super(message);
    this.name = 'InvalidStateError';
    this.code = code;
  }
}
