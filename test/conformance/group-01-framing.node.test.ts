// Modelled on Autobahn group 1, framing: text (1.1.x) and binary (1.2.x) messages of the lengths at which the payload
// length changes form (section 5.2: 7-bit up to 125, 16-bit from 126, 64-bit from 65536), each echoed
// exactly, then a clean close. Autobahn sends '*' or 0xfe repeated; these payloads have no short period,
// so a byte dropped, repeated or unmasked with the wrong key phase shows.

import {
  type CaseRun,
  type ConformanceCase,
  closeNormally,
  conformanceGroup,
  expectMessage,
  Op,
  patternBytes,
  patternText,
} from './harness.ts';

/** The lengths of cases 1.x.1-1.x.7: around each boundary of the length forms. */
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

/** Case 1.x.8 sends the 65536-byte message in writes of this many bytes. */
const CHOP_BYTES = 997;

function echoCase(id: string, opcode: number, payload: Buffer, chop?: number): ConformanceCase {
  const kind = opcode === Op.TEXT ? 'text' : 'binary';
  return {
    id,
    title: `${kind} message of ${payload.length} bytes${chop ? ` sent in ${chop}-byte chops` : ''} is echoed`,
    chunkings: chop ? ['whole'] : undefined,
    async run(t: CaseRun) {
      const frame = t.peer.encode({ opcode, payload });
      if (chop) await t.peer.sendChopped(frame, [chop]);
      else await t.peer.send([frame]);
      await expectMessage(t.peer, opcode, payload);
      await closeNormally(t);
    },
  };
}

const cases: ConformanceCase[] = [];
for (const [index, length] of LENGTHS.entries()) cases.push(echoCase(`1.1.${index + 1}`, Op.TEXT, patternText(length)));
cases.push(echoCase('1.1.8', Op.TEXT, patternText(65536), CHOP_BYTES));
for (const [index, length] of LENGTHS.entries()) {
  cases.push(echoCase(`1.2.${index + 1}`, Op.BINARY, patternBytes(length, index + 1)));
}
cases.push(echoCase('1.2.8', Op.BINARY, patternBytes(65536, 8), CHOP_BYTES));

conformanceGroup('framing (modelled on Autobahn 1)', cases);
