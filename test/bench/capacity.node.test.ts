// The capacity benchmark's harness, run for a tiny bounded round against `wasmsocket serve` (dist/, as
// `npm run bench` runs it): the load generator verifies echoes and deliveries (counts above zero, no byte
// that differs, nothing lost, and the same count from an independent parse with FrameScanner), and it
// catches a server that changes a byte or a message's type. Nothing here asserts on a rate or a time.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

// The bench is plain JavaScript run by Node; imported by URL so that its modules keep their own types.
const benchModule = (path: string) => import(new URL(`../../bench/${path}`, import.meta.url).href);

const KIB = 1024;
const SESSION_TIMEOUT_MS = 60_000;
const ROUND = { rounds: 1, warmupMs: 50, roundMs: 300, sweep: false, parse: true };
const quietProgress = { begin() {}, step() {}, end() {}, note() {} };

/** A case as bench/capacity/cases.js describes one (echo: connections x inFlight; publish: subscribers, window). */
interface SmokeCase {
  id: string;
  label: string;
  kind: 'echo' | 'publish';
  size: number;
  binary: boolean;
  connections?: number;
  inFlight?: number;
  subscribers?: number;
  window?: number;
}

interface Session {
  caseId: string;
  seriesId: string;
  messages: number;
  totalVerified: number;
  parsed: number | null;
  mismatches: number;
  outstandingAfterDrain: number;
  unexpectedCloses: number;
  publisherBytes: number;
  parseProblems: string[];
  errors: string[];
}

describe('capacity harness', () => {
  it(
    'verifies echoes and publish deliveries from wasmsocket serve in a tiny round',
    async () => {
      const { runCapacity } = await benchModule('capacity/run-capacity.js');
      const cases: SmokeCase[] = [
        { id: 'smoke-text', label: 'smoke text', kind: 'echo', size: 32, binary: false, connections: 2, inFlight: 8 },
        // Larger than a socket read: frames span reads, and the ring wraps inside a read.
        {
          id: 'smoke-large',
          label: 'smoke large',
          kind: 'echo',
          size: 200 * KIB,
          binary: true,
          connections: 2,
          inFlight: 2,
        },
        {
          id: 'smoke-publish',
          label: 'smoke publish',
          kind: 'publish',
          size: 125,
          binary: true,
          subscribers: 10,
          window: 4,
        },
      ];
      const outcome = await runCapacity(quietProgress, ROUND, { cases, seriesIds: ['ours'] });
      expect(outcome.failures).toEqual([]);
      const sessions = outcome.sessions as Session[];
      expect(sessions.map((s) => s.caseId)).toEqual(['smoke-text', 'smoke-large', 'smoke-publish']);
      for (const [i, session] of sessions.entries()) {
        const c = cases[i];
        expect(session.seriesId).toBe('ours');
        expect(session.errors).toEqual([]);
        expect(session.mismatches).toBe(0);
        expect(session.outstandingAfterDrain).toBe(0);
        expect(session.unexpectedCloses).toBe(0);
        expect(session.publisherBytes).toBe(0);
        // Whatever the machine's load, every message first sent comes back checked before the session ends
        // (the drain waits for them): the count is at least that, however few fit in the timed round.
        const firstSent =
          c.kind === 'publish' ? (c.window ?? 0) * (c.subscribers ?? 0) : (c.inFlight ?? 0) * (c.connections ?? 0);
        expect(session.totalVerified).toBeGreaterThanOrEqual(firstSent);
        expect(session.totalVerified).toBeGreaterThanOrEqual(session.messages);
        // FrameScanner, parsing a copy of every read, found exactly the frames the byte comparison counted.
        expect(session.parseProblems).toEqual([]);
        expect(session.parsed).toBe(session.totalVerified);
      }
    },
    SESSION_TIMEOUT_MS * 2,
  );

  describe('against a server that gets replies wrong', () => {
    const servers: WebSocketServer[] = [];
    afterAll(async () => {
      for (const server of servers) {
        for (const client of server.clients) client.terminate();
        server.close();
      }
    });

    /** An echo server (ws) that alters every `every`th message with `alter`. */
    async function alteringServer(every: number, alter: (data: Buffer, isBinary: boolean) => [Buffer, boolean]) {
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      servers.push(server);
      let count = 0;
      server.on('connection', (ws) => {
        // The generator drops a connection at the first wrong byte: a reset is expected here.
        ws.on('error', () => {});
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const [reply, binary] = ++count % every === 0 ? alter(Buffer.from(data), isBinary) : [data, isBinary];
          ws.send(reply, { binary });
        });
      });
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    }

    async function echoSession(port: number, size: number, binary: boolean) {
      const { startNode, stopAll } = await benchModule('echo/processes.js');
      const generator = startNode('capacity generator', new URL('../../bench/capacity/generator.js', import.meta.url));
      try {
        return await generator.request(
          {
            type: 'echo',
            host: '127.0.0.1',
            port,
            connections: 2,
            inFlight: 4,
            size,
            binary,
            warmupMs: 50,
            roundMs: 200,
            // The server runs in this process: its CPU figures are this test's, and nothing checks them.
            serverPid: process.pid,
          },
          SESSION_TIMEOUT_MS,
        );
      } finally {
        await stopAll([generator]);
      }
    }

    it(
      'reports a changed payload byte as a mismatch, in the payload',
      async () => {
        const port = await alteringServer(5, (data, isBinary) => {
          data[data.length - 1] ^= 0x01;
          return [data, isBinary];
        });
        const result = await echoSession(port, 1 * KIB, true);
        expect(result.mismatches).toBeGreaterThan(0);
        // Only the connections that got a wrong byte were dropped, by the generator itself.
        expect(result.unexpectedCloses).toBe(0);
        expect(result.errors.join('\n')).toMatch(/in the payload/);
      },
      SESSION_TIMEOUT_MS,
    );

    it(
      'reports text echoed as binary as a mismatch in the header, with the opcode the server sent',
      async () => {
        const port = await alteringServer(3, (data) => [data, true]);
        const result = await echoSession(port, 32, false);
        expect(result.mismatches).toBeGreaterThan(0);
        // Only the connections that got a wrong byte were dropped, by the generator itself.
        expect(result.unexpectedCloses).toBe(0);
        expect(result.errors.join('\n')).toMatch(/in the header: opcode 2/);
      },
      SESSION_TIMEOUT_MS,
    );
  });
});
