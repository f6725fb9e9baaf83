// `wasmsocket autobahn-client` against a stand-in fuzzingserver written here with the ws package. It speaks
// the three URLs the real one serves (getCaseCount, runCase, updateReports); each case sends messages of
// its own and checks that the client echoes them back with their types.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { within } from '../support/waits.ts';
import { assertBuilt, runCli, stopAll } from './cli-process.ts';

interface Message {
  data: Buffer;
  isBinary: boolean;
}

/** What each case of the stand-in sends; the echoes must match, type included. */
const CASES: Record<number, Message[]> = {
  1: [
    { data: Buffer.from('case one'), isBinary: false },
    { data: Buffer.from([0, 1, 2, 253, 254, 255]), isBinary: true },
  ],
  2: [
    { data: Buffer.from('ünïcödé ✓ 𝄞'), isBinary: false },
    { data: randomBytes(1000), isBinary: true },
    { data: Buffer.alloc(0), isBinary: false },
  ],
  3: [
    { data: Buffer.alloc(0), isBinary: true },
    // Over 65535 bytes: the 64-bit length form (RFC 6455 section 5.2), masked by the client.
    { data: Buffer.from('x'.repeat(70_000)), isBinary: false },
  ],
};
const CASE_COUNT = Object.keys(CASES).length;

/** A case that sends nothing and never closes, for the timeout test (the count it reports includes it). */
const STUCK_CASE = CASE_COUNT + 1;

interface Request {
  path: string;
  case: number | null;
  agent: string | null;
}

interface CaseOutcome {
  echoes: Message[];
  matched: boolean;
}

class FakeFuzzingServer {
  readonly requests: Request[] = [];
  readonly outcomes = new Map<number, CaseOutcome>();
  /** What getCaseCount answers. */
  caseCount = String(CASE_COUNT);
  private server: WebSocketServer | undefined;

  async start(): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    await within(once(server, 'listening'), 'the fake fuzzingserver');
    server.on('connection', (ws, request) => {
      const url = new URL(request.url ?? '/', 'ws://fuzzingserver');
      const caseParam = url.searchParams.get('case');
      this.requests.push({
        path: url.pathname,
        case: caseParam === null ? null : Number(caseParam),
        agent: url.searchParams.get('agent'),
      });
      if (url.pathname === '/getCaseCount') {
        ws.send(this.caseCount);
        ws.close(1000);
      } else if (url.pathname === '/runCase') {
        const n = Number(caseParam);
        const sent = CASES[n];
        if (sent === undefined) return; // STUCK_CASE: silent, never closes.
        const outcome: CaseOutcome = { echoes: [], matched: false };
        this.outcomes.set(n, outcome);
        ws.on('message', (data: Buffer, isBinary) => {
          outcome.echoes.push({ data, isBinary });
          if (outcome.echoes.length < sent.length) return;
          outcome.matched = outcome.echoes.every(
            (echo, i) => echo.isBinary === sent[i].isBinary && echo.data.equals(sent[i].data),
          );
          ws.close(outcome.matched ? 1000 : 1011);
        });
        for (const message of sent) ws.send(message.data, { binary: message.isBinary });
      } else if (url.pathname === '/updateReports') {
        ws.close(1000);
      } else {
        ws.close(1008, 'unknown path');
      }
    });
    return `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  stop(): void {
    for (const ws of this.server?.clients ?? []) ws.terminate();
    this.server?.close();
  }
}

const fakes: FakeFuzzingServer[] = [];

async function startFake(): Promise<{ fake: FakeFuzzingServer; url: string }> {
  const fake = new FakeFuzzingServer();
  fakes.push(fake);
  return { fake, url: await fake.start() };
}

beforeAll(assertBuilt);
afterAll(async () => {
  await stopAll();
  for (const fake of fakes) fake.stop();
});

describe('wasmsocket autobahn-client', () => {
  it('gets the case count, runs every case echoing messages with their types, then updates the reports', async () => {
    const { fake, url } = await startFake();
    const agent = 'wasmsocket test/1';
    const result = await runCli(['autobahn-client', '--url', url, '--agent', agent]);
    expect(result.code, result.stderr).toBe(0);

    expect(fake.requests).toEqual([
      { path: '/getCaseCount', case: null, agent: null },
      { path: '/runCase', case: 1, agent },
      { path: '/runCase', case: 2, agent },
      { path: '/runCase', case: 3, agent },
      { path: '/updateReports', case: null, agent },
    ]);
    for (const n of [1, 2, 3]) {
      const outcome = fake.outcomes.get(n);
      expect(
        outcome?.echoes.map(({ isBinary }) => isBinary),
        `case ${n} types`,
      ).toEqual(CASES[n].map(({ isBinary }) => isBinary));
      expect(outcome?.matched, `case ${n} bytes`).toBe(true);
    }
    // Progress on stderr, one line per case with the close code the server chose.
    expect(result.stderr).toContain(`3 cases on the server; running 3 as agent '${agent}'`);
    for (const n of [1, 2, 3])
      expect(result.stderr).toMatch(new RegExp(`case ${n} \\(${n}/3\\): closed 1000 in \\d+ ms`));
    expect(result.stderr).toContain(`reports updated for '${agent}'`);
    expect(result.stdout).toBe('');
  });

  it('runs only the cases --cases names', async () => {
    const { fake, url } = await startFake();
    const result = await runCli(['autobahn-client', '--url', `${url}/`, '--agent', 'picky', '--cases', '3,2']);
    expect(result.code, result.stderr).toBe(0);
    expect(fake.requests.map(({ path, case: n }) => `${path}${n === null ? '' : ` ${n}`}`)).toEqual([
      '/getCaseCount',
      '/runCase 3',
      '/runCase 2',
      '/updateReports',
    ]);
    expect(fake.outcomes.get(3)?.matched).toBe(true);
    expect(fake.outcomes.get(2)?.matched).toBe(true);
  });

  it('drops a case that never closes after --case-timeout, runs the rest, updates the reports, exits 1', async () => {
    const { fake, url } = await startFake();
    fake.caseCount = String(STUCK_CASE);
    const result = await runCli([
      'autobahn-client',
      '--url',
      url,
      '--agent',
      'patient',
      '--cases',
      `${STUCK_CASE},1`,
      '--case-timeout',
      '500',
    ]);
    expect(result.code).toBe(1);
    expect(fake.requests.map(({ path, case: n }) => `${path}${n === null ? '' : ` ${n}`}`)).toEqual([
      '/getCaseCount',
      `/runCase ${STUCK_CASE}`,
      '/runCase 1',
      '/updateReports',
    ]);
    expect(fake.outcomes.get(1)?.matched).toBe(true);
    expect(result.stderr).toMatch(new RegExp(`case ${STUCK_CASE} \\(1/2\\): no close within \\d+ ms, dropped`));
    expect(result.stderr).toContain(`1 case(s) did not complete: ${STUCK_CASE}`);
  });

  it('exits 1 without running cases when the case count is not a number or a case does not exist', async () => {
    const { fake, url } = await startFake();
    fake.caseCount = 'many';
    const garbled = await runCli(['autobahn-client', '--url', url]);
    expect(garbled.code).toBe(1);
    expect(garbled.stderr).toContain('getCaseCount failed: closed 1000 in');
    expect(garbled.stderr).toContain("(received 'many')");

    fake.caseCount = '3';
    const beyond = await runCli(['autobahn-client', '--url', url, '--cases', '2,9']);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain('the server has 3 cases; there is no case 9');
    expect(fake.requests.filter(({ path }) => path !== '/getCaseCount')).toEqual([]);
  });

  it('exits 2 on a malformed --url, --cases or --case-timeout', async () => {
    for (const args of [
      ['--url', 'http://127.0.0.1:9001'],
      ['--cases', '1,x'],
      ['--cases', '0'],
      ['--case-timeout', '-5'],
    ]) {
      const result = await runCli(['autobahn-client', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('Usage: wasmsocket autobahn-client');
    }
  });
});
