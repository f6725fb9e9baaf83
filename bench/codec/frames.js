// Measure 3: frames per second of the batch scanner against ws's Receiver, fed the same wire bytes (1 MiB
// of masked client-to-server frames in 64 KiB chunks). Our rows: the staged scanner handing out payloads as
// views of linear memory or as one copy each, the public FrameScanner ('auto'), and the pure-JS scanner.
// ws runs with bufferutil here and without it in a child process (WS_NO_BUFFER_UTIL=1).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  createFrameScanner,
  receiveAsCopies,
  receiveAsViews,
  receiveWithFrameScanner,
  receiveWithJsScanner,
  StagedScanner,
} from './scan-receivers.js';
import { buildStream, FRAME_KINDS, FreshStreams } from './wire.js';
import { wsReceiverCell, wsUsesBufferutil } from './ws-receiver.js';

const CHILD = new URL('./ws-no-bufferutil.js', import.meta.url);

const SERIES = [
  { id: 'views', label: 'scanner, payload views' },
  { id: 'copies', label: 'scanner, payload copied' },
  { id: 'frame-scanner', label: 'FrameScanner.scan (auto)' },
  { id: 'js-scanner', label: 'JS scanner (twin)' },
  { id: 'ws', label: 'ws Receiver + bufferutil' },
  { id: 'ws-js', label: 'ws Receiver, JS unmask' },
];

let child = null;
const streams = new Map();

function streamOf(kind) {
  if (!streams.has(kind.id)) streams.set(kind.id, buildStream(kind));
  return streams.get(kind.id);
}

/** A cell over the whole stream per iteration; `fresh` when the receiver unmasks its input in place. */
function streamCell(stream, receive, { fresh = false } = {}) {
  const copies = fresh ? new FreshStreams(stream.chunks) : null;
  const held = new Array(64);
  return {
    units: stream.frames,
    maxIterations: fresh ? 32 : 1 << 20,
    expected: (iterations) => iterations * stream.frames,
    prepare: copies === null ? undefined : (iterations) => copies.refresh(iterations),
    run(n) {
      let frames = 0;
      for (let p = 0; p < n; p++) frames += receive(copies === null ? stream.chunks : copies.pass(p), held);
      return frames;
    },
  };
}

function cellFor(kind, series) {
  const stream = streamOf(kind);
  switch (series.id) {
    case 'views': {
      const scanner = new StagedScanner();
      return streamCell(stream, (chunks, held) => receiveAsViews(scanner, chunks, held));
    }
    case 'copies': {
      const scanner = new StagedScanner();
      return streamCell(stream, (chunks, held) => receiveAsCopies(scanner, chunks, held));
    }
    case 'frame-scanner': {
      const scanner = createFrameScanner();
      return streamCell(stream, (chunks, held) => receiveWithFrameScanner(scanner, chunks, held), { fresh: true });
    }
    case 'js-scanner':
      return streamCell(stream, receiveWithJsScanner, { fresh: true });
    case 'ws':
      return wsReceiverCell(stream);
    case 'ws-js':
      return child.values[kind.id] === undefined ? null : { value: child.values[kind.id] / 1e6 };
    default:
      throw new Error(`bench: unknown frames series ${series.id}`);
  }
}

export const framesMeasure = {
  id: 'frames',
  title: 'frames received per second (1 MiB of masked client frames in 64 KiB chunks)',
  unit: 'M frames/s',
  scale: 1e6,
  caseLabel: 'frames',
  chart: 'bars',
  cases: FRAME_KINDS.map((kind) => ({ ...kind })),
  series: SERIES,
  ratios: [
    { label: 'views ÷ ws', of: 'views', over: 'ws' },
    { label: 'copied ÷ ws', of: 'copies', over: 'ws' },
    { label: 'FrameScanner ÷ ws', of: 'frame-scanner', over: 'ws' },
    { label: 'views ÷ ws JS unmask', of: 'views', over: 'ws-js' },
  ],
  notes: [],
  async before(progress) {
    progress.note('bench: frames: timing ws without bufferutil in a child process');
    const { stdout } = await promisify(execFile)(process.execPath, [CHILD.pathname], {
      env: { ...process.env, WS_NO_BUFFER_UTIL: '1' },
      maxBuffer: 1 << 20,
    });
    child = JSON.parse(stdout);
    if (child.usesBufferutil) throw new Error('bench: WS_NO_BUFFER_UTIL=1 did not stop ws loading bufferutil');
    if (!wsUsesBufferutil()) throw new Error('bench: ws did not load bufferutil in this process');
    this.notes = [
      'Every row delivers every frame of the stream (checked on every pass); each message is kept in a ring of 64 so that it is really built.',
      'ws gets a fresh copy of the stream each pass, untimed (it unmasks in place); so do the JS scanner and FrameScanner. The staged scanner copies each chunk into linear memory, timed.',
      '"ws Receiver, JS unmask" ran in a child process with WS_NO_BUFFER_UTIL=1 (ws confirmed it used its JS loop there).',
      'Text frames are validated as UTF-8 by every row (ws with buffer.isUtf8 from 24 B).',
    ];
  },
  cell: cellFor,
};
