// How `connect` shows a received binary message on one line: its length and its first bytes in hex.

/** Enough bytes to recognise a message without flooding the terminal with a large one. */
const SHOWN_BYTES = 32;

/** `[binary 5 bytes] 01 02 03 04 05`, with `…` after the first 32 bytes of a longer message. */
export function summarizeBinary(data: Uint8Array): string {
  const shown = data.subarray(0, SHOWN_BYTES);
  const hex = Array.from(shown, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const unit = data.length === 1 ? 'byte' : 'bytes';
  const more = data.length > SHOWN_BYTES ? ' …' : '';
  return `[binary ${data.length} ${unit}]${hex ? ` ${hex}` : ''}${more}`;
}
