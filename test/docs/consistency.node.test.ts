// The documents agree with the code and with each other: one figure for the memory of a compressing
// connection, taken from the benchmark's table in docs/compression.md and linked from where it is
// quoted; no draft sections left in; bench/README.md says what `npm start` and `npm run bench` really run
// (bench/suites.js); examples/cluster-redis.js says it needs Redis instead of retrying for ever; and every
// pointer from the code to docs/measurements.md names a section that exists there.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import { REPO_ROOT } from '../packaging/consumer-project.ts';
import { systemProgram } from '../support/system-programs.ts';
import { WAIT_MS, within } from '../support/waits.ts';
import { SnippetProcess, stopSnippetProcesses } from './snippet-process.ts';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

afterEach(stopSnippetProcesses);

describe('the memory of a connection in dedicated compression mode', () => {
  /** docs/compression.md's measured table: resident KiB per idle connection, by server options. */
  function measured(row: string): number {
    const line = read('docs/compression.md')
      .split('\n')
      .find((candidate) => candidate.startsWith(`| ${row} |`));
    if (line === undefined) throw new Error(`docs/compression.md has no table row "${row}"`);
    return Number(/\|\s*([\d.]+) KiB/.exec(line)?.[1]);
  }

  it('is quoted everywhere as the figure the benchmark table gives, and linked to it', () => {
    // Compression's own cost: the connection with default compression, less one without compression.
    const figure = Math.round(measured('defaults (15-bit windows)') - measured('no compression'));
    expect(figure).toBeGreaterThan(100);
    expect(read('docs/compression.md')).toMatch(/^## Measured cost$/m);
    for (const file of ['README.md', 'docs/security.md', 'docs/compression.md']) {
      const quoted = [...read(file).matchAll(/dedicated[^~\n]*~\s*(\d+)\s*KiB/g)].map((match) => Number(match[1]));
      expect(quoted.length, `${file} quotes the dedicated figure`).toBeGreaterThan(0);
      expect(quoted, file).toEqual(quoted.map(() => figure));
    }
    expect(read('README.md')).toContain('(docs/compression.md#measured-cost)');
    expect(read('docs/security.md')).toContain('(compression.md#measured-cost)');
    // The figures that once disagreed with it.
    for (const file of ['README.md', 'docs/security.md']) {
      expect(read(file)).not.toMatch(/about 300 KiB|253 KiB\s+per\s+connection/);
    }
  });
});

it('docs/http2.md keeps no draft section meant for the README', () => {
  const page = read('docs/http2.md');
  expect(page).not.toMatch(/^#+ .*proposed/im);
  expect(page).not.toMatch(/README section/i);
});

it('bench/README.md names the suites `npm start` and `npm run bench` run, as bench/suites.js has them', async () => {
  // bench/ is plain JavaScript without declarations: imported by URL, typed here.
  const { SUITES, SUMMARY_SUITES }: { SUITES: Record<string, unknown>; SUMMARY_SUITES: string[] } = await import(
    pathToFileURL(join(REPO_ROOT, 'bench', 'suites.js')).href
  );
  const text = read('bench/README.md').replace(/\s+/g, ' ');
  const suiteNames = (part: string) => [
    ...new Set([...part.matchAll(/`(\w+)`/g)].map((match) => match[1]).filter((name) => name in SUITES)),
  ];
  const start = text.indexOf('`npm start`');
  const bench = text.indexOf('`npm run bench`');
  const single = text.indexOf('`node bench/run.js');
  expect(start).toBeGreaterThanOrEqual(0);
  expect(bench).toBeGreaterThan(start);
  expect(single).toBeGreaterThan(bench);
  expect(suiteNames(text.slice(start, bench))).toEqual(SUMMARY_SUITES);
  expect(suiteNames(text.slice(bench, single))).toEqual(Object.keys(SUITES));
  const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  expect(packageJson.scripts.start).toMatch(/node bench\/run\.js --summary$/);
  expect(packageJson.scripts.bench).toMatch(/node bench\/run\.js$/);
});

it('every docs/measurements.md#section named in a code comment is a heading of that page', () => {
  // GitHub's anchors: lower case, punctuation other than '-' dropped, spaces as '-'.
  const anchors = new Set(
    [...read('docs/measurements.md').matchAll(/^#+ (.+)$/gm)].map((match) =>
      match[1]
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .replace(/\s/g, '-'),
    ),
  );
  const pointers: string[] = [];
  for (const folder of ['src', 'bindings', 'assembly']) {
    const files = readdirSync(join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' });
    for (const file of files.filter((name) => name.endsWith('.ts'))) {
      for (const match of read(join(folder, file)).matchAll(/docs\/measurements\.md#([\w-]+)/g)) {
        pointers.push(`${folder}/${file}#${match[1]}`);
        expect(anchors, `${folder}/${file} points to #${match[1]}`).toContain(match[1]);
      }
    }
  }
  // The thresholds and costs that moved there are pointed to from where they are used.
  expect(pointers.length).toBeGreaterThanOrEqual(8);
});

describe('examples/cluster-redis.js', () => {
  const example = join(REPO_ROOT, 'examples', 'cluster-redis.js');

  it('stops at once, saying it needs Redis and how to get one, when none answers', async () => {
    const { createServer } = await import('node:net');
    // A port that nothing listens on: bound, then released.
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const run = new SnippetProcess(process.execPath, [example], {
      cwd: REPO_ROOT,
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0' },
    });
    const exit = await run.waitForExit(WAIT_MS);
    expect(exit.code).toBe(1);
    expect(run.stderr).toContain(`needs a Redis server at redis://127.0.0.1:${port}`);
    expect(run.stderr).toContain('apt-get install redis-server');
  });

  it.skipIf(!systemProgram('redis-server').available)(
    'with redis-server: workers on one port carry a publish to a subscriber, and SIGTERM stops them all',
    async () => {
      const { createServer } = await import('node:net');
      const probe = createServer().listen(0, '127.0.0.1');
      await new Promise((resolve) => probe.once('listening', resolve));
      const redisPort = (probe.address() as { port: number }).port;
      await new Promise((resolve) => probe.close(resolve));
      const redis = new SnippetProcess(
        'redis-server',
        ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { cwd: REPO_ROOT },
      );
      await redis.waitForLine(/Ready to accept/, 'redis-server', WAIT_MS);
      const cluster = new SnippetProcess(process.execPath, [example], {
        cwd: REPO_ROOT,
        env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, PORT: '0' },
      });
      const [, port] = await cluster.waitForLine(/serving ws:\/\/0\.0\.0\.0:(\d+)$/, 'a worker serving', 30_000);
      const open = async () => {
        const ws = new WS(`ws://127.0.0.1:${port}`);
        await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'open');
        return ws;
      };
      const subscriber = await open();
      const publisher = await open();
      subscriber.send('sub news');
      const received = within(
        new Promise<string>((resolve) => subscriber.once('message', (data) => resolve(String(data)))),
        'the publish',
      );
      // The subscription reaches Redis asynchronously: publish until it arrives (every 100 ms, bounded).
      const repeat = setInterval(() => publisher.send('pub news hello'), 100);
      try {
        expect(await received).toBe('hello');
      } finally {
        clearInterval(repeat);
      }
      const closed = new Promise<number>((resolve) => subscriber.once('close', resolve));
      cluster.child.kill('SIGTERM');
      expect(await within(closed, 'the close on shutdown')).toBe(1001);
      expect((await cluster.waitForExit(WAIT_MS)).code).toBe(0);
      publisher.terminate();
    },
    60_000,
  );
});
