// What every attack test checks after its attack: the server still serves a normal client (the ws
// package, a peer nobody here wrote: a text and a binary message echoed exactly), and its memory grew
// by less than MEMORY_GROWTH_LIMIT over the baseline taken after a warm-up echo.

import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { until, WAIT_MS } from '../../support/waits.ts';
import type { Memory, ServerProcess } from './server-process.ts';

/** The bound on what an attack may leave the server holding (resident memory, and ArrayBuffer bytes). */
export const MEMORY_GROWTH_LIMIT = 64 * 1024 * 1024;

const MIB = 1024 * 1024;

/** Connects a ws client, has one text and one 64 KiB binary message echoed, and closes cleanly. */
export async function expectEchoes(port: number, clientOptions: WebSocket.ClientOptions = {}): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, clientOptions);
  const received: Array<{ data: Buffer; isBinary: boolean }> = [];
  const text = `still here ${Date.now()}`;
  const binary = randomBytes(64 * 1024);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the echo check timed out after ${WAIT_MS} ms`)), WAIT_MS);
      ws.on('open', () => {
        ws.send(text);
        ws.send(binary);
      });
      ws.on('message', (data: Buffer, isBinary) => {
        received.push({ data, isBinary });
        if (received.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`closed with ${code} before the echoes came back`));
      });
    });
  } finally {
    ws.removeAllListeners('close');
  }
  expect(received[0]).toEqual({ data: Buffer.from(text), isBinary: false });
  expect(received[1].isBinary).toBe(true);
  expect(Buffer.compare(received[1].data, binary)).toBe(0);
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  ws.close(1000);
  expect(await closed).toBe(1000);
}

/** A warm-up echo, then the memory every later check is compared with. */
export async function baselineOf(server: ServerProcess): Promise<Memory> {
  await expectEchoes(server.port);
  return settled(server, 'the warm-up echo');
}

/** Waits (bounded) until the server holds no connection, so that what is measured is what stays. */
async function settled(server: ServerProcess, after: string): Promise<Memory> {
  let memory: Memory | null = null;
  await until(
    async () => {
      memory = await server.memory();
      return memory.connections === 0;
    },
    `the server to hold no connection after ${after}`,
    // Each look makes the server collect its garbage twice: not too often.
    { everyMs: 50, describe: () => `${memory?.connections} still open` },
  );
  return memory as unknown as Memory;
}

/** The checks after an attack; returns the growth, for the test's log. */
export async function expectHealthy(server: ServerProcess, baseline: Memory, attack: string): Promise<string> {
  await expectEchoes(server.port);
  const now = await settled(server, attack);
  expect(now.connections, `${attack}: connections still open on the server`).toBe(0);
  const rssGrowth = now.rss - baseline.rss;
  const bufferGrowth = now.arrayBuffers - baseline.arrayBuffers;
  const heapGrowth = now.heapUsed - baseline.heapUsed;
  const line = `[attack] ${attack}: still echoes; RSS ${(now.rss / MIB).toFixed(1)} MiB (${signed(rssGrowth)} MiB), ArrayBuffers ${signed(bufferGrowth)} MiB, heap used ${signed(heapGrowth)} MiB`;
  console.log(line);
  expect(rssGrowth, `${attack}: resident memory growth`).toBeLessThan(MEMORY_GROWTH_LIMIT);
  expect(bufferGrowth, `${attack}: ArrayBuffer growth`).toBeLessThan(MEMORY_GROWTH_LIMIT);
  return line;
}

function signed(bytes: number): string {
  const mib = bytes / MIB;
  return `${mib >= 0 ? '+' : ''}${mib.toFixed(1)}`;
}
