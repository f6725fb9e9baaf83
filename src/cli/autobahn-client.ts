// `wasmsocket autobahn-client`: drives our client through an Autobahn|Testsuite fuzzingserver, the way
// its client mode expects (see the fuzzingserver's own URL scheme):
//   1. ws://HOST/getCaseCount sends one text message, the number of cases, then closes;
//   2. ws://HOST/runCase?case=N&agent=NAME plays case N: we echo every message with its type until it closes;
//   3. ws://HOST/updateReports?agent=NAME makes the server write its reports for NAME, then closes.
// The verdicts are the server's (in its report directory); this command only reports what it saw: each
// case's close code and time on stderr, and exit 1 if a step failed or a case had to be dropped.

import { WebSocket } from '../index.js';
import type { PerMessageDeflateOptions } from '../protocol/permessage-deflate.js';
import { defineCommand, ExitCode, UsageError } from './command.js';
import { autobahnOffersFor, deflateFlag } from './deflate-flag.js';
import { parseCaseList, parseMilliseconds } from './flag-values.js';
import { log } from './log.js';

/** How long getCaseCount and updateReports may take; writing the reports of ~500 cases takes a few seconds. */
const CONTROL_TIMEOUT_MS = 60_000;

export const autobahnClientCommand = defineCommand({
  name: 'autobahn-client',
  summary: 'Run the Autobahn|Testsuite cases against our client (fuzzingserver mode).',
  synopsis: '[--url URL] [--agent NAME] [--cases LIST] [options]',
  description: [
    'Asks the fuzzingserver for its case count, plays each case (echoing every message with its type),',
    'then asks it to update its reports for the agent. Progress goes to stderr. Exits 1 if the server',
    'could not be reached or a case did not close within --case-timeout.',
  ].join('\n'),
  positionals: { min: 0, max: 0 },
  flags: {
    url: { type: 'string', placeholder: 'URL', default: 'ws://127.0.0.1:9001', description: 'the fuzzingserver' },
    agent: { type: 'string', placeholder: 'NAME', default: 'wasmsocket', description: 'name in the reports' },
    cases: { type: 'string', placeholder: 'LIST', description: 'only these case numbers, e.g. 1,4,7-9 (default all)' },
    // Offered by default, as ws and browsers do, so that groups 12 and 13 run; `off` for a plain client.
    deflate: deflateFlag(
      'dedicated',
      'offer permessage-deflate in every configuration cases 12 and 13 accept; shared bounds compression memory',
    ),
    'case-timeout': {
      type: 'string',
      placeholder: 'MS',
      default: '60000',
      description: 'drop a case that has not closed by then and go on',
    },
  },
  run: ({ flags }) => {
    const base = flags.url.replace(/\/+$/, '');
    if (!/^wss?:\/\/[^/]/.test(base)) throw new UsageError(`--url must be a ws:// or wss:// URL (got '${flags.url}')`);
    if (flags.agent.length === 0) throw new UsageError('--agent must not be empty');
    const selected = flags.cases === undefined ? undefined : parseCaseList(flags.cases);
    const caseTimeoutMs = parseMilliseconds(flags['case-timeout'], 'case-timeout');
    const perMessageDeflate = autobahnOffersFor(flags.deflate);
    return runSuite({ base, agent: flags.agent, selected, caseTimeoutMs, perMessageDeflate });
  },
});

interface SuiteOptions {
  /** The fuzzingserver's URL without a trailing slash. */
  base: string;
  agent: string;
  /** Case numbers to run; undefined for all. */
  selected: number[] | undefined;
  caseTimeoutMs: number;
  /** The offers (autobahnOffersFor), or false for none. */
  perMessageDeflate: PerMessageDeflateOptions[] | false;
}

async function runSuite(options: SuiteOptions): Promise<number> {
  const { base, agent, selected, caseTimeoutMs, perMessageDeflate } = options;
  const session = (url: string, timeoutMs: number, onMessage: MessageHandler) =>
    openSession(url, timeoutMs, onMessage, perMessageDeflate);
  const agentParam = encodeURIComponent(agent);

  let countText = '';
  const counting = await session(`${base}/getCaseCount`, CONTROL_TIMEOUT_MS, (_ws, data, isBinary) => {
    if (!isBinary) countText = data.toString();
  });
  const count = /^\d+$/.test(countText.trim()) ? Number(countText.trim()) : Number.NaN;
  if (!counting.opened || !Number.isSafeInteger(count)) {
    log(`getCaseCount failed: ${describe(counting)}${countText ? ` (received '${countText}')` : ''}`);
    return ExitCode.FAILURE;
  }
  const cases = selected ?? Array.from({ length: count }, (_, index) => index + 1);
  const beyond = cases.filter((n) => n > count);
  if (beyond.length > 0) {
    log(`the server has ${count} cases; there is no case ${beyond.join(', ')}`);
    return ExitCode.FAILURE;
  }
  log(`${count} cases on the server; running ${cases.length} as agent '${agent}'`);

  const dropped: number[] = [];
  const started = Date.now();
  for (const [index, n] of cases.entries()) {
    const url = `${base}/runCase?case=${n}&agent=${agentParam}`;
    const result = await session(url, caseTimeoutMs, (ws, data, isBinary) => ws.send(data, { binary: isBinary }));
    if (result.timedOut || !result.opened) dropped.push(n);
    log(`case ${n} (${index + 1}/${cases.length}): ${describe(result)}`);
  }
  log(`ran ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const update = await session(`${base}/updateReports?agent=${agentParam}`, CONTROL_TIMEOUT_MS, () => {});
  if (!update.opened || update.timedOut) {
    log(`updateReports failed: ${describe(update)}`);
    return ExitCode.FAILURE;
  }
  log(`reports updated for '${agent}'`);
  if (dropped.length > 0) {
    log(`${dropped.length} case(s) did not complete: ${dropped.join(', ')}`);
    return ExitCode.FAILURE;
  }
  return ExitCode.OK;
}

interface SessionResult {
  opened: boolean;
  timedOut: boolean;
  /** The close code ws reports: the peer's, 1005 without one, 1006 when the connection dropped. */
  code: number;
  reason: string;
  /** The error the connection reported, if any (a protocol error the case provoked, a refused connect). */
  error: Error | undefined;
  elapsedMs: number;
}

type MessageHandler = (ws: WebSocket, data: Buffer, isBinary: boolean) => void;

/** One connection from open to close, bounded by timeoutMs: past it the socket is dropped. */
function openSession(
  url: string,
  timeoutMs: number,
  onMessage: MessageHandler,
  perMessageDeflate: PerMessageDeflateOptions[] | false,
): Promise<SessionResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const result: SessionResult = {
      opened: false,
      timedOut: false,
      code: 0,
      reason: '',
      error: undefined,
      elapsedMs: 0,
    };
    const finish = () => {
      clearTimeout(timer);
      result.elapsedMs = Date.now() - started;
      resolve(result);
    };
    const ws = new WebSocket(url, { perMessageDeflate });
    const timer = setTimeout(() => {
      result.timedOut = true;
      ws.removeAllListeners('close');
      ws.terminate();
      finish();
    }, timeoutMs);
    ws.on('open', () => {
      result.opened = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => onMessage(ws, data, isBinary));
    ws.on('error', (error: Error) => {
      result.error ??= error;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      result.code = code;
      result.reason = reason.toString();
      finish();
    });
  });
}

function describe(result: SessionResult): string {
  if (result.timedOut) return `no close within ${result.elapsedMs} ms, dropped`;
  const error = result.error ? ` (${result.error.message})` : '';
  if (!result.opened) return `could not connect${error}`;
  const reason = result.reason ? ` ${result.reason}` : '';
  return `closed ${result.code}${reason}${error} in ${result.elapsedMs} ms`;
}
