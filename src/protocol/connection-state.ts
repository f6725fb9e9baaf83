// A Connection's life after the opening handshake as one value with its legal moves, and the readyState
// each value shows (RFC 6455 sections 5.5.1 and 7).

export const ReadyState = { OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/**
 * A connection's life after the opening handshake (RFC 6455 sections 5.5.1 and 7), one value at a time.
 * The legal moves (LEGAL_MOVES below), and what makes each:
 *
 *   OPEN ──────────── close(): our close frame is queued ──────────────────────────> CLOSE_SENT
 *   OPEN ──────────── stopSending(): nothing more will be written ─────────────────> SENDING_STOPPED
 *   OPEN ──────────── the peer's close frame (echoed) ─┐
 *   CLOSE_SENT ────── the peer's close frame ──────────┼───────────────────────────> CLOSED
 *   SENDING_STOPPED ─ the peer's close frame ──────────┘
 *   every state ───── a protocol error, a failed compression, terminate() ─────────> ENDED
 *
 * readyState follows from it: OPEN and SENDING_STOPPED are OPEN, CLOSE_SENT is CLOSING, CLOSED and ENDED are
 * CLOSED. Only OPEN may send data, pings or pongs (canSend).
 */
export const ConnectionState = {
  /** Messages go both ways. */
  OPEN: 0,
  /** Our close frame is sent (or queued behind compression); what arrives until the peer's is delivered. */
  CLOSE_SENT: 1,
  /** Nothing more is written, not even a close frame; what arrives is still delivered (stopSending). */
  SENDING_STOPPED: 2,
  /** The peer's close frame arrived, after ours or answered by ours (or with sending stopped). */
  CLOSED: 3,
  /** Failed or terminated: nothing more is read, written or reported. */
  ENDED: 4,
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

const { OPEN, CLOSE_SENT, SENDING_STOPPED, CLOSED, ENDED } = ConnectionState;

/** For each state, the states it may move to (a bit per state). ENDED to ENDED: terminate() again. */
export const LEGAL_MOVES: Readonly<Record<ConnectionState, number>> = {
  [OPEN]: (1 << CLOSE_SENT) | (1 << SENDING_STOPPED) | (1 << CLOSED) | (1 << ENDED),
  [CLOSE_SENT]: (1 << CLOSED) | (1 << ENDED),
  [SENDING_STOPPED]: (1 << CLOSED) | (1 << ENDED),
  [CLOSED]: 1 << ENDED,
  [ENDED]: 1 << ENDED,
};

export const READY_STATE: Readonly<Record<ConnectionState, ReadyState>> = {
  [OPEN]: ReadyState.OPEN,
  [CLOSE_SENT]: ReadyState.CLOSING,
  [SENDING_STOPPED]: ReadyState.OPEN,
  [CLOSED]: ReadyState.CLOSED,
  [ENDED]: ReadyState.CLOSED,
};
