// A client that floods 125-byte pings and never reads, against `wasmsocket serve --deflate` (the built
// command line, in a process of its own whose resident memory is measured from /proc). The server keeps
// reading, and while its pongs cannot leave it answers only the latest ping (RFC 6455 section 5.5.3):
// what it writes by itself stays at one pong however many pings come, and its resident memory grows by
// at most 16 MiB. (Issue 17: it used to queue a pong per ping up to 4 MiB, then stop reading, growing
// by 19.5-24 MiB; stopping reading is also what deadlocked two of our endpoints with much to write.)
// It runs in vitest.config.ts's 'measured' project, alone after every other test file: beside a hundred
// of them, the garbage collector's timing moved the figure by more than the bound's margin (+20 MiB once).

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type CliProcess, startCli, stopAll } from '../cli/cli-process.ts';
import { expectEchoes } from './support/health.ts';
import { Op, RawClient } from './support/raw-client.ts';

const MIB = 1024 * 1024;
/** The bound on the server's resident memory growth during the flood (issue 17). */
const RSS_GROWTH_LIMIT = 16 * MIB;
const PINGS = 1_000_000;
const PINGS_PER_BATCH = 5_000;
/** Only catches a server that stopped reading: the whole flood takes about a second when it reads. */
const STALL_MS = 20_000;

beforeAll(assertBuilt);
afterAll(stopAll);

interface ProcessMemory {
  /** Resident memory now, and its high-water mark since the process started (bytes). */
  rss: number;
  peak: number;
}

function memoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number((new RegExp(`${name}:\\s+(\\d+) kB`).exec(status) as RegExpExecArray)[1]) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** A masked ping whose 125-byte payload names its number (so the last pong shows which ping it answers). */
function pingPayload(index: number): Buffer {
  return Buffer.from(`ping ${String(index).padStart(9, '0')} `.padEnd(125, '.'));
}

/** `count` pings from `first` on, masked with one key, in one buffer. */
function pingBatch(first: number, count: number): Buffer {
  const key = [0x5a, 0x13, 0xc4, 0x7e];
  const frameBytes = 2 + 4 + 125;
  const out = Buffer.alloc(count * frameBytes);
  for (let i = 0; i < count; i++) {
    const at = i * frameBytes;
    out[at] = 0x80 | Op.PING;
    out[at + 1] = 0x80 | 125;
    for (let k = 0; k < 4; k++) out[at + 2 + k] = key[k];
    const payload = pingPayload(first + i);
    for (let j = 0; j < 125; j++) out[at + 6 + j] = payload[j] ^ key[j & 3];
  }
  return out;
}

/** Waits for 'drain', or reports a stall when none comes within STALL_MS. */
function drained(client: RawClient): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), STALL_MS);
    client.socket.once('drain', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function startServe(): Promise<{ cli: CliProcess; port: number }> {
  const cli = startCli(['serve', '--port', '0', '--deflate', '--quiet']);
  const [, port] = await cli.waitForLine(/^listening on ws:\/\/127\.0\.0\.1:(\d+)$/);
  return { cli, port: Number(port) };
}

describe('a ping flood from a client that never reads, against serve --deflate', () => {
  it(`${PINGS} pings of 125 bytes: all read, the latest answered, resident memory +${RSS_GROWTH_LIMIT / MIB} MiB at most`, async () => {
    const { cli, port } = await startServe();
    const pid = cli.child.pid as number;
    // Warm up (a compressed echo, as a normal client does), then take the baseline.
    await expectEchoes(port, { perMessageDeflate: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const baseline = memoryOf(pid);

    const client = await RawClient.upgrade(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
    expect(client.responseHeader('sec-websocket-extensions')).toContain('permessage-deflate');
    client.socket.pause(); // never read: every pong stays with the server (or in the kernel's buffers)
    let sampledPeak = baseline.rss;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, memoryOf(pid).rss);
    }, 20);
    const started = performance.now();
    let sent = 0;
    let stalled = false;
    try {
      while (sent < PINGS && !client.closed) {
        const count = Math.min(PINGS_PER_BATCH, PINGS - sent);
        const flowing = client.write(pingBatch(sent, count));
        sent += count;
        if (!flowing && !(await drained(client))) {
          stalled = true;
          break;
        }
      }
      // The last batch has left our socket: wait until it left the kernel too (read by the server).
      if (!stalled && client.socket.writableLength > 0) stalled = !(await drained(client));
    } finally {
      clearInterval(sampler);
    }
    const flood = performance.now() - started;
    const during = memoryOf(pid);
    sampledPeak = Math.max(sampledPeak, during.rss);
    // The process's own high-water mark catches a peak between samples, when it passed the startup peak.
    const peak = during.peak > baseline.peak ? during.peak : sampledPeak;
    const growth = peak - baseline.rss;
    console.log(
      `[attack] ping flood (non-reader) on serve --deflate: ${sent} of ${PINGS} pings sent in ${flood.toFixed(0)} ms` +
        `${stalled ? ' (server stopped reading)' : ''}; RSS +${(growth / MIB).toFixed(1)} MiB at peak ` +
        `(baseline ${(baseline.rss / MIB).toFixed(1)} MiB)`,
    );
    expect(stalled, 'the server stopped reading the pings').toBe(false);
    expect(sent).toBe(PINGS);
    expect(growth).toBeLessThanOrEqual(RSS_GROWTH_LIMIT);

    // Reading again, the client gets the pongs that had left, then the one for the latest ping.
    client.socket.resume();
    const last = pingPayload(PINGS - 1);
    await client.until(
      () => client.frames.some((f) => f.opcode === Op.PONG && f.payload.equals(last)),
      'the pong for the last ping',
      STALL_MS,
    );
    const pongs = client.frames.filter((f) => f.opcode === Op.PONG);
    console.log(`[attack] ping flood: ${pongs.length} pongs for ${PINGS} pings, the last one for the latest ping`);
    // Every pong answers a ping, later pongs later pings, and the last ping is answered last.
    const answered = pongs.map((f) => Number(/^ping (\d+)/.exec(f.payload.toString())?.[1]));
    expect(answered.every((n, i) => Number.isInteger(n) && (i === 0 || n > answered[i - 1]))).toBe(true);
    expect(pongs.at(-1)?.payload.equals(last)).toBe(true);
    expect(client.frames.every((f) => f.opcode === Op.PONG)).toBe(true);
    client.destroy();
    await expectEchoes(port, { perMessageDeflate: true });
  }, 120_000);
});
