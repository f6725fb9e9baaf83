// Scenarios for the ReconnectingWebSocket of wasmsocket/web, written once and run in Node (against the
// sources) and in Deno (against the built package): each drives one client to its end and resolves
// with a JSON report that the Node side checks, along with what its servers saw. Runtime-free: no
// node: imports.

import type { ReconnectingWebSocketOptions } from '../../src/web/reconnecting-websocket.ts';

/** What the scenarios use, so that the sources' class and the built package's both fit. */
interface ReconnectingLike extends EventTarget {
  readonly bufferedAmount: number;
  send(data: string | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

type ReconnectingClass = new (
  url: string,
  protocols?: string | string[],
  options?: ReconnectingWebSocketOptions,
) => ReconnectingLike;

type ReconnectingEventLike = Event & { attempt: number; delayMs: number };
type MessageEventLike = Event & { data: unknown };

export interface CloseReport {
  code: number;
  reason: string;
  wasClean: boolean;
}

function closeReport(event: Event): CloseReport {
  const { code, reason, wasClean } = event as Event & CloseReport;
  return { code, reason, wasClean };
}

/** The server to use: it drops the first connection after 'first', refuses the next two handshakes with 503, then answers 'after' with 'done'. */
export interface DropReport {
  opens: number;
  attempts: number[];
  errors: number;
  /** bufferedAmount right after three messages were queued. */
  queuedAmount: number;
  received: string[];
  close: CloseReport;
}

/** Sends 'first'; when dropped, queues 'q1' 'q2' 'q3' ('é' makes q3 four bytes); sends 'after' on the next open; closes on 'done'. */
export function dropAndQueue(RWS: ReconnectingClass, url: string): Promise<DropReport> {
  return new Promise((resolve) => {
    const rws = new RWS(url, undefined, { minDelayMs: 10, maxDelayMs: 40 });
    const report: Omit<DropReport, 'close'> = { opens: 0, attempts: [], errors: 0, queuedAmount: -1, received: [] };
    rws.addEventListener('open', () => {
      report.opens++;
      rws.send(report.opens === 1 ? 'first' : 'after');
    });
    rws.addEventListener('reconnecting', (event) => {
      report.attempts.push((event as ReconnectingEventLike).attempt);
      if (report.attempts.length > 1) return;
      for (const text of ['q1', 'q2', 'qé']) rws.send(text);
      report.queuedAmount = rws.bufferedAmount;
    });
    rws.addEventListener('error', () => {
      report.errors++;
    });
    rws.addEventListener('message', (event) => {
      const { data } = event as MessageEventLike;
      report.received.push(String(data));
      if (data === 'done') rws.close(1000, 'bye');
    });
    rws.addEventListener('close', (event) => resolve({ ...report, close: closeReport(event) }));
  });
}

export interface BackoffReport {
  delays: Array<{ attempt: number; delayMs: number }>;
  errors: number;
  close: CloseReport;
}

/** Against a port nobody listens on, with random() = 1: minDelayMs 10, factor 2, maxDelayMs 40, maxRetries 4. */
export function giveUpWithBackoff(RWS: ReconnectingClass, url: string): Promise<BackoffReport> {
  return new Promise((resolve) => {
    const rws = new RWS(url, undefined, { minDelayMs: 10, factor: 2, maxDelayMs: 40, maxRetries: 4, random: () => 1 });
    const delays: BackoffReport['delays'] = [];
    let errors = 0;
    rws.addEventListener('reconnecting', (event) => {
      const { attempt, delayMs } = event as ReconnectingEventLike;
      delays.push({ attempt, delayMs });
    });
    rws.addEventListener('error', () => {
      errors++;
    });
    rws.addEventListener('close', (event) => resolve({ delays, errors, close: closeReport(event) }));
  });
}

export interface QueueReport {
  refusedName: string;
  refusedMessage: string;
  bufferedAmount: number;
  unsentMessage: string;
  errors: number;
  close: CloseReport;
}

/** maxQueuedBytes 8 while the first attempt is still opening: 6 + 3 bytes are refused, 6 + 2 fit; close() while waiting. */
export function queueBound(RWS: ReconnectingClass, url: string): Promise<QueueReport> {
  return new Promise((resolve) => {
    const rws = new RWS(url, undefined, { maxQueuedBytes: 8, minDelayMs: 60_000, random: () => 1 });
    const report: Omit<QueueReport, 'close'> = {
      refusedName: '',
      refusedMessage: '',
      bufferedAmount: -1,
      unsentMessage: '',
      errors: 0,
    };
    rws.send('abcdef');
    try {
      rws.send(new Uint8Array(3));
    } catch (error) {
      report.refusedName = (error as DOMException).name;
      report.refusedMessage = (error as DOMException).message;
    }
    rws.send('é');
    report.bufferedAmount = rws.bufferedAmount;
    rws.addEventListener('error', (event) => {
      report.errors++;
      report.unsentMessage = (event as Event & { message?: string }).message ?? '';
    });
    rws.addEventListener('close', (event) => resolve({ ...report, close: closeReport(event) }));
    // The first attempt fails (nothing listens there); the next is a minute away: close() cancels it,
    // and nothing may be left to keep the runtime alive.
    rws.addEventListener('reconnecting', () => rws.close());
  });
}

export interface RefusedReport {
  decisions: Array<{ code: number; status: number | null }>;
  attempts: number;
  close: CloseReport;
}

/** Against a server that answers 401: the standard hides the status, so it retries until maxRetries 2. */
export function refusedHandshake(RWS: ReconnectingClass, url: string): Promise<RefusedReport> {
  return new Promise((resolve) => {
    const decisions: RefusedReport['decisions'] = [];
    let attempts = 0;
    const rws = new RWS(url, undefined, {
      minDelayMs: 5,
      maxRetries: 2,
      shouldReconnect: (event) => {
        decisions.push({ code: event.code, status: event.status ?? null });
        return true;
      },
    });
    rws.addEventListener('reconnecting', () => {
      attempts++;
    });
    rws.addEventListener('close', (event) => resolve({ decisions, attempts, close: closeReport(event) }));
  });
}

/** What every runtime must report, given the servers described above. */
export const EXPECTED = {
  drop: {
    opens: 2,
    attempts: [1, 2, 3],
    // The dropped connection and the two refused attempts.
    errors: 3,
    queuedAmount: 2 + 2 + 3,
    received: ['done'],
    close: { code: 1000, reason: 'bye', wasClean: true },
  } satisfies DropReport,
  dropServerReceived: ['first', 'q1', 'q2', 'qé', 'after'],
  backoff: {
    delays: [
      { attempt: 1, delayMs: 10 },
      { attempt: 2, delayMs: 20 },
      { attempt: 3, delayMs: 40 },
      { attempt: 4, delayMs: 40 },
    ],
    errors: 5,
    close: { code: 1006, reason: '', wasClean: false },
  } satisfies BackoffReport,
  queue: {
    refusedName: 'QuotaExceededError',
    refusedMessage:
      'ReconnectingWebSocket: a message of 3 bytes would take the queue of messages waiting for a connection ' +
      '(6 bytes) past maxQueuedBytes (8); it was not queued',
    bufferedAmount: 8,
    unsentMessage:
      'ReconnectingWebSocket: 2 queued messages were not sent: close() was called before a connection opened',
    // The failed attempt's, then the unsent messages'.
    errors: 2,
    close: { code: 1006, reason: '', wasClean: false },
  } satisfies QueueReport,
  refused: {
    decisions: [
      { code: 1006, status: null },
      { code: 1006, status: null },
      { code: 1006, status: null },
    ],
    attempts: 2,
    close: { code: 1006, reason: '', wasClean: false },
  } satisfies RefusedReport,
  refusedServerHandshakes: 3,
};
