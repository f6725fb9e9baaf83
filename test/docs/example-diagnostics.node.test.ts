// examples/diagnostics-counters.js runs as a user would run it (`node examples/diagnostics-counters.js`,
// importing the built package by its name), and its counters add up to what its demonstration did: two
// connections opened on each side, one clean close (1000) and one dropped (1006) per side, one ping and
// its pong, one upgrade refused for its origin (403), and every connection closed again.

import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { REPO_ROOT } from '../packaging/consumer-project.ts';
import { WAIT_MS } from '../support/waits.ts';
import { SnippetProcess, stopSnippetProcesses } from './snippet-process.ts';

afterEach(stopSnippetProcesses);

it('examples/diagnostics-counters.js prints counters that match its demonstration', async () => {
  const run = new SnippetProcess(process.execPath, [join(REPO_ROOT, 'examples', 'diagnostics-counters.js')], {
    cwd: REPO_ROOT,
    env: { PORT: '0' },
  });
  const exit = await run.waitForExit(WAIT_MS);
  expect(run.stderr).toBe('');
  expect(exit.code).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual({
    opened: { client: 2, server: 2 },
    open: 0,
    closed: { 1000: 2, 1006: 2 },
    errors: {},
    pings: 1,
    pongs: 1,
    backpressure: 0,
    refused: { '403 origin': 1 },
  });
});
