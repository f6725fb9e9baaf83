// Every fenced JavaScript or TypeScript block of README.md and docs/*.md runs here, found in the Markdown
// when the test runs (a new block is covered without touching this file). A block is run by the runner
// its marker comment names (test/docs/snippet-runners.ts: each checks what its snippet promises), by the
// generic runner when it has no marker, or skipped only when its marker says it is not a program and
// why. A marker naming no runner fails, and so does a runner no block uses. Needs dist/ built (`npm test`
// builds first): the snippets run against the packed tarball installed in a fresh project.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConsumerProject } from '../packaging/consumer-project.ts';
import { REPO_ROOT } from '../packaging/consumer-project.ts';
import { systemProgram } from '../support/system-programs.ts';
import { extractSnippets } from './markdown-snippets.ts';
import { stopSnippetProcesses } from './snippet-process.ts';
import { createSnippetProject, EXCLUDED_KINDS, RUNNER_NEEDS, RUNNERS, type RunnerContext } from './snippet-runners.ts';

/** A runner starts a process or two, sometimes workerd or Deno; this bound only catches a hang. */
const SNIPPET_TIMEOUT_MS = 150_000;

const snippets = extractSnippets(REPO_ROOT);

let project: Promise<ConsumerProject> | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

const context: RunnerContext = {
  project: () => {
    project ??= createSnippetProject();
    return project;
  },
  defer: (cleanup) => {
    cleanups.push(cleanup);
  },
};

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopSnippetProcesses();
});

afterAll(async () => {
  (await project?.catch(() => undefined))?.remove();
});

describe('the blocks of README.md and docs/', () => {
  it('are found: every js and ts block, also those indented in lists', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(15);
    expect(snippets.map((snippet) => snippet.file)).toEqual(expect.arrayContaining(['README.md', 'docs/web.md']));
  });

  it('each name a runner, or an exclusion with its reason', () => {
    const unknown = snippets.filter((snippet) => !(snippet.runner in RUNNERS) && !(snippet.runner in EXCLUDED_KINDS));
    expect(unknown.map((snippet) => `${snippet.file}:${snippet.line} names "${snippet.runner}"`)).toEqual([]);
    const excludedWithoutReason = snippets.filter((snippet) => snippet.runner in EXCLUDED_KINDS && !snippet.note);
    expect(excludedWithoutReason.map((snippet) => `${snippet.file}:${snippet.line}`)).toEqual([]);
  });

  it('use every runner (a runner whose block is gone is dead code)', () => {
    const used = new Set(snippets.map((snippet) => snippet.runner));
    expect(Object.keys(RUNNERS).filter((name) => name !== 'generic' && !used.has(name))).toEqual([]);
  });
});

describe('each block runs', () => {
  for (const snippet of snippets) {
    const title = `${snippet.file}:${snippet.line} (${snippet.runner})`;
    if (snippet.runner in EXCLUDED_KINDS) {
      it.skip(`${title}: not a program: ${snippet.note}`, () => {});
      continue;
    }
    const runner = RUNNERS[snippet.runner];
    if (runner === undefined) continue; // reported above
    const needs = RUNNER_NEEDS[snippet.runner];
    const missing = needs !== undefined && !systemProgram(needs).available;
    it.skipIf(missing)(title, () => runner(snippet, context), SNIPPET_TIMEOUT_MS);
  }
});
