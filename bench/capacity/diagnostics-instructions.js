// What an idle subscriber on every diagnostics channel costs per 32 B message, in instructions counted by
// valgrind's callgrind: a count that other processes on a shared machine do not change, where CPU time
// and rates do. One process runs a server-side WebSocket over an in-memory transport (see workload()) that
// echoes M masked 32 B text messages, 100 at a time, as `wasmsocket serve` does, and checks the echoed
// bytes' count: the server's work per message and nothing else. Both variants load the same modules; the subscribed one also calls subscribeIdle() (a
// no-op subscriber on every channel) before it starts. Each runs at two message counts, in alternating
// order; the difference between the two counts divided by the difference in messages is its cost per
// message, start-up and the connection's open and close cancelled out.
//
//   npm run build && node bench/capacity/diagnostics-instructions.js
//
// BENCH_CALLGRIND_MESSAGES ("2000,22000") and BENCH_CALLGRIND_REPEATS (1) set the runs (with the
// defaults, 4 runs of 30-70 s each under valgrind on a loaded 2-core machine). Needs valgrind on PATH.

import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { subscribeIdle } from './diagnostics-channels.js';
import { clientFrame } from './frames.js';

const SIZE = 32;
const IN_FLIGHT = 100;
const OPCODE_TEXT = 0x1;
/** A server's text frame of 32 B: 2 bytes of header, then the payload. */
const ECHO_BYTES = 2 + SIZE;
const SELF = new URL(import.meta.url).pathname;

const { values } = parseArgs({ options: { workload: { type: 'string' }, subscribe: { type: 'boolean' } } });

if (values.workload !== undefined) {
  if (values.subscribe) subscribeIdle();
  await workload(Number(values.workload));
} else {
  drive();
}

/**
 * The measured process: a server-side WebSocket (ws's setSocket) over an in-memory Duplex, M masked 32 B
 * text messages pushed into it 100 at a time and echoed by the same handler `wasmsocket serve` uses; the
 * echoes are counted as they are written. No socket and no timer: every step runs in the same order each
 * time, so that the count of instructions repeats (a real socket's reads split differently run to run).
 */
async function workload(messages) {
  const { Duplex } = await import('node:stream');
  const { WebSocket } = await import('wasmsocket');
  let written = 0;
  const transport = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      written += chunk.length;
      callback();
    },
    writev(chunks, callback) {
      for (const { chunk } of chunks) written += chunk.length;
      callback();
    },
  });
  const ws = new WebSocket(null);
  ws.setSocket(transport, Buffer.alloc(0), {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  const frame = clientFrame(OPCODE_TEXT, Buffer.alloc(SIZE, 'x'));
  const batch = Buffer.concat(Array.from({ length: IN_FLIGHT }, () => frame));
  for (let sent = 0; sent < messages; sent += IN_FLIGHT) {
    // A fresh buffer for each read, as a socket's are: the reader unmasks frames in the buffer it is given
    // and hands out views of it (as ws's does), so one buffer pushed twice would be unmasked twice.
    transport.push(Buffer.from(batch));
    // Writes finish on the next tick: let them, as a socket's would between reads.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (written !== messages * ECHO_BYTES)
    throw new Error(`bench: ${written} bytes echoed, not ${messages * ECHO_BYTES}`);
  ws.terminate();
}

/** Runs every (variant, count) under callgrind, alternating, and prints the instructions per message. */
function drive() {
  const counts = (process.env.BENCH_CALLGRIND_MESSAGES ?? '2000,22000').split(',').map(Number);
  const repeats = Number(process.env.BENCH_CALLGRIND_REPEATS ?? 1);
  if (counts.length !== 2 || !counts.every((n) => Number.isInteger(n) && n > 0 && n % IN_FLIGHT === 0)) {
    throw new RangeError(`bench: BENCH_CALLGRIND_MESSAGES must be two multiples of ${IN_FLIGHT}`);
  }
  const variants = [
    { id: 'serve', args: [] },
    { id: 'subscribed', args: ['--subscribe'] },
  ];
  const runs = { serve: { [counts[0]]: [], [counts[1]]: [] }, subscribed: { [counts[0]]: [], [counts[1]]: [] } };
  for (let repeat = 0; repeat < repeats; repeat++) {
    // Alternate which variant goes first, so that nothing that drifts over the run favours one.
    const order = repeat % 2 === 0 ? variants : [...variants].reverse();
    for (const count of counts) {
      for (const variant of order) {
        const instructions = callgrind([SELF, '--workload', String(count), ...variant.args]);
        runs[variant.id][count].push(instructions);
        process.stderr.write(`${variant.id} ${count} messages: ${instructions.toLocaleString('en')} instructions\n`);
      }
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const perMessage = (id) => (median(runs[id][counts[1]]) - median(runs[id][counts[0]])) / (counts[1] - counts[0]);
  const plain = perMessage('serve');
  const subscribed = perMessage('subscribed');
  const spread = (id, count) =>
    `${Math.min(...runs[id][count]).toLocaleString('en')}–${Math.max(...runs[id][count]).toLocaleString('en')}`;
  console.log(
    [
      `## Idle diagnostics subscribers: instructions per 32 B message echoed (callgrind, ${repeats} runs per cell)`,
      '',
      `| variant | ${counts[0]} messages (min–max) | ${counts[1]} messages (min–max) | instructions per message |`,
      '|---|---|---|---|',
      `| wasmsocket echo server | ${spread('serve', counts[0])} | ${spread('serve', counts[1])} | ${plain.toFixed(0)} |`,
      `| + idle subscribers | ${spread('subscribed', counts[0])} | ${spread('subscribed', counts[1])} | ${subscribed.toFixed(0)} |`,
      '',
      `subscribed ÷ plain, per message: ${(subscribed / plain).toFixed(4)} (${(((subscribed - plain) / plain) * 100).toFixed(2)} %)`,
      `whole run at ${counts[1]} messages, subscribed − plain: ` +
        `${(median(runs.subscribed[counts[1]]) - median(runs.serve[counts[1]])).toLocaleString('en')} instructions ` +
        `(at ${counts[0]}: ${(median(runs.subscribed[counts[0]]) - median(runs.serve[counts[0]])).toLocaleString('en')})`,
    ].join('\n'),
  );
}

function callgrind(args) {
  const result = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      // One thread and fixed seeds: V8 compiles and collects at the same points in every run.
      '--single-threaded',
      '--random-seed=1',
      '--hash-seed=1',
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const match = /Collected : (\d+)/.exec(result.stderr ?? '');
  if (result.status !== 0 || match === null) {
    throw new Error(`bench: callgrind run failed (${result.status}): ${(result.stderr ?? '').slice(-2000)}`);
  }
  return Number(match[1]);
}
