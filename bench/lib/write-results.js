// Writes a suite's results to bench/results/ (git-ignored): <suite>.md (the tables as printed),
// <suite>.json (every value and round setting, for tooling) and <suite>-<measure>.svg (one chart per measure).

import { mkdirSync, writeFileSync } from 'node:fs';
import { barChart } from './bar-chart.js';
import { lineChart } from './line-chart.js';

export const RESULTS_DIR = new URL('../results/', import.meta.url);

/** Writes the files and returns their paths. */
export function writeResults(suite, markdown, json, results) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const written = [];
  const write = (name, content) => {
    const url = new URL(name, RESULTS_DIR);
    writeFileSync(url, content);
    written.push(url.pathname);
  };
  write(`${suite}.md`, markdown);
  write(`${suite}.json`, `${JSON.stringify(json, null, 2)}\n`);
  for (const result of results) {
    write(`${suite}-${result.id}.svg`, result.chart === 'bars' ? barChart(result) : lineChart(result));
  }
  return written;
}
