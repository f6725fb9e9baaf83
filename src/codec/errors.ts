import { CloseCode, type DecodeError, DecodeResult } from './constants.js';
import { ErrorCode } from './error-codes.js';

/**
 * A peer broke the protocol. `closeCode` is the status to close with (RFC 6455 section 7.4.1) and
 * `code` a stable string: ws's `WS_ERR_*` name where ws has one for the same condition. A RangeError, as
 * ws's frame errors are, so code written for ws that tests `instanceof RangeError` keeps working; tell
 * it from a caller's misuse by `instanceof ProtocolError` or its `closeCode`.
 */
export class ProtocolError extends RangeError {
  readonly closeCode: number;
  readonly code: string;

  constructor(message: string, closeCode: number, code: string) {
    super(message);
    this.name = 'ProtocolError';
    this.closeCode = closeCode;
    this.code = code;
  }
}

const decodeErrors: Record<DecodeError, readonly [message: string, closeCode: number, code: string]> = {
  [DecodeResult.RESERVED_OPCODE]: [
    'Invalid WebSocket frame: invalid opcode (reserved)',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_OPCODE,
  ],
  [DecodeResult.RSV1_NOT_ALLOWED]: [
    'Invalid WebSocket frame: RSV1 must be clear',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.UNEXPECTED_RSV_1,
  ],
  [DecodeResult.RSV23_NOT_ALLOWED]: [
    'Invalid WebSocket frame: RSV2 and RSV3 must be clear',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.UNEXPECTED_RSV_2_3,
  ],
  [DecodeResult.CONTROL_TOO_LONG]: [
    'Invalid WebSocket frame: invalid payload length (a control frame over 125 bytes)',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_CONTROL_PAYLOAD_LENGTH,
  ],
  [DecodeResult.CONTROL_FRAGMENTED]: [
    'Invalid WebSocket frame: FIN must be set',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.EXPECTED_FIN,
  ],
  [DecodeResult.MASK_REQUIRED]: [
    'Invalid WebSocket frame: MASK must be set',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.EXPECTED_MASK,
  ],
  [DecodeResult.MASK_FORBIDDEN]: [
    'Invalid WebSocket frame: MASK must be clear',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.UNEXPECTED_MASK,
  ],
  [DecodeResult.LENGTH_MSB_SET]: [
    'Invalid WebSocket frame: payload length has its most significant bit set',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_PAYLOAD_LENGTH,
  ],
  [DecodeResult.LENGTH_UNSAFE]: [
    'Unsupported WebSocket frame: payload length > 2^53 - 1',
    CloseCode.MESSAGE_TOO_BIG,
    ErrorCode.UNSUPPORTED_DATA_PAYLOAD_LENGTH,
  ],
  [DecodeResult.UNEXPECTED_CONTINUATION]: [
    'Invalid WebSocket frame: invalid opcode 0',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_OPCODE,
  ],
  [DecodeResult.EXPECTED_CONTINUATION]: [
    'Invalid WebSocket frame: invalid opcode (a new data frame inside a fragmented message)',
    CloseCode.PROTOCOL_ERROR,
    ErrorCode.INVALID_OPCODE,
  ],
  [DecodeResult.INVALID_UTF8]: [
    'Invalid WebSocket frame: invalid UTF-8 sequence',
    CloseCode.INVALID_PAYLOAD,
    ErrorCode.INVALID_UTF8,
  ],
};

/**
 * The ProtocolError for a negative decoder or scanner result. Given the frame's first two bytes, the
 * message names the opcode or length at fault as ws's do ('invalid opcode 5', 'invalid payload length 126').
 */
export function decodeError(result: DecodeError, byte0 = -1, byte1 = -1): ProtocolError {
  const [message, closeCode, code] = decodeErrors[result];
  return new ProtocolError(detailedMessage(result, byte0, byte1) ?? message, closeCode, code);
}

function detailedMessage(result: DecodeError, byte0: number, byte1: number): string | null {
  if (byte0 < 0) return null;
  switch (result) {
    case DecodeResult.RESERVED_OPCODE:
    case DecodeResult.UNEXPECTED_CONTINUATION:
    case DecodeResult.EXPECTED_CONTINUATION:
      return `Invalid WebSocket frame: invalid opcode ${byte0 & 0x0f}`;
    case DecodeResult.CONTROL_TOO_LONG:
      return byte1 < 0 ? null : `Invalid WebSocket frame: invalid payload length ${byte1 & 0x7f}`;
    default:
      return null;
  }
}
