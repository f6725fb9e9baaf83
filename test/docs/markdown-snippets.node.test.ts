// The machinery of the documentation test itself: blocks are found as a Markdown reader sees them, a
// block without a marker runs with the generic runner (so a snippet added to the docs is run without
// anyone touching the tests), and the generic runner fails a snippet that fails.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConsumerProject } from '../packaging/consumer-project.ts';
import { extractSnippets, withPorts } from './markdown-snippets.ts';
import { stopSnippetProcesses } from './snippet-process.ts';
import { createSnippetProject, RUNNERS, type RunnerContext } from './snippet-runners.ts';

const root = mkdtempSync(join(tmpdir(), 'wasmsocket-markdown-'));
mkdirSync(join(root, 'docs'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

const MARKDOWN = [
  '# A page',
  '',
  '```sh',
  'npm test',
  '```',
  '',
  '```js',
  "console.log('unmarked');",
  '```',
  '',
  '<!-- snippet: codec (a note for readers) -->',
  '',
  '```ts',
  'const typed: number = 1;',
  '```',
  '',
  '- in a list:',
  '',
  '  ```javascript',
  '  if (true) {',
  '    console.log(8080);',
  '  }',
  '  ```',
  '',
  '```',
  'no language: not code to run',
  '```',
].join('\n');

describe('extractSnippets', () => {
  it('finds js and ts blocks with their runner, note and line, indented ones unindented, and nothing else', () => {
    writeFileSync(join(root, 'README.md'), MARKDOWN);
    writeFileSync(join(root, 'docs', 'page.md'), '```js\nexport {};\n```\n');
    writeFileSync(join(root, 'docs', 'notes.txt'), '```js\nnot markdown\n```\n');
    const found = extractSnippets(root);
    expect(found.map(({ file, line, language, runner, note }) => ({ file, line, language, runner, note }))).toEqual([
      { file: 'README.md', line: 7, language: 'js', runner: 'generic', note: null },
      { file: 'README.md', line: 13, language: 'ts', runner: 'codec', note: 'a note for readers' },
      { file: 'README.md', line: 19, language: 'javascript', runner: 'generic', note: null },
      { file: 'docs/page.md', line: 1, language: 'js', runner: 'generic', note: null },
    ]);
    expect(found[2].code).toBe('if (true) {\n  console.log(8080);\n}\n');
    expect(withPorts(found[2].code, { 8080: 41234 })).toBe('if (true) {\n  console.log(41234);\n}\n');
  });
});

describe('the generic runner', () => {
  let project: Promise<ConsumerProject> | undefined;
  const cleanups: Array<() => unknown> = [];
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

  const snippet = (code: string, language = 'js') => ({
    file: 'docs/new.md',
    line: 1,
    language,
    runner: 'generic',
    note: null,
    code,
  });

  it('passes a new client snippet that runs (against an echo server on the port it names)', async () => {
    const code = `import WebSocket from 'wasmsocket';
const ws = new WebSocket('ws://127.0.0.1:8080/');
ws.on('open', () => ws.send('hi'));
ws.on('message', () => ws.close());
ws.on('close', () => process.exit(0));
`;
    await RUNNERS.generic(snippet(code), context);
  }, 120_000);

  it('passes TypeScript after stripping its types', async () => {
    await RUNNERS.generic(
      snippet(
        "import { mask } from 'wasmsocket/codec';\nconst key: Uint8Array = new Uint8Array(4);\nmask(new Uint8Array(8), key);\n",
        'ts',
      ),
      context,
    );
  }, 120_000);

  it('fails a snippet that throws, and one that names what does not exist', async () => {
    await expect(RUNNERS.generic(snippet("throw new Error('broken');\n"), context)).rejects.toThrow();
    await expect(
      RUNNERS.generic(snippet("import { noSuchExport } from 'wasmsocket';\nnoSuchExport();\n"), context),
    ).rejects.toThrow();
  }, 120_000);
});
