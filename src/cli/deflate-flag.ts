// The `--deflate[=MODE]` flag of serve, connect and autobahn-client: permessage-deflate (RFC 7692) and
// which of its two memory modes to use (docs/compression.md).
//   dedicated  each connection keeps its own compressor and window (ws's way; best ratio)
//   shared     no context takeover both ways, engines borrowed from one process-wide pool (bounded memory)
//   off        no compression
// `--deflate` alone means dedicated. Defaults follow the library, as ws does: the server does not
// compress unless told to, the client offers permessage-deflate unless told not to.

import type { PerMessageDeflateOptions } from '../protocol/permessage-deflate.js';
import type { Flag } from './command.js';

export const DEFLATE_MODES = ['dedicated', 'shared', 'off'] as const;
export type DeflateMode = (typeof DEFLATE_MODES)[number];

/** The flag's table entry; `defaultMode` is what the command does without it. */
export function deflateFlag(defaultMode: DeflateMode, description: string) {
  return {
    type: 'string',
    placeholder: 'MODE',
    choices: DEFLATE_MODES,
    bareValue: 'dedicated',
    default: defaultMode,
    description,
  } as const satisfies Flag;
}

/** The perMessageDeflate option for a mode (the flag's value, already checked against its choices). */
export function perMessageDeflateFor(mode: string): PerMessageDeflateOptions | false {
  if (mode === 'off') return false;
  return { memory: mode as 'dedicated' | 'shared' };
}
