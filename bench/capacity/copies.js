// The copies measure: how many times our server copies each byte of a large message it echoes, in user
// space (the kernel's copies in read and write are every server's, and not counted). Our echo server runs
// with bench/capacity/copy-count.js preloaded, which counts the bytes each copy primitive moves, by where
// the copy was made (receive: reading frames and joining fragments; send: building frames); a ws client
// sends it `count` masked messages of `size` bytes, a few in flight, and checks every echo. Figures are
// copied bytes over payload bytes: 1.00 is each byte copied once. With BENCH_CAPACITY_BASELINE the
// baseline build is measured the same way, beside ours.

import { startEchoServer } from '../echo/servers.js';
import { BASELINE_DIR, CAPACITY_SERIES } from './cases.js';

const COPY_COUNT = new URL('./copy-count.js', import.meta.url);
const KIB = 1024;
const MIB = 1024 * KIB;
/** Sizes and message counts: enough messages that set-up copies do not matter, few enough to be quick. */
export const COPY_CASES = [
  { size: 4 * KIB, count: 2048, inFlight: 16 },
  { size: 64 * KIB, count: 256, inFlight: 4 },
  { size: MIB, count: 32, inFlight: 2 },
];
const TIMEOUT_MS = 60_000;

/** Sends `count` messages of `size` bytes over one connection, `inFlight` at a time; resolves once all came back intact. */
async function echoMessages(url, { size, count, inFlight }) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const payloads = Array.from({ length: inFlight + 1 }, (_, i) => Buffer.alloc(size, (i * 37 + 11) & 0xff));
  let sent = 0;
  let received = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench copies: ${size} B echoes timed out`)), TIMEOUT_MS);
    const sendOne = () => ws.send(payloads[sent++ % payloads.length], { binary: true });
    ws.on('message', (data) => {
      if (!Buffer.isBuffer(data) || !data.equals(payloads[received % payloads.length])) {
        clearTimeout(timer);
        reject(new Error(`bench copies: echo ${received} of ${size} B differs from what was sent`));
        return;
      }
      received++;
      if (received === count) {
        clearTimeout(timer);
        resolve();
      } else if (sent < count) sendOne();
    });
    ws.once('error', reject);
    while (sent < Math.min(inFlight, count)) sendOne();
  });
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
}

/** Copies per payload byte for each size, for our server and (with BENCH_CAPACITY_BASELINE) the baseline's. */
export async function measureCopies(progress) {
  const builds = [
    { id: 'ours', label: 'wasmsocket', packageDir: null },
    ...(BASELINE_DIR !== null && CAPACITY_SERIES.some((s) => s.id === 'base')
      ? [{ id: 'base', label: 'wasmsocket baseline', packageDir: BASELINE_DIR }]
      : []),
  ];
  const rows = [];
  for (const build of builds) {
    for (const c of COPY_CASES) {
      progress.note(`copies: ${build.label}, ${c.count} x ${c.size} B`);
      const server = await startEchoServer('ours', {
        nodeArgs: ['--import', COPY_COUNT.href],
        env: { WASMSOCKET_BACKEND: 'auto' },
        packageDir: build.packageDir,
      });
      try {
        await echoMessages(server.url, c);
        const { counts } = await server.handle.request({ type: 'copies' }, TIMEOUT_MS);
        if (counts === null) throw new Error('bench copies: the server did not load copy-count.js');
        const bytes = c.size * c.count;
        rows.push({
          build: build.label,
          size: c.size,
          count: c.count,
          receive: counts.receive / bytes,
          send: counts.send / bytes,
          other: counts.other / bytes,
        });
      } finally {
        await server.handle.stop();
      }
    }
  }
  return rows;
}

export function copiesMarkdown(rows) {
  if (rows === null || rows.length === 0) return '';
  const size = (n) => (n >= MIB ? `${n / MIB} MiB` : `${n / KIB} KiB`);
  const fixed = (x) => x.toFixed(2);
  return [
    '### Copies per payload byte in user space (bench/capacity/copies.js)',
    '',
    'Bytes our echo server copied (copies of 1 KiB or more, counted by bench/capacity/copy-count.js) over the ' +
      'payload bytes echoed: receive is reading frames (into WASM staging and out, into a message buffer), send ' +
      "is building frames. The kernel's copies in read and write are not counted.",
    '',
    '| server | message | messages | receive copies / byte | send copies / byte | other / byte |',
    '| :--- | :--- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.build} | ${size(r.size)} | ${r.count} | ${fixed(r.receive)} | ${fixed(r.send)} | ${fixed(r.other)} |`,
    ),
  ].join('\n');
}
