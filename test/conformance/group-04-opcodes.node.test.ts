// Modelled on Autobahn group 4, opcodes (section 5.2): the reserved non-control opcodes 3-7 and control opcodes
// 0xB-0xF fail the connection with 1002, with or without a payload; what came before is still echoed and
// a ping after it is never answered.

import { expect } from 'vitest';
import {
  type CaseRun,
  type ConformanceCase,
  conformanceGroup,
  expectFailure,
  expectMessage,
  Op,
  pingFrame,
  textFrame,
} from './harness.ts';

const HELLO = 'Hello, world!';

/** The error names the opcode at fault in ws's words, however the bytes were split. */
function expectOpcodeNamed(t: CaseRun, opcode: number): void {
  expect(t.ours.errors.map((error) => [(error as Error & { code?: string }).code, error.message])).toEqual([
    ['WS_ERR_INVALID_OPCODE', `Invalid WebSocket frame: invalid opcode ${opcode}`],
  ]);
}

function reservedAlone(id: string, opcode: number, payload: string): ConformanceCase {
  return {
    id,
    title: `frame with reserved opcode ${opcode}${payload ? ' and a payload' : ''} fails the connection with 1002`,
    async run(t: CaseRun) {
      await t.peer.send([{ opcode, payload }]);
      await expectFailure(t, 1002);
      expectOpcodeNamed(t, opcode);
    },
  };
}

function reservedBetween(id: string, opcode: number, payload: string): ConformanceCase {
  return {
    id,
    title: `text, reserved opcode ${opcode}${payload ? ' with payload' : ''}, ping: text echoed, then 1002, no pong`,
    async run(t: CaseRun) {
      await t.peer.send([textFrame(HELLO), { opcode, payload }, pingFrame()]);
      await expectMessage(t.peer, Op.TEXT, HELLO);
      await expectFailure(t, 1002);
      expectOpcodeNamed(t, opcode);
    },
  };
}

const PAYLOAD = 'reserved opcode payload';

const cases: ConformanceCase[] = [
  reservedAlone('4.1.1', 3, ''),
  reservedAlone('4.1.2', 4, PAYLOAD),
  reservedBetween('4.1.3', 5, ''),
  reservedBetween('4.1.4', 6, PAYLOAD),
  reservedBetween('4.1.5', 7, PAYLOAD),
  reservedAlone('4.2.1', 11, ''),
  reservedAlone('4.2.2', 12, PAYLOAD),
  reservedBetween('4.2.3', 13, ''),
  reservedBetween('4.2.4', 14, PAYLOAD),
  reservedBetween('4.2.5', 15, PAYLOAD),
];

conformanceGroup('opcodes (modelled on Autobahn 4)', cases);
