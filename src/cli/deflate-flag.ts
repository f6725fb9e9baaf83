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

/**
 * What `autobahn-client --deflate[=MODE]` offers: every permessage-deflate configuration the
 * fuzzingserver's cases 12.x and 13.1-13.7 accept, most preferred first (RFC 7692 section 5), so that none
 * ends UNIMPLEMENTED. The fuzzingserver's accept functions (autobahntestsuite case12_x_x.py) take the
 * first offer that lets them set what the case wants of the client: 13.1 nothing; 13.3/13.4
 * client_max_window_bits=8/15, which needs client_max_window_bits in the offer; 13.2, 13.5, 13.6
 * client_no_context_takeover (with 8/15 bits), which an Autobahn whose offer parser does not assume it
 * (its own FIXME) grants only to an offer that names client_no_context_takeover; 13.7 the first of
 * 13.5, 13.2, 13.1 that fits. Every offer here carries client_max_window_bits without a value: Autobahn
 * answers 400 to a value. Dedicated memory offers plain permessage-deflate first (the best ratio when
 * the server does not ask for more), then the same with client_no_context_takeover; shared memory's one
 * offer already names both no_context_takeover parameters.
 */
export function autobahnOffersFor(mode: string): PerMessageDeflateOptions[] | false {
  const single = perMessageDeflateFor(mode);
  if (single === false) return false;
  if (single.memory === 'shared') return [single];
  return [single, { ...single, clientNoContextTakeover: true }];
}
