// Which close status codes may travel in a close frame (RFC 6455 sections 7.4.1, 7.4.2 and the IANA
// registry of section 11.7).

import { CloseCode } from '../codec/internal.js';

/**
 * True for a code a close frame may carry: 1000-1003 and 1007-1014 (1012-1014 were registered after
 * the RFC; browsers and ws accept them) and 3000-4999 (libraries and applications). 1004 is reserved,
 * and 1005, 1006 and 1015 are only ever reported locally, never sent.
 */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= CloseCode.NORMAL &&
      code <= CloseCode.BAD_GATEWAY &&
      code !== 1004 &&
      code !== CloseCode.NO_STATUS_RECEIVED &&
      code !== CloseCode.ABNORMAL_CLOSURE) ||
    (code >= 3000 && code <= 4999)
  );
}

/** RFC 6455 section 5.5: a control payload is at most 125 bytes, so a close reason at most 123. */
export const MAX_CLOSE_REASON_BYTES = 123;
