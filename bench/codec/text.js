// Deterministic test text, so every run (and the child process) validates the same bytes.
//
// ASCII: printable characters and spaces. Mixed: the scripts a chat or JSON payload carries, weighted
// so that every UTF-8 sequence length appears often: ASCII (1 byte), Latin-1 letters and Cyrillic
// (2 bytes), CJK ideographs (3 bytes) and emoji (4 bytes).

/** A small linear congruential generator (Numerical Recipes constants): fast and the same everywhere. */
export function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

const MIXED_SCRIPTS = [
  // [weight, first code point, count]
  [40, 0x61, 26], // a-z
  [8, 0x20, 1], // space
  [12, 0xe0, 32], // Latin-1 letters à-ÿ
  [18, 0x430, 32], // Cyrillic а-я
  [16, 0x4e00, 0x5000], // CJK Unified Ideographs
  [6, 0x1f600, 0x50], // Emoticons
];
const TOTAL_WEIGHT = MIXED_SCRIPTS.reduce((sum, [weight]) => sum + weight, 0);

function encodedLength(codePoint) {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

function writeCodePoint(out, at, cp) {
  if (cp < 0x80) {
    out[at] = cp;
  } else if (cp < 0x800) {
    out[at] = 0xc0 | (cp >> 6);
    out[at + 1] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[at] = 0xe0 | (cp >> 12);
    out[at + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 2] = 0x80 | (cp & 0x3f);
  } else {
    out[at] = 0xf0 | (cp >> 18);
    out[at + 1] = 0x80 | ((cp >> 12) & 0x3f);
    out[at + 2] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 3] = 0x80 | (cp & 0x3f);
  }
}

function pickMixed(random) {
  let roll = random() % TOTAL_WEIGHT;
  for (const [weight, first, count] of MIXED_SCRIPTS) {
    if (roll < weight) return first + (random() % count);
    roll -= weight;
  }
  return 0x20;
}

/** `length` bytes of printable ASCII. */
export function asciiText(length, seed = 1) {
  const random = createRandom(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = 0x20 + ((random() >>> 8) % 95);
  return out;
}

/** Exactly `length` bytes of valid UTF-8 mixing four scripts; the last few bytes are ASCII where a wider
 * character would not fit. */
export function mixedText(length, seed = 1) {
  const random = createRandom(seed);
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    let cp = pickMixed(random);
    if (at + encodedLength(cp) > length) cp = 0x61 + (random() % 26);
    writeCodePoint(out, at, cp);
    at += encodedLength(cp);
  }
  return out;
}

export const TEXT_KINDS = {
  ascii: { label: 'ASCII', generate: asciiText },
  mixed: { label: 'mixed Latin/Cyrillic/CJK/emoji', generate: mixedText },
};
