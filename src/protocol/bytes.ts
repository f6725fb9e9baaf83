// Joining byte pieces: the codec's output pieces, a message's fragments, ws's 'fragments' arrays.

/** The pieces as one buffer: the piece itself when there is one, else a fresh copy of them all in order. */
export function concatBytes(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0];
  const joined = new Uint8Array(pieces.reduce((total, piece) => total + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    joined.set(piece, at);
    at += piece.length;
  }
  return joined;
}
