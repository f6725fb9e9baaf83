// No module of src/ imports itself back through others at run time. The WebSocket constructor imports
// the client's handshake module directly (issue 16: it used to reach it through a module variable that
// an import made for its side effect filled), and that handshake module imports the option checks, which
// imported the WebSocket class: a cycle. Cycles work under ESM as long as no module in one uses another
// while the graph is still being evaluated, so they break later, when an edit, a bundler or a require()
// of dist/ loads the modules in another order. Type-only imports (`import type`) are erased and do not
// count; every other import does, a side-effect one (`import './x.js'`) too.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file below `dir` but declaration files. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(dir, name));
}

// An import or re-export statement up to its specifier, across lines; `type` right after the keyword
// makes it type-only.
const IMPORT = /^(?:import|export)\s+(type\s)?[^'";]*?from\s*'(\.[^']+)'|^import\s*'(\.[^']+)'/gm;

/** The runtime imports of each source file, as paths of other source files. */
function runtimeImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const imports: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (match[1] !== undefined) continue;
      const specifier = (match[2] ?? match[3]) as string;
      imports.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
    graph.set(file, imports);
  }
  return graph;
}

/** Each cycle found by a depth-first walk, as the files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push(path.slice(path.indexOf(next)));
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

it('src/ has no import cycle at run time (type-only imports aside)', () => {
  const graph = runtimeImports();
  const name = (file: string) => relative(SRC, file);
  // The walk sees the edges it is about: the constructor's import of the handshake, and the type-only
  // import back, which does not count.
  const websocket = join(SRC, 'node/websocket.ts');
  const handshake = join(SRC, 'node/client-handshake.ts');
  expect(graph.get(websocket)).toContain(handshake);
  expect(graph.get(handshake)).not.toContain(websocket);
  expect(graph.size).toBeGreaterThan(50);
  expect(cycles(graph).map((cycle) => cycle.map(name).join(' -> '))).toEqual([]);
});
