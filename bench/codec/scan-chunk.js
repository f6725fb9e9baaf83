// The scanner's dispatch point: FrameScanner.scan on one chunk of N bytes, with the backend forced to JS
// (the JS scanner with JS masking and UTF-8) or to the SIMD kernels through the wrapper (copy in, one scan,
// copy the unmasked bytes back), and as 'auto'. The smallest chunk from which WASM wins sets
// SCAN_WASM_MIN_BYTES. A chunk holds frames of 32-byte payloads, the last frame taking what is left.
//
// The frames are masked with an all-zero key: unmasking in place is then idempotent, so the same chunk can
// be scanned again and again (text stays valid), while both backends still do the full XOR (neither
// special-cases a zero key, unlike ws).

import { FrameScanner } from 'wasmsocket/codec';
import { formatBytes } from '../lib/format.js';
import { forcedBackend } from './forced-backend.js';
import { mixedText } from './text.js';
import { writeFrame } from './wire.js';

const SIZES = [16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536];
const PAYLOAD = 32;
const SMALL_HEADER = 6; // 2 bytes + 4 key bytes, for payloads up to 125
const ZERO_KEY = new Uint8Array(4);

/** A chunk of exactly `size` bytes of complete frames; returns { bytes, frames }. */
function buildChunk(size, opcode) {
  const bytes = new Uint8Array(size);
  let at = 0;
  let frames = 0;
  while (at < size) {
    const remaining = size - at;
    const payloadLength = remaining >= 2 * SMALL_HEADER + PAYLOAD ? PAYLOAD : remaining - SMALL_HEADER;
    const payload = opcode === 0x1 ? mixedText(payloadLength, frames + 1) : new Uint8Array(payloadLength).fill(0xa5);
    at = writeFrame(bytes, at, opcode, payload, ZERO_KEY);
    frames++;
  }
  return { bytes, frames };
}

const SERIES = [
  { id: 'auto', label: 'FrameScanner.scan (auto)' },
  { id: 'forced-js', label: "setBackend('js')" },
  { id: 'forced-wasm-simd', label: "setBackend('wasm-simd')" },
];

function cellFor(chunk, series) {
  const scanner = new FrameScanner({ role: 'server' });
  const cell = {
    units: chunk.bytes.length,
    expected: (n) => n * chunk.frames,
    name: `${series.label} on a ${chunk.bytes.length} B chunk`,
    run(n) {
      let frames = 0;
      for (let i = 0; i < n; i++) frames += scanner.scan(chunk.bytes).count;
      return frames;
    },
  };
  return series.id === 'auto' ? cell : forcedBackend(series.id.slice('forced-'.length), cell);
}

export function scanChunkMeasure(kind) {
  const opcode = kind === 'text' ? 0x1 : 0x2;
  const chunks = new Map(SIZES.map((size) => [size, buildChunk(size, opcode)]));
  return {
    id: `scan-chunk-${kind}`,
    title: `FrameScanner.scan of one chunk, ${kind === 'text' ? 'mixed text' : 'binary'} frames of ${PAYLOAD} B`,
    unit: 'GB/s',
    scale: 1e9,
    caseLabel: 'chunk',
    chart: 'line',
    cases: SIZES.map((size) => ({ label: formatBytes(size), size, frames: chunks.get(size).frames })),
    series: SERIES,
    ratios: [
      { label: 'wasm-simd ÷ js', of: 'forced-wasm-simd', over: 'forced-js' },
      { label: 'auto ÷ best', of: 'auto', over: ['forced-js', 'forced-wasm-simd'] },
    ],
    notes: ['A chunk of N bytes holds frames of 32 B payloads (the last one shorter); all are scanned in one call.'],
    cell: (c, series) => cellFor(chunks.get(c.size), series),
  };
}
