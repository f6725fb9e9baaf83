// Frames received per second in the browser: 1 MiB of masked client-to-server frames in 64 KiB chunks, the
// Node codec suite's frames measure (bench/codec/frames.js) without ws, which does not run in a page.
// Rows: the staged batch scanner (bench/codec/scan-receivers.js: each chunk copied once into linear memory,
// one WASM call per chunk) handing out payloads as views or as one copy each; the public FrameScanner as an
// application calls it ('auto'), forced to wasm-simd, and forced to the pure-JS scanner (setBackend('js')).

import { FrameScanner } from 'wasmsocket/codec';
import { FRAME_ENTRY_WORDS } from '../../../dist/src/codec/scan-outcome.js';
import { forcedBackend } from '../../codec/forced-backend.js';
import { receiveAsViews, StagedScanner } from '../../codec/scan-receivers.js';
import { buildStream, FRAME_KINDS, FreshStreams } from '../../codec/wire.js';

/** Payloads are kept in a ring of this many (minus one as a mask) so that each one is really built. */
const HELD = 63;

const SERIES = [
  { id: 'views', label: 'scanner, payload views' },
  { id: 'copies', label: 'scanner, payload copied' },
  { id: 'frame-scanner', label: 'FrameScanner.scan (auto)' },
  { id: 'frame-scanner-wasm-simd', label: "FrameScanner, setBackend('wasm-simd')" },
  { id: 'frame-scanner-js', label: "FrameScanner, setBackend('js')" },
];

const streams = new Map();
function streamOf(kind) {
  if (!streams.has(kind.id)) streams.set(kind.id, buildStream(kind));
  return streams.get(kind.id);
}

/** The staged scanner, each payload copied once into its own Uint8Array (what a page would keep). */
function receiveAsCopies(scanner, chunks, held) {
  let frames = 0;
  const out = scanner.out;
  for (const chunk of chunks) {
    let count = scanner.feed(chunk);
    for (;;) {
      const table = out.table;
      const source = out.source;
      for (let i = 0; i < count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
        held[frames++ & HELD] = source.slice(table[i], table[i] + table[i + 1]);
      }
      if (!scanner.advance()) break;
      count = scanner.scan();
    }
  }
  return frames;
}

/** Bytes left over from the previous chunk joined to the next one (FrameScanner scans caller memory). */
function join(rest, chunk) {
  if (rest === null) return chunk;
  const joined = new Uint8Array(rest.length + chunk.length);
  joined.set(rest);
  joined.set(chunk, rest.length);
  return joined;
}

/** The public FrameScanner as an application would call it, payloads as views of its input. */
function receiveWithFrameScanner(scanner, chunks, held) {
  let frames = 0;
  let rest = null;
  for (const chunk of chunks) {
    const bytes = join(rest, chunk);
    const result = scanner.scan(bytes);
    if (result.error !== null) throw result.error;
    const table = result.frames;
    for (let i = 0; i < result.count * FRAME_ENTRY_WORDS; i += FRAME_ENTRY_WORDS) {
      held[frames++ & HELD] = new Uint8Array(bytes.buffer, bytes.byteOffset + table[i], table[i + 1]);
    }
    rest = result.next < bytes.length ? bytes.subarray(result.next) : null;
  }
  return frames;
}

/** A cell over the whole stream per iteration; `fresh` when the receiver unmasks its input in place. */
function streamCell(stream, receive, { fresh = false } = {}) {
  const copies = fresh ? new FreshStreams(stream.chunks) : null;
  const held = new Array(HELD + 1);
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

function frameScannerCell(stream) {
  const scanner = new FrameScanner({ role: 'server' });
  return streamCell(stream, (chunks, held) => receiveWithFrameScanner(scanner, chunks, held), { fresh: true });
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
    case 'frame-scanner':
      return frameScannerCell(stream);
    case 'frame-scanner-wasm-simd':
      return forcedBackend('wasm-simd', frameScannerCell(stream));
    case 'frame-scanner-js':
      return forcedBackend('js', frameScannerCell(stream));
    default:
      throw new Error(`bench: unknown frames series ${series.id}`);
  }
}

export const framesMeasure = {
  id: 'frames',
  title: 'frames received per second (1 MiB of masked client frames in 64 KiB chunks, Chromium)',
  unit: 'M frames/s',
  scale: 1e6,
  caseLabel: 'frames',
  chart: 'bars',
  cases: FRAME_KINDS.map(({ id, label, opcode, payloadLength }) => ({ id, label, opcode, payloadLength })),
  series: SERIES,
  ratios: [
    { label: 'views ÷ JS scanner', of: 'views', over: 'frame-scanner-js' },
    { label: 'copied ÷ JS scanner', of: 'copies', over: 'frame-scanner-js' },
    { label: 'FrameScanner auto ÷ JS', of: 'frame-scanner', over: 'frame-scanner-js' },
    { label: 'FrameScanner wasm-simd ÷ JS', of: 'frame-scanner-wasm-simd', over: 'frame-scanner-js' },
  ],
  notes: [
    'Every row delivers every frame of the stream (checked on every pass); each payload is kept in a ring of 64 so that it is really built.',
    'FrameScanner unmasks its input in place, so it gets a fresh copy of the stream each pass, untimed. The staged scanner copies each chunk into linear memory, timed.',
    'Text frames are validated as UTF-8 by every row. No ws rows: ws does not run in a browser.',
  ],
  cell: cellFor,
};
