// One 256 MiB message, sent by the Node WebSocket's sendStream from an async iterable and received by
// wasmsocket/web's WebSocketStream with streamMessages in a child process, end to end over loopback:
// the bytes are checked by a running SHA-256 on both ends, and the receiver's resident memory (VmRSS,
// sampled every MiB) must grow by less than 32 MiB while it arrives. A 32 MiB message goes first to
// warm the receiver up: V8 keeps up to ~32 MiB of dead socket buffers between collections, a plateau
// reached early whatever the message size, so the warm-up's growth is only bounded loosely and printed.
// The child runs the built package: needs `npm run build` first.

import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index.ts';
import { gatherOutput } from '../support/child-output.ts';
import { nextEvent, within } from '../support/waits.ts';

const WARM_UP_BYTES = 32 * 1024 * 1024;
const MESSAGE_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const RSS_GROWTH_LIMIT_KIB = 32 * 1024;
/** The warm-up plateau measured here is ~38 MiB from the open connection; this only catches a leak. */
const WARM_UP_GROWTH_LIMIT_KIB = 64 * 1024;
/** Bounds only a hang: the transfer takes a few seconds here. */
const TRANSFER_TIMEOUT_MS = 60_000;

const receiverScript = fileURLToPath(new URL('./fixtures/stream-receiver.js', import.meta.url));
const builtEntry = fileURLToPath(new URL('../../dist/src/node/web-connector.js', import.meta.url));

const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const listening = nextEvent(server, 'listening');
afterAll(() => new Promise<void>((done) => server.close(() => done())));

interface MessageReport {
  bytes: number;
  chunks: number;
  sha256: string;
  isBinary: boolean;
  rssBeforeKiB: number;
  rssPeakKiB: number;
}

/** `total` random bytes in CHUNK_BYTES pieces, hashed as they are produced. */
async function* randomChunks(total: number, hash: ReturnType<typeof createHash>) {
  for (let at = 0; at < total; at += CHUNK_BYTES) {
    const chunk = randomFillSync(Buffer.allocUnsafe(CHUNK_BYTES));
    hash.update(chunk);
    yield chunk;
  }
}

it(
  'streams a 256 MiB message from an async iterable to a stream reader in another process, in bounded memory',
  async () => {
    if (!existsSync(builtEntry)) throw new Error('the package is not built: run `npm run build` first');
    await listening;
    const { port } = server.address() as { port: number };
    const warmUpHash = createHash('sha256');
    const sentHash = createHash('sha256');
    let serverClose: Promise<[number, Buffer]> | null = null;
    const sent = new Promise<void>((resolve, reject) => {
      server.once('connection', (ws) => {
        serverClose = nextEvent<[number, Buffer]>(ws, 'close');
        // The second sendStream waits for the first: messages never interleave.
        ws.sendStream(randomChunks(WARM_UP_BYTES, warmUpHash), { binary: true }).catch(reject);
        ws.sendStream(randomChunks(MESSAGE_BYTES, sentHash), { binary: true }).then(resolve, reject);
      });
    });
    const child = spawn(process.execPath, [receiverScript, `ws://127.0.0.1:${port}/`, '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = gatherOutput(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await within(sent, 'sendStream to finish', TRANSFER_TIMEOUT_MS);
      const code = await within(exited, 'the receiver to exit', TRANSFER_TIMEOUT_MS);
      expect(code, `receiver failed: ${output.stderr}`).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const [warmUp, message, end] = output.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)) as [MessageReport, MessageReport, { openRssKiB: number; closeCode: number }];
    const growthKiB = message.rssPeakKiB - message.rssBeforeKiB;
    const warmUpGrowthKiB = warmUp.rssPeakKiB - end.openRssKiB;
    console.info(
      `receiver VmRSS: ${end.openRssKiB} KiB once open; +${warmUpGrowthKiB} KiB over the 32 MiB warm-up; ` +
        `+${growthKiB} KiB (peak ${message.rssPeakKiB}) over the 256 MiB message, in ${message.chunks} chunks`,
    );
    expect(warmUp.bytes).toBe(WARM_UP_BYTES);
    expect(warmUp.sha256).toBe(warmUpHash.digest('hex'));
    expect(message.bytes).toBe(MESSAGE_BYTES);
    expect(message.isBinary).toBe(true);
    expect(message.sha256).toBe(sentHash.digest('hex'));
    // Delivered in parts as it arrived, not whole.
    expect(message.chunks).toBeGreaterThan(MESSAGE_BYTES / CHUNK_BYTES);
    expect(growthKiB).toBeLessThan(RSS_GROWTH_LIMIT_KIB);
    expect(warmUpGrowthKiB).toBeLessThan(WARM_UP_GROWTH_LIMIT_KIB);
    expect(end.closeCode).toBe(1000);
    const [closeCode] = await within(serverClose as unknown as Promise<[number, Buffer]>, "the server's close");
    expect(closeCode).toBe(1000);
  },
  TRANSFER_TIMEOUT_MS * 2,
);
