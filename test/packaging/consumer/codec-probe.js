// Runs wasmsocket/codec on fixed inputs inside whatever runtime imported it (a Vite-built page in Chromium,
// a Worker in workerd) and returns every input with the codec's answer, so that the Node test can check
// the answers against its own references (a byte loop for masking, buffer.isUtf8 for UTF-8). Takes the
// codec module as an argument so that the page and the Worker import it themselves, as users would.

const KEY = [0x37, 0xfa, 0x21, 0x3d];

// Sizes on both sides of the dispatcher's thresholds and of a 16-byte SIMD lane, and past one 64 KiB page.
const MASK_SIZES = [1, 15, 97, 300, 4097, 70_001];

function patternBytes(length, seed) {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

function repeatText(text, minimumBytes) {
  const unit = new TextEncoder().encode(text);
  const bytes = new Uint8Array(Math.ceil(minimumBytes / unit.length) * unit.length);
  for (let at = 0; at < bytes.length; at += unit.length) bytes.set(unit, at);
  return bytes;
}

function withBytesAt(base, at, inserted) {
  const bytes = new Uint8Array(base.length + inserted.length);
  bytes.set(base.subarray(0, at));
  bytes.set(inserted, at);
  bytes.set(base.subarray(at), at + inserted.length);
  return bytes;
}

const MIXED = 'plain ascii, àéîõü, кириллица, 漢字かな, 😀🚀 ';

function utf8Cases() {
  const longAscii = repeatText('the quick brown fox jumps over the lazy dog ', 40_000);
  const longMixed = repeatText(MIXED, 100_000);
  return [
    { name: 'empty', bytes: new Uint8Array(0) },
    { name: 'mixed text, one copy', bytes: new TextEncoder().encode(MIXED) },
    { name: 'mixed text, 100 KB', bytes: longMixed },
    { name: 'ASCII, 40 KB', bytes: longAscii },
    { name: 'overlong NUL (C0 80)', bytes: Uint8Array.of(0x61, 0xc0, 0x80) },
    { name: 'surrogate half (ED A0 80)', bytes: withBytesAt(longMixed, 5000, Uint8Array.of(0xed, 0xa0, 0x80)) },
    {
      name: 'above U+10FFFF (F4 90 80 80)',
      bytes: withBytesAt(longAscii, 39_000, Uint8Array.of(0xf4, 0x90, 0x80, 0x80)),
    },
    {
      name: 'truncated emoji at the end',
      bytes: withBytesAt(longMixed, longMixed.length, Uint8Array.of(0xf0, 0x9f, 0x98)),
    },
    { name: 'lone continuation byte', bytes: withBytesAt(longAscii, 20_001, Uint8Array.of(0x80)) },
  ];
}

function probeBackend(codec, backend) {
  codec.setBackend(backend);
  const mask = MASK_SIZES.map((size) => {
    const input = patternBytes(size, size);
    const output = input.slice();
    codec.mask(output, Uint8Array.from(KEY));
    return { size, input: Array.from(input), output: Array.from(output) };
  });
  const utf8 = utf8Cases().map(({ name, bytes }) => ({
    name,
    bytes: Array.from(bytes),
    valid: codec.isValidUtf8(bytes),
  }));
  return { backend, active: codec.activeBackend(), mask, utf8 };
}

/** { autoBackend, key, runs: [{ backend, active, mask: [...], utf8: [...] }], error? } */
export async function runCodecProbe(codec) {
  await codec.ready;
  codec.setBackend('auto');
  const autoBackend = codec.activeBackend();
  const runs = [];
  try {
    // Forced first: it throws where the SIMD build did not load, instead of quietly answering from JS.
    for (const backend of ['wasm-simd', 'auto']) runs.push(probeBackend(codec, backend));
    return { autoBackend, key: KEY, runs };
  } catch (error) {
    return { autoBackend, key: KEY, runs, error: `${error?.name}: ${error?.message}` };
  } finally {
    codec.setBackend('auto');
  }
}
