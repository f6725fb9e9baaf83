// Measure 4: one lone frame header. parseFrameHeader (public, always JS), the JS decoder it uses (into a
// reused fields object), the WASM decoder through the wrapper (copy up to 14 bytes in, call, read the
// result slots), and the WASM decoder on a header already in linear memory. Shows whether a lone header
// is worth a crossing into WASM (api-header.ts says it is not).

import { parseFrameHeader } from 'wasmsocket/codec';
import { kernelsFor } from '../../dist/src/codec/backend.js';
import { DecodeOption } from '../../dist/src/codec/constants.js';
import { DecodedHeader, decodeHeaderJs } from '../../dist/src/codec/frame-header.js';
import { inPlaceKernels } from './in-place-kernels.js';

const KEY = [0x11, 0x22, 0x33, 0x44];

// Each case: the header bytes (and a few payload bytes after them), the role that decodes it.
const CASES = [
  { label: '2 B (unmasked, 7-bit length)', bytes: [0x82, 0x05, 1, 2, 3, 4, 5], role: 'client' },
  { label: '6 B (masked, 7-bit length)', bytes: [0x81, 0x80 | 32, ...KEY, 0x61], role: 'server' },
  { label: '8 B (masked, 16-bit length)', bytes: [0x82, 0x80 | 126, 0x04, 0x00, ...KEY, 0], role: 'server' },
  {
    label: '14 B (masked, 64-bit length)',
    bytes: [0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0, ...KEY, 0],
    role: 'server',
  },
];

const SERIES = [
  { id: 'parse', label: 'parseFrameHeader (public, JS)' },
  { id: 'js', label: 'decodeHeaderJs (JS twin)' },
  { id: 'wrapper', label: 'WasmKernels.decodeHeader (wrapper)' },
  { id: 'in-place', label: 'WASM decodeHeader in place' },
];

function optionBits(role) {
  return role === 'server' ? DecodeOption.REQUIRE_MASK : DecodeOption.FORBID_MASK;
}

function cellFor(c, series) {
  const bytes = Uint8Array.from(c.bytes);
  const options = optionBits(c.role);
  const expectedLength = decodeHeaderJs(bytes, 0, bytes.length, options, new DecodedHeader());
  if (expectedLength <= 0) throw new Error(`bench: header case ${c.label} does not decode`);
  // Every row returns the sum of the header lengths it decoded.
  const cell = { units: 1, expected: (n) => n * expectedLength, name: `${series.label} on ${c.label}` };
  switch (series.id) {
    case 'parse': {
      const decodeOptions = { role: c.role };
      cell.run = (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += parseFrameHeader(bytes, 0, decodeOptions).headerLength;
        return sum;
      };
      return cell;
    }
    case 'js': {
      const fields = new DecodedHeader();
      cell.run = (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += decodeHeaderJs(bytes, 0, bytes.length, options, fields);
        return sum;
      };
      return cell;
    }
    case 'wrapper': {
      const kernels = kernelsFor('simd');
      const fields = new DecodedHeader();
      cell.run = (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += kernels.decodeHeader(bytes, 0, bytes.length, options, fields);
        return sum;
      };
      return cell;
    }
    case 'in-place': {
      const kernels = inPlaceKernels(0);
      const decodeHeader = kernels.exports.decodeHeader;
      const ptr = kernels.stagingPtr;
      cell.prepare = () => kernels.bytes.set(bytes, ptr);
      cell.run = (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += decodeHeader(ptr, bytes.length, options);
        return sum;
      };
      return cell;
    }
    default:
      throw new Error(`bench: unknown header series ${series.id}`);
  }
}

export const headerMeasure = {
  id: 'header',
  title: 'decoding one frame header',
  unit: 'M headers/s',
  scale: 1e6,
  caseLabel: 'header',
  chart: 'bars',
  cases: CASES,
  series: SERIES,
  ratios: [
    { label: 'wrapper ÷ JS twin', of: 'wrapper', over: 'js' },
    { label: 'in place ÷ JS twin', of: 'in-place', over: 'js' },
    { label: 'parseFrameHeader ÷ JS twin', of: 'parse', over: 'js' },
  ],
  notes: [
    'parseFrameHeader also checks its arguments and builds the public header object (and a key array when masked).',
    'The wrapper and the JS twin fill the same reused fields object; "in place" reads only the returned length.',
  ],
  cell: cellFor,
};
