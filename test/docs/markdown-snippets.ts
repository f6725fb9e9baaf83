// Finds every fenced JavaScript or TypeScript block in README.md and docs/*.md, read from disk when the
// test runs, so that a block added to the docs is picked up without touching the tests. A block may be
// preceded by a marker comment naming how the test runs it:
//
//   <!-- snippet: NAME -->             run by the runner NAME of snippet-runners.ts
//   <!-- snippet: NAME (why) -->       the same, with a note for the reader of the Markdown
//
// A block without a marker is run by the generic runner. The comment is invisible on a rendered page.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** The line of the opening fence (1-based). */
  line: number;
  /** The fence's language tag. */
  language: string;
  /** The runner named by the marker, or 'generic'. */
  runner: string;
  /** The marker's note in parentheses, if any. */
  note: string | null;
  /** The block's code, without the list indentation the fence had. */
  code: string;
}

/** The languages whose blocks must run. */
const CODE_LANGUAGES = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript']);

const FENCE = /^(\s*)```(\S*)\s*$/;
const MARKER = /^<!--\s*snippet:\s*([\w-]+)\s*(?:\((.*)\))?\s*-->$/;

/** README.md and every Markdown file of docs/, as they are on disk now. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function extractSnippets(root: string, files = documentationFiles(root)): Snippet[] {
  const snippets: Snippet[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    for (let index = 0; index < lines.length; index++) {
      const open = FENCE.exec(lines[index]);
      if (open === null) continue;
      const [, indent, language] = open;
      let end = index + 1;
      while (end < lines.length && lines[end].trim() !== '```') end++;
      if (CODE_LANGUAGES.has(language.toLowerCase())) {
        let previous = index - 1;
        while (previous >= 0 && lines[previous].trim() === '') previous--;
        const marker = previous >= 0 ? MARKER.exec(lines[previous].trim()) : null;
        const code = lines
          .slice(index + 1, end)
          .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
          .join('\n');
        snippets.push({
          file,
          line: index + 1,
          language: language.toLowerCase(),
          runner: marker?.[1] ?? 'generic',
          note: marker?.[2]?.trim() || null,
          code: `${code}\n`,
        });
      }
      index = end;
    }
  }
  return snippets;
}

/** Replaces whole-number occurrences of each port in `code` (8080 -> 41234, in URLs and options alike). */
export function withPorts(code: string, ports: Record<number, number>): string {
  let result = code;
  for (const [from, to] of Object.entries(ports)) result = result.replace(new RegExp(`\\b${from}\\b`, 'g'), String(to));
  return result;
}
