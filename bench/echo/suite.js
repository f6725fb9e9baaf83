// The echo suite: `wasmsocket serve` (dist/src/cli.js) against the ws package's echo server with and
// without bufferutil, all three driven by the same load generator in a separate process over 127.0.0.1,
// then our client against ws's client on the same servers. Each table cell is the median of the rounds;
// the detail table gives the range, server and client CPU, and what other processes took meanwhile.

import { loadavg } from 'node:os';
import { environment as codecEnvironment, environmentLine } from '../codec/environment.js';
import { ECHO_BUDGET, ECHO_CASES, PAIRINGS, runEchoMatrix, sessionCount } from './matrix.js';
import { spreadMeasure } from './spread-measure.js';
import { echoDetailMarkdown, echoTargetsMarkdown } from './targets.js';

/** Notes under the first table: whatever went wrong in a session (empty when nothing did). */
const anomalyNotes = [];
let matrixSessions = [];
let running = null;

/** Runs the whole matrix once; every measure of the suite reads the same sessions. */
async function loadSessions(progress) {
  running ??= runEchoMatrix(progress).then((result) => {
    anomalyNotes.push(...anomaliesOf(result));
    matrixSessions = result.sessions;
  });
  await running;
}

/** Sessions that lost, corrupted or stalled echoes, closes nobody asked for, errors a server logged. */
function anomaliesOf({ sessions, servers, failures }) {
  const found = failures.map((failure) => `ANOMALY ${failure}`);
  for (const s of sessions) {
    const problems = [];
    if (s.wrongEchoes > 0) problems.push(`${s.wrongEchoes} echoes differed from what was sent`);
    if (s.outstandingAfterDrain > 0) problems.push(`${s.outstandingAfterDrain} echoes never came back`);
    if (s.unexpectedCloses > 0) problems.push(`${s.unexpectedCloses} unexpected closes`);
    if (s.errors.length > 0) problems.push(`errors: ${s.errors.join('; ')}`);
    if (problems.length > 0)
      found.push(`ANOMALY ${s.caseId} / ${s.pairingId} round ${s.round + 1}: ${problems.join(', ')}`);
  }
  for (const [kind, report] of Object.entries(servers)) {
    if (report.stderrErrors.length > 0) found.push(`ANOMALY server ${kind} logged: ${report.stderrErrors.join(' | ')}`);
  }
  return found;
}

function roundsOf(figure) {
  return (c, s) => matrixSessions.filter((x) => x.caseId === c.id && x.pairingId === s.id).map((x) => x[figure]);
}

const SERVER_SERIES = PAIRINGS.filter((p) => !p.clientSide);

const rateMeasure = spreadMeasure({
  id: 'echo-rate',
  title: 'echoes per second, ws client (client-bound)',
  unit: 'k msgs/s',
  divide: 1e3,
  caseLabel: 'messages',
  chart: 'lines',
  cases: ECHO_CASES,
  series: SERVER_SERIES,
  ratios: [
    { label: 'ours ÷ ws+bufferutil', of: 'ours', over: 'ws' },
    { label: 'ours ÷ ws no bufferutil', of: 'ours', over: 'ws-js' },
  ],
  notes: anomalyNotes,
  load: loadSessions,
  roundsOf: roundsOf('messagesPerSecond'),
  // Every session's figures go to the JSON once, with the first table.
  attach: (result) => {
    result.sessions = matrixSessions;
  },
});

const throughputMeasure = spreadMeasure({
  id: 'echo-throughput',
  title: 'echoed payload bytes per second, ws client (client-bound)',
  unit: 'MB/s',
  caseLabel: 'messages',
  chart: 'lines',
  cases: ECHO_CASES,
  series: SERVER_SERIES,
  ratios: [
    { label: 'ours ÷ ws+bufferutil', of: 'ours', over: 'ws' },
    { label: 'ours ÷ ws no bufferutil', of: 'ours', over: 'ws-js' },
  ],
  load: loadSessions,
  roundsOf: roundsOf('megabytesPerSecond'),
});

const serverCpuMeasure = spreadMeasure({
  id: 'echo-server-cpu',
  title: 'server CPU time per echoed message (/proc/<pid>/stat, all threads)',
  unit: 'CPU-µs/msg',
  better: 'lower',
  caseLabel: 'messages',
  chart: 'lines',
  cases: ECHO_CASES,
  series: SERVER_SERIES,
  ratios: [
    { label: 'ours ÷ ws+bufferutil', of: 'ours', over: 'ws' },
    { label: 'ours ÷ ws no bufferutil', of: 'ours', over: 'ws-js' },
  ],
  load: loadSessions,
  roundsOf: roundsOf('serverCpuUsPerMessage'),
});

const CLIENT_CASES = ECHO_CASES.filter((c) => c.clientComparison === true);
const CLIENT_SERIES = [
  PAIRINGS.find((p) => p.id === 'ws'),
  PAIRINGS.find((p) => p.id === 'ours'),
  PAIRINGS.find((p) => p.id === 'ours-ws'),
  PAIRINGS.find((p) => p.id === 'ours-ours'),
];

const clientRateMeasure = spreadMeasure({
  id: 'echo-clients',
  title: 'echoes per second, our client against ws client',
  unit: 'k msgs/s',
  divide: 1e3,
  caseLabel: 'messages',
  chart: 'lines',
  cases: CLIENT_CASES,
  series: CLIENT_SERIES,
  ratios: [
    { label: 'ours↔ours ÷ ws↔ws', of: 'ours-ours', over: 'ws' },
    { label: 'our client ÷ ws client (ws server)', of: 'ours-ws', over: 'ws' },
    { label: 'our client ÷ ws client (our server)', of: 'ours-ours', over: 'ours' },
  ],
  load: loadSessions,
  roundsOf: roundsOf('messagesPerSecond'),
});

const clientCpuMeasure = spreadMeasure({
  id: 'echo-client-cpu',
  title: 'load generator (client) CPU time per echoed message',
  unit: 'CPU-µs/msg',
  better: 'lower',
  caseLabel: 'messages',
  chart: 'lines',
  cases: CLIENT_CASES,
  series: CLIENT_SERIES,
  ratios: [
    { label: 'our client ÷ ws client (ws server)', of: 'ours-ws', over: 'ws' },
    { label: 'our client ÷ ws client (our server)', of: 'ours-ours', over: 'ours' },
  ],
  load: loadSessions,
  roundsOf: roundsOf('clientCpuUsPerMessage'),
});

function environment() {
  return { ...codecEnvironment(), loadAverage: loadavg(), budget: ECHO_BUDGET };
}

function describeCase(c) {
  return `${c.label} = ${c.binary ? 'binary' : 'text'} messages, ${c.connections} x ${c.inFlight} in flight`;
}

function header() {
  const b = ECHO_BUDGET;
  const seconds = (sessionCount() * (b.warmupMs + b.roundMs + 300)) / 1000;
  return [
    '## Echo benchmark (client-bound: a second view)',
    '',
    'Every server here is driven by a client library (the ws client unless a row says otherwise), which tops ' +
      'out near 100-150 k messages/s on one core: where the client is the bottleneck the servers look alike. ' +
      "The servers' own capacity per core is the capacity suite's (bench/capacity, pipelined load generator).",
    '',
    environmentLine(),
    '',
    `Each cell: the median of ${b.rounds} rounds of ${b.roundMs} ms (after ${b.warmupMs} ms of warm-up on fresh ` +
      'connections); rounds of the pairings in a row are interleaved. Servers: `wasmsocket serve` ' +
      '(dist/src/cli.js), ws 8 echo (bench/echo/ws-echo-server.js) with bufferutil and with ' +
      'WS_NO_BUFFER_UTIL=1, each its own process; the load generator is a third process (ws client unless ' +
      'the row says otherwise), over 127.0.0.1. Messages in flight per connection are kept constant: a new one ' +
      `is sent for each echo. Cases: ${ECHO_CASES.map(describeCase).join('; ')}. ${sessionCount()} sessions, about ${seconds.toFixed(0)} s. Load average at the ` +
      `start: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}.`,
  ].join('\n');
}

export const suite = {
  name: 'echo',
  title: 'echo servers driven by the ws client (client-bound): wasmsocket serve against ws, over 127.0.0.1',
  environment,
  header,
  measures: [rateMeasure, throughputMeasure, serverCpuMeasure, clientRateMeasure, clientCpuMeasure],
  summary: (results) => `${echoDetailMarkdown(matrixSessions)}\n\n${echoTargetsMarkdown(results)}`,
};
