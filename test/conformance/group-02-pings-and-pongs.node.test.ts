// Modelled on Autobahn group 2, pings and pongs (section 5.5.2, 5.5.3): a ping is answered by a pong with the same
// payload, a control payload over 125 bytes fails the connection (1002), and an unsolicited pong needs no
// answer.

import {
  type CaseRun,
  type ConformanceCase,
  closeNormally,
  conformanceGroup,
  expectFailure,
  expectPong,
  patternBytes,
  pingFrame,
  pongFrame,
  utf8,
} from './harness.ts';

const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

function pingCase(id: string, title: string, payload: Buffer, chunkings?: ConformanceCase['chunkings']) {
  return {
    id,
    title,
    chunkings,
    async run(t: CaseRun) {
      await t.peer.send([pingFrame(payload)]);
      await expectPong(t.peer, payload);
      await closeNormally(t);
    },
  } satisfies ConformanceCase;
}

const TEN_PINGS = Array.from({ length: 10 }, (_, index) => utf8(`payload-${index}`));

const cases: ConformanceCase[] = [
  pingCase('2.1', 'ping without payload gets a pong without payload', Buffer.alloc(0)),
  pingCase('2.2', 'ping with a small text payload gets it back in a pong', utf8('Hello, world!')),
  pingCase('2.3', 'ping with a small binary payload gets it back in a pong', SMALL_BINARY),
  pingCase('2.4', 'ping with a 125-byte payload (the most allowed) gets it back', patternBytes(125, 24)),
  {
    id: '2.5',
    title: 'ping with a 126-byte payload fails the connection with 1002',
    async run(t) {
      await t.peer.send([pingFrame(patternBytes(126, 25))]);
      await expectFailure(t, 1002);
    },
  },
  pingCase('2.6', 'ping with a 125-byte payload sent one byte per write gets it back', patternBytes(125, 26), [
    'bytes',
  ]),
  {
    id: '2.7',
    title: 'unsolicited pong without payload: no answer',
    async run(t) {
      await t.peer.send([pongFrame()]);
      await closeNormally(t);
    },
  },
  {
    id: '2.8',
    title: 'unsolicited pong with payload: no answer',
    async run(t) {
      await t.peer.send([pongFrame('unsolicited pong payload')]);
      await closeNormally(t);
    },
  },
  {
    id: '2.9',
    title: 'unsolicited pong, then a ping: only the ping is answered',
    async run(t) {
      await t.peer.send([pongFrame('unsolicited pong payload'), pingFrame('ping payload')]);
      await expectPong(t.peer, 'ping payload');
      await closeNormally(t);
    },
  },
  {
    id: '2.10',
    title: '10 pings in one go get 10 pongs, in order',
    async run(t) {
      await t.peer.send(TEN_PINGS.map((payload) => pingFrame(payload)));
      for (const payload of TEN_PINGS) await expectPong(t.peer, payload);
      await closeNormally(t);
    },
  },
  {
    id: '2.11',
    title: '10 pings, one write each, get 10 pongs, in order',
    chunkings: ['frames'],
    async run(t) {
      await t.peer.send(TEN_PINGS.map((payload) => pingFrame(payload)));
      for (const payload of TEN_PINGS) await expectPong(t.peer, payload);
      await closeNormally(t);
    },
  },
  // Ours: control payloads are bytes, never text; the 125-byte limit holds for pongs too.
  pingCase('2.x.1', 'ping whose payload is not UTF-8 gets it back unchanged', Buffer.from([0xff, 0xfe, 0xc0, 0xaf])),
  {
    id: '2.x.2',
    title: 'pong with a 126-byte payload fails the connection with 1002',
    async run(t) {
      await t.peer.send([pongFrame(patternBytes(126, 27))]);
      await expectFailure(t, 1002);
    },
  },
];

conformanceGroup('pings and pongs (modelled on Autobahn 2)', cases);
