// Modelled on Autobahn group 5, fragmentation (section 5.4): control frames may not be fragmented, may come between
// the fragments of a message and are answered at once; a continuation frame with no message to continue,
// or a new message before the last one ended, fails the connection with 1002.
// Autobahn's "frame-wise chops" are the 'frames' chunking here and its "octet-wise chops" 'bytes'.

import {
  type CaseRun,
  type ConformanceCase,
  closeNormally,
  conformanceGroup,
  continuation,
  expectFailure,
  expectMessage,
  expectPong,
  Op,
  pingFrame,
  textFrame,
} from './harness.ts';

const ONE_FRAME_WAYS = ['whole', 'frames', 'bytes'] as const;

const cases: ConformanceCase[] = [
  {
    id: '5.1',
    title: 'ping in 2 fragments fails the connection with 1002',
    async run(t) {
      await t.peer.send([{ opcode: Op.PING, payload: 'fragment1', fin: false }, continuation('fragment2')]);
      await expectFailure(t, 1002);
    },
  },
  {
    id: '5.2',
    title: 'pong in 2 fragments fails the connection with 1002',
    async run(t) {
      await t.peer.send([{ opcode: Op.PONG, payload: 'fragment1', fin: false }, continuation('fragment2')]);
      await expectFailure(t, 1002);
    },
  },
  ...(['5.3', '5.4', '5.5'] as const).map(
    (id, index): ConformanceCase => ({
      id,
      title: 'text in 2 fragments is echoed whole',
      chunkings: index === 0 ? ['whole', 'random'] : [ONE_FRAME_WAYS[index]],
      async run(t: CaseRun) {
        await t.peer.send([textFrame('fragment1', false), continuation('fragment2')]);
        await expectMessage(t.peer, Op.TEXT, 'fragment1fragment2');
        await closeNormally(t);
      },
    }),
  ),
  ...(['5.6', '5.7', '5.8'] as const).map(
    (id, index): ConformanceCase => ({
      id,
      title: 'text in 2 fragments with a ping between: the pong comes first, then the message',
      chunkings: index === 0 ? ['whole', 'random'] : [ONE_FRAME_WAYS[index]],
      async run(t: CaseRun) {
        await t.peer.send([textFrame('fragment1', false), pingFrame('ping payload'), continuation('fragment2')]);
        await expectPong(t.peer, 'ping payload');
        await expectMessage(t.peer, Op.TEXT, 'fragment1fragment2');
        await closeNormally(t);
      },
    }),
  ),
  ...(['5.9', '5.10', '5.11'] as const).map(
    (id, index): ConformanceCase => ({
      id,
      title: 'continuation (FIN set) with nothing to continue, then a text: 1002 and no echo',
      chunkings: index === 0 ? ['whole', 'random'] : [ONE_FRAME_WAYS[index]],
      async run(t: CaseRun) {
        await t.peer.send([continuation('non-continuation payload'), textFrame('Hello, world!')]);
        await expectFailure(t, 1002);
      },
    }),
  ),
  ...(['5.12', '5.13', '5.14'] as const).map(
    (id, index): ConformanceCase => ({
      id,
      title: 'continuation (FIN clear) with nothing to continue, then a text: 1002 and no echo',
      chunkings: index === 0 ? ['whole', 'random'] : [ONE_FRAME_WAYS[index]],
      async run(t: CaseRun) {
        await t.peer.send([continuation('non-continuation payload', false), textFrame('Hello, world!')]);
        await expectFailure(t, 1002);
      },
    }),
  ),
  {
    id: '5.15',
    title: 'text in 2 fragments, then a continuation with nothing to continue: echo, then 1002',
    async run(t) {
      await t.peer.send([
        textFrame('fragment1', false),
        continuation('fragment2'),
        continuation('fragment3', false),
        textFrame('fragment4'),
      ]);
      await expectMessage(t.peer, Op.TEXT, 'fragment1fragment2');
      await expectFailure(t, 1002);
    },
  },
  ...(
    [
      ['5.16', false],
      ['5.17', true],
    ] as const
  ).map(
    ([id, fin]): ConformanceCase => ({
      id,
      title: `twice: continuation (FIN ${fin ? 'set' : 'clear'}) with nothing to continue, then text in 2 fragments: 1002 at once`,
      async run(t: CaseRun) {
        const round = [continuation('fragment1', fin), textFrame('fragment2', false), continuation('fragment3')];
        await t.peer.send([...round, ...round]);
        await expectFailure(t, 1002);
      },
    }),
  ),
  {
    id: '5.18',
    title: 'text in 2 fragments, both with the text opcode: 1002',
    async run(t) {
      await t.peer.send([textFrame('fragment1', false), textFrame('fragment2')]);
      await expectFailure(t, 1002);
    },
  },
  ...(
    [
      ['5.19', 'whole'],
      ['5.20', 'frames'],
    ] as const
  ).map(
    ([id, chunking]): ConformanceCase => ({
      id,
      title: 'text in 5 fragments with 2 pings between, sent in 3 bursts: each pong comes before the next burst',
      chunkings: [chunking, 'bytes', 'random'],
      async run(t: CaseRun) {
        // Autobahn waits 1 s between the bursts; waiting for each pong shows the same thing without the clock.
        await t.peer.send([textFrame('fragment1', false), continuation('fragment2', false), pingFrame('pongme 1!')]);
        await expectPong(t.peer, 'pongme 1!');
        await t.peer.send([continuation('fragment3', false), pingFrame('pongme 2!'), continuation('fragment4', false)]);
        await expectPong(t.peer, 'pongme 2!');
        await t.peer.send([continuation('fragment5')]);
        await expectMessage(t.peer, Op.TEXT, 'fragment1fragment2fragment3fragment4fragment5');
        await closeNormally(t);
      },
    }),
  ),
];

conformanceGroup('fragmentation (modelled on Autobahn 5)', cases);
