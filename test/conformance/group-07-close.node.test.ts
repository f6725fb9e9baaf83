// Modelled on Autobahn group 7, close handling (sections 5.5.1, 7.1-7.4): the close frame is echoed with its code
// and reason, nothing received after it is answered, the server closes TCP first; a close payload of 1
// byte, over 125 bytes or with a code that may not be sent fails the connection with 1002, and a reason
// that is not UTF-8 with 1007.

import { expect } from 'vitest';
import { within } from '../support/waits.ts';
import {
  type CaseRun,
  type ConformanceCase,
  closeFrame,
  closeNormally,
  conformanceGroup,
  continuation,
  expectCloseFrame,
  expectFailure,
  expectMessage,
  type FrameSpec,
  Op,
  patternText,
  pingFrame,
  textFrame,
  utf8,
} from './harness.ts';
import { KOSME } from './utf8-sequences.ts';

/** Codes a close frame may carry (section 7.4.1, 7.4.2), as Autobahn 7.7.x sends them. */
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
/** Codes it may not (Autobahn 7.9.x): unused, reserved, or only ever reported locally. */
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/** 7.1.6: the size of the message ahead of the close frame (Autobahn: 256 KiB). */
const LARGE_BEFORE_CLOSE_BYTES = 256 * 1024;

function failsWith(id: string, title: string, code: number, frame: () => FrameSpec): ConformanceCase {
  return {
    id,
    title,
    async run(t: CaseRun) {
      await t.peer.send([frame()]);
      await expectFailure(t, code);
    },
  };
}

/** A close frame whose payload is exactly these bytes (for lengths and codes closeFrame would not build). */
const rawClose = (payload: Buffer): FrameSpec => ({ opcode: Op.CLOSE, payload });

const cases: ConformanceCase[] = [
  {
    id: '7.1.1',
    title: 'text then close: the text is echoed, then the close',
    async run(t) {
      await t.peer.send([textFrame('Hello World!')]);
      await expectMessage(t.peer, Op.TEXT, 'Hello World!');
      await closeNormally(t);
    },
  },
  {
    id: '7.1.2',
    title: 'two close frames: one echo, the second is ignored',
    async run(t) {
      await closeNormally(t, 1000, '', [closeFrame(1000)]);
    },
  },
  {
    id: '7.1.3',
    title: 'ping after close: no pong',
    async run(t) {
      await closeNormally(t, 1000, '', [pingFrame('Hello World!')]);
    },
  },
  {
    id: '7.1.4',
    title: 'text after close: no echo',
    async run(t) {
      await closeNormally(t, 1000, '', [textFrame('Hello World!')]);
    },
  },
  {
    id: '7.1.5',
    title: 'first fragment, close, last fragment: no echo',
    async run(t) {
      await t.peer.send([textFrame('fragment1', false)]);
      await closeNormally(t, 1000, '', [continuation('fragment2')]);
    },
  },
  {
    id: '7.1.6',
    title: `${LARGE_BEFORE_CLOSE_BYTES / 1024} KiB text, close, ping: the text is echoed whole before the close, no pong`,
    chunkings: ['whole'],
    async run(t) {
      const payload = patternText(LARGE_BEFORE_CLOSE_BYTES);
      await t.peer.send([textFrame(payload)]);
      // Autobahn sends the three back to back and accepts a lost echo; here the echo is written while the
      // message is delivered, before the close frame is read, so it must arrive whole and first.
      const sending = t.peer.send([closeFrame(1000), pingFrame('ping payload')]);
      await expectMessage(t.peer, Op.TEXT, payload);
      await sending;
      const close = await expectCloseFrame(t.peer, 'the echo of the close frame');
      expect(close.code).toBe(1000);
      if (t.role === 'server') {
        const end = await t.peer.next('our server to close the TCP connection');
        expect(end.kind).toBe('end');
      }
      t.peer.end();
      await within(t.peer.socketClosed, 'the TCP connection to close');
      expect(t.peer.unread().filter((event) => event.kind !== 'end')).toEqual([]);
    },
  },
  {
    id: '7.3.1',
    title: 'close without payload is echoed without payload (reported as 1005)',
    async run(t) {
      await closeNormally(t, undefined);
    },
  },
  failsWith('7.3.2', 'close with a 1-byte payload: 1002', 1002, () => rawClose(Buffer.from([0x03]))),
  {
    id: '7.3.3',
    title: 'close 1000 without reason is echoed',
    async run(t) {
      await closeNormally(t, 1000);
    },
  },
  {
    id: '7.3.4',
    title: 'close 1000 with a reason is echoed with it',
    async run(t) {
      await closeNormally(t, 1000, 'Hello World!');
    },
  },
  {
    id: '7.3.5',
    title: 'close 1000 with a 123-byte reason (a 125-byte payload, the most allowed) is echoed',
    async run(t) {
      await closeNormally(t, 1000, '*'.repeat(123));
    },
  },
  failsWith('7.3.6', 'close 1000 with a 124-byte reason (126-byte payload): 1002', 1002, () =>
    closeFrame(1000, '*'.repeat(124)),
  ),
  failsWith('7.5.1', 'close 1000 with a reason that is not UTF-8: 1007', 1007, () =>
    closeFrame(1000, Buffer.concat([KOSME, Buffer.from([0xed, 0xa0, 0x80]), utf8('edited')])),
  ),
  ...VALID_CODES.map(
    (code, index): ConformanceCase => ({
      id: `7.7.${index + 1}`,
      title: `close with valid code ${code} is echoed with it`,
      async run(t: CaseRun) {
        await closeNormally(t, code);
      },
    }),
  ),
  ...INVALID_CODES.map((code, index) =>
    failsWith(`7.9.${index + 1}`, `close with invalid code ${code}: 1002`, 1002, () => closeFrame(code)),
  ),
  // Autobahn reports 7.13.x as informational; wasmsocket, as ws, takes codes above 4999 as invalid.
  failsWith('7.13.1', 'close with code 5000: 1002', 1002, () => closeFrame(5000)),
  failsWith('7.13.2', 'close with code 65535: 1002', 1002, () => closeFrame(65535)),
  // Ours: codes registered after the RFC (IANA: 1012-1014) are accepted; 1015 is only ever reported locally.
  ...[1012, 1013, 1014].map(
    (code, index): ConformanceCase => ({
      id: `7.x.${index + 1}`,
      title: `close with registered code ${code} is echoed with it`,
      async run(t: CaseRun) {
        await closeNormally(t, code);
      },
    }),
  ),
  failsWith('7.x.4', 'close with code 1015 (TLS failure, never sent): 1002', 1002, () => closeFrame(1015)),
  {
    id: '7.x.6',
    title: 'close while a text message ends inside a character: a clean close, not 1007 (the message never ends)',
    async run(t) {
      await t.peer.send([textFrame(Buffer.from([0xce]), false)]);
      await closeNormally(t, 1000);
    },
  },
  {
    id: '7.x.7',
    title: 'frames that would fail the connection, after the close frame, are never read: a clean close',
    async run(t) {
      await closeNormally(t, 1000, '', [
        { opcode: 3 },
        textFrame(Buffer.from([0xc0, 0xaf])),
        { opcode: Op.PING, payload: Buffer.alloc(126) },
      ]);
    },
  },
  {
    id: '7.x.5',
    title: 'our side starts the closing handshake: close frame sent, the echo ends it cleanly',
    async run(t) {
      t.ours.ws.close(4001, 'bye');
      const close = await expectCloseFrame(t.peer, 'our close frame');
      expect([close.code, close.reason.toString()]).toEqual([4001, 'bye']);
      await t.peer.send([closeFrame(4001, 'bye')]);
      if (t.role === 'server') {
        const end = await t.peer.next('our server to close the TCP connection');
        expect(end.kind).toBe('end');
      }
      t.peer.end();
      await within(t.peer.socketClosed, 'the TCP connection to close');
      const closed = await within(t.ours.closed, "our side's 'close' event");
      expect(closed).toEqual({ code: 4001, reason: 'bye', wasClean: true });
    },
  },
];

conformanceGroup('close handling (modelled on Autobahn 7)', cases);
