// A decompression bomb: one message of about 1 MiB on the wire that inflates to 1 GiB of zeros, sent to
// our server with maxPayload 16 MiB. The server must refuse it with 1009 (RFC 6455 section 7.4.1) while
// it inflates, not after, so its resident memory grows by less than twice maxPayload. The server runs in
// a child process (test/deflate/bomb-server.js, on the built package) so that its memory can be read from
// /proc without this process's allocations. Both memory modes.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../cli/cli-process.ts';
import { until } from '../support/waits.ts';
import type { Memory } from './harness.ts';
import { compressMessage, jsonLikeText, SYNC_FLUSH_TRAILER } from './messages.ts';
import { OPCODE, RSV1, rawClient } from './wire.ts';

const SERVER_SCRIPT = fileURLToPath(new URL('./bomb-server.js', import.meta.url));
const MAX_PAYLOAD = 16 * 1024 * 1024;
const MIB = 1024 * 1024;
/** Inflated size of the bomb: 1 GiB. */
const BOMB_INFLATED = 1024 * MIB;

/**
 * The bomb, built without holding 1 GiB anywhere: zlib compresses 1 MiB of zeros from a fresh state and
 * ends with a full flush, which makes the output self-contained (no reference before its start) and
 * byte-aligned; 1024 copies of it in a row are one valid DEFLATE stream of 1 GiB of zeros. The last
 * copy's 00 00 FF FF goes, as RFC 7692 section 7.2.1 says.
 */
function buildBomb(): { payload: Buffer; segment: Buffer } {
  const segment = deflateRawSync(Buffer.alloc(MIB), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const copies = BOMB_INFLATED / MIB;
  const payload = Buffer.alloc(segment.length * copies - SYNC_FLUSH_TRAILER.length);
  for (let i = 0; i < copies; i++) segment.copy(payload, i * segment.length);
  return { payload, segment };
}

/** VmRSS and VmHWM (peak resident set) of a process, in bytes. */
function residentMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

interface ServerLine {
  port?: number;
  closed?: number;
  failedWith?: number | null;
  messages?: number;
  bytes?: number;
}

class ServerProcess {
  readonly child: ChildProcess;
  readonly lines: ServerLine[] = [];
  private stdout = '';
  private stderr = '';

  constructor(memory: Memory) {
    this.child = spawn(process.execPath, [SERVER_SCRIPT, memory, String(MAX_PAYLOAD)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      const complete = this.stdout.split('\n');
      this.stdout = complete.pop() ?? '';
      for (const line of complete) this.lines.push(JSON.parse(line) as ServerLine);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
  }

  async waitFor(what: string, accept: (line: ServerLine) => boolean): Promise<ServerLine> {
    await until(() => this.lines.some(accept) || this.child.exitCode !== null, what, { everyMs: 10 });
    const found = this.lines.find(accept);
    if (found === undefined) throw new Error(`the server exited before ${what}: ${this.stderr}`);
    return found;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

let bomb: { payload: Buffer; segment: Buffer };
const servers: ServerProcess[] = [];

beforeAll(() => {
  assertBuilt();
  bomb = buildBomb();
});
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
});

describe('the decompression bomb', () => {
  it('is about 1 MiB on the wire and inflates to 1 GiB of zeros (checked on 4 of its 1024 segments)', () => {
    expect(bomb.payload.length).toBeGreaterThan(0.9 * MIB);
    expect(bomb.payload.length).toBeLessThan(1.2 * MIB);
    const four = Buffer.concat([bomb.segment, bomb.segment, bomb.segment, bomb.segment]);
    const inflated = inflateRawSync(four, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(inflated.length).toBe(4 * MIB);
    expect(inflated.every((byte) => byte === 0)).toBe(true);
  });
});

describe.each<Memory>(['dedicated', 'shared'])('our server in %s memory, maxPayload 16 MiB', (memory) => {
  it('closes with 1009 while inflating, and its resident memory grows by less than 2 x maxPayload', async () => {
    const server = new ServerProcess(memory);
    servers.push(server);
    const { port } = await server.waitFor('the server to listen', (line) => line.port !== undefined);
    const pid = server.child.pid as number;

    // Warm up: one ordinary compressed message, so that zlib and the code paths are loaded before measuring.
    const end = await rawClient(port as number, 'permessage-deflate; client_max_window_bits');
    expect(end.headers.get('sec-websocket-extensions')).toMatch(/^permessage-deflate/);
    const text = Buffer.from(jsonLikeText(64 * 1024, 5));
    end.sendFrame({ opcode: OPCODE.TEXT, rsv: RSV1, payload: compressMessage(text) });
    await end.dataFrames(1);

    // Reset the peak counter (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const before = residentMemory(pid);
    end.sendFrame({ opcode: OPCODE.BINARY, rsv: RSV1, payload: bomb.payload });
    expect(await end.closeCode()).toBe(1009);
    const closed = await server.waitFor('the server to report the close', (line) => line.closed !== undefined);
    const after = residentMemory(pid);
    end.destroy();

    expect(closed.failedWith).toBe(1009);
    expect(closed.closed).toBe(1006); // the server failed the connection: no close frame read after it
    // Only the warm-up message was delivered: nothing of the bomb reached the application.
    expect(closed.messages).toBe(1);
    const growth = after.peak - before.rss;
    process.stderr.write(
      `bomb (${memory}): RSS before ${(before.rss / MIB).toFixed(1)} MiB, peak ${(after.peak / MIB).toFixed(1)} MiB, growth ${(growth / MIB).toFixed(1)} MiB (limit ${(2 * MAX_PAYLOAD) / MIB} MiB)\n`,
    );
    expect(growth).toBeLessThan(2 * MAX_PAYLOAD);
  });
});
