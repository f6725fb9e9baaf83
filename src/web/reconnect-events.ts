// The events a ReconnectingWebSocket of wasmsocket/web dispatches beyond the WHATWG WebSocket's:
// 'reconnecting' before each new attempt, and an 'error' that says what went wrong where the library
// knows (queued messages that were not sent, a connect timeout), with `error` and `message` as the
// HTML standard's ErrorEvent has them (Node 20 has no ErrorEvent of its own).

export interface ReconnectingEventInit extends EventInit {
  attempt?: number;
  delayMs?: number;
}

/** 'reconnecting': attempt `attempt` (1 for the first reconnection) starts in `delayMs` milliseconds. */
export class ReconnectingEvent extends Event {
  readonly attempt: number;
  readonly delayMs: number;

  constructor(type: string, init: ReconnectingEventInit = {}) {
    super(type, init);
    this.attempt = init.attempt ?? 0;
    this.delayMs = init.delayMs ?? 0;
  }
}

export interface ReconnectErrorEventInit extends EventInit {
  error?: unknown;
  message?: string;
}

/** An 'error' event carrying the error (ErrorEvent's `error` and `message`). */
export class ReconnectErrorEvent extends Event {
  readonly error: unknown;
  readonly message: string;

  constructor(type: string, init: ReconnectErrorEventInit = {}) {
    super(type, init);
    this.error = init.error;
    this.message = init.message ?? '';
  }
}
