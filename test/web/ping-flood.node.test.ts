// The web transport's client against a server that floods pings and reads nothing: the client keeps
// reading every ping, and while its pongs cannot leave it answers only the latest one when the socket
// drains (RFC 6455 section 5.5.3), so what it writes by itself stays bounded. Without that it queued a
// pong per ping (125 bytes each, 200,000 here) behind a socket that never drains.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/node/web-connector.ts';
import { Op, type RawServer, startRawServer } from '../support/raw-peer.ts';
import { until, within } from '../support/waits.ts';

const PINGS = 200_000;
const PINGS_PER_WRITE = 2_000;

let server: RawServer;

beforeAll(async () => {
  server = await startRawServer();
});

afterAll(async () => {
  await server?.close();
});

/** A 125-byte ping payload that names its number, so the last pong shows which ping it answers. */
function pingPayload(index: number): Buffer {
  return Buffer.from(`ping ${String(index).padStart(9, '0')} `.padEnd(125, '.'));
}

/** `count` unmasked pings (server to client, section 5.1) from `first` on, in one buffer. */
function pingBatch(first: number, count: number): Buffer {
  const frameBytes = 2 + 125;
  const out = Buffer.alloc(count * frameBytes);
  for (let i = 0; i < count; i++) {
    const at = i * frameBytes;
    out[at] = 0x80 | Op.PING;
    out[at + 1] = 125;
    pingPayload(first + i).copy(out, at + 2);
  }
  return out;
}

describe('wasmsocket/web WebSocket under a ping flood from a peer that never reads', () => {
  it(`reads all ${PINGS} pings and answers the latest, not each one`, async () => {
    const client = new WebSocket(server.url);
    const messages: string[] = [];
    client.addEventListener('message', (event) => messages.push(String((event as MessageEvent).data)));
    await within(
      new Promise((resolve) => client.addEventListener('open', resolve, { once: true })),
      'the client to open',
    );
    const [peer] = server.peers;
    peer.socket.pause(); // never read while flooding: our pongs pile up in the client or the kernel

    for (let sent = 0; sent < PINGS; sent += PINGS_PER_WRITE) {
      const flowing = peer.socket.write(pingBatch(sent, PINGS_PER_WRITE));
      if (!flowing) {
        await within(new Promise((resolve) => peer.socket.once('drain', resolve)), 'the client to read the pings');
      }
    }
    // A text message after the last ping: once the client has it, it has read every ping before it.
    peer.socket.write(Buffer.from([0x81, 4, ...Buffer.from('done')]));
    await until(() => messages.includes('done'), "the client's 'done' message");
    client.send('after'); // goes out whatever pong still waits

    peer.socket.resume();
    const lastPing = pingPayload(PINGS - 1).toString();
    const answered = (frame: (typeof peer.frames)[number]) =>
      frame.opcode === Op.PONG && frame.payload.toString() === lastPing;
    const isAfter = (frame: (typeof peer.frames)[number]) =>
      frame.opcode === Op.TEXT && frame.payload.toString() === 'after';
    await until(() => peer.frames.some(answered) && peer.frames.some(isAfter), 'the pong to the last ping', {
      describe: () => `${peer.frames.length} frames received`,
    });
    const pongs = peer.frames.filter((frame) => frame.opcode === Op.PONG);
    console.log(`[web] ping flood: ${PINGS} pings read, ${pongs.length} pongs written`);
    // Pongs sent before the socket backed up are all answered (what the kernel buffers can take, a few
    // MiB); from then on one answers the latest. A pong per ping would be PINGS of them.
    expect(pongs.length).toBeLessThan(PINGS / 2);
    expect(pongs.at(-1)?.payload.toString()).toBe(lastPing);
    expect(peer.violations).toEqual([]);
    client.close();
  });
});
