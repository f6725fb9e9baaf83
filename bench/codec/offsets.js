// Buffer placement. On this CPU a copy whose destination is 1-24 bytes past its source modulo 4 KiB runs
// ~15x slower (4K aliasing: loads falsely wait on earlier stores). Where data sits relative to a page
// therefore changes copy speed, and a benchmark with one fixed placement can land on the slow case by
// chance. Each timed round uses the next of these byte offsets, so with five rounds the reported median
// is the median over five placements.

export const OFFSETS = [0, 1, 7, 515, 2051];

/** The offset for a round (warm-up rounds are numbered -1 and use the first). */
export function offsetForRound(round) {
  return OFFSETS[Math.max(0, round) % OFFSETS.length];
}

const PAGE = 4096;

// Fresh memory is mapped on first touch: every buffer here is written once when made, so that no timed
// round pays for page faults.
const TOUCH_BYTE = 0x5a;

/**
 * One view per offset, each of `size` bytes at that byteOffset of its own backing store, holding `content`
 * (of length `size`) or a filler byte.
 */
export function offsetViews(size, content) {
  return OFFSETS.map((offset) => {
    const view = new Uint8Array(new ArrayBuffer(size + PAGE), offset, size);
    if (content === undefined) view.fill(TOUCH_BYTE);
    else view.set(content);
    return view;
  });
}

let shared = { size: -1, views: [] };

/** offsetViews(size) without content, shared by the rows of one case (the last size asked for is kept). */
export function sharedOffsetViews(size) {
  if (shared.size !== size) shared = { size, views: offsetViews(size) };
  return shared.views;
}

/**
 * A source and a destination for a plain copy, in one backing store with the destination 2 KiB + offset
 * past a page multiple from the source: the placement a memcpy floor should show (never the aliasing case).
 */
export function copyPairs(size) {
  const span = Math.ceil(size / PAGE) * PAGE;
  return OFFSETS.map((offset) => {
    const buffer = new ArrayBuffer(span + PAGE / 2 + offset + size);
    new Uint8Array(buffer).fill(TOUCH_BYTE);
    return { source: new Uint8Array(buffer, 0, size), target: new Uint8Array(buffer, span + PAGE / 2 + offset, size) };
  });
}
