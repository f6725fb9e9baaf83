// The errors the WHATWG APIs throw and report: DOMExceptions by name where the WebSockets standard says
// so, and WebSocketError (the WebSocketStream proposal's DOMException with a close code and reason) for
// a connection that failed or closed uncleanly.

import { CloseCode } from '../codec/constants.js';
import { MAX_CLOSE_REASON_BYTES } from '../protocol/close-codes.js';

const textEncoder = new TextEncoder();

/** The close codes a script may send (WebSockets standard, close() step 1): 1000, and 3000-4999. */
export function isScriptCloseCode(code: number): boolean {
  return code === CloseCode.NORMAL || (code >= 3000 && code <= 4999);
}

export interface CloseInfo {
  closeCode?: number;
  reason?: string;
}

/**
 * Checks a close code and reason given by a script, as the standard's close() does: InvalidAccessError
 * for a code other than 1000 or 3000-4999, SyntaxError for a reason over 123 UTF-8 bytes. A reason
 * without a code means 1000 (the WebSocketStream proposal). Returns the code (undefined: send an empty
 * close frame) and reason.
 */
export function checkedCloseInfo(
  code: number | undefined,
  reason: string | undefined,
):
  | Required<CloseInfo>
  | {
      closeCode: undefined;
      reason: string;
    } {
  let closeCode = code;
  if (closeCode !== undefined) {
    // WebIDL [Clamp] unsigned short.
    closeCode = Math.min(Math.max(Math.round(Number(closeCode)), 0), 0xffff);
    if (!isScriptCloseCode(closeCode)) {
      throw new DOMException(`The close code must be 1000 or between 3000 and 4999, got ${code}`, 'InvalidAccessError');
    }
  }
  const text = reason === undefined ? '' : String(reason);
  if (textEncoder.encode(text).length > MAX_CLOSE_REASON_BYTES) {
    throw new DOMException(
      `The close reason must not be longer than ${MAX_CLOSE_REASON_BYTES} UTF-8 bytes`,
      'SyntaxError',
    );
  }
  if (closeCode === undefined && text !== '') closeCode = CloseCode.NORMAL;
  return { closeCode, reason: text };
}

export interface WebSocketErrorInit {
  closeCode?: number;
  reason?: string;
  cause?: unknown;
}

/** Why a WebSocketStream's opened or closed promise rejected: a DOMException with the close code and reason. */
export class WebSocketError extends DOMException {
  readonly closeCode: number | null;
  readonly reason: string;

  constructor(message = '', init: WebSocketErrorInit = {}) {
    super(message, 'WebSocketError');
    const { closeCode, reason } = checkedCloseInfo(init.closeCode, init.reason);
    this.closeCode = closeCode ?? null;
    this.reason = reason;
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, configurable: true });
  }
}

/**
 * A WebSocketError carrying a code a script may not send (1006 for an abnormal closure, or the code of
 * a protocol error): the implementation reports these, scripts cannot create them.
 */
export function connectionError(message: string, closeCode: number, reason: string, cause?: unknown): WebSocketError {
  const error = new WebSocketError(message, { cause });
  Object.defineProperty(error, 'closeCode', { value: closeCode });
  Object.defineProperty(error, 'reason', { value: reason });
  return error;
}
