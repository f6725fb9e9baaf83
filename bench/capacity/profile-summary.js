// Prints the self-time summary of CPU profiles written with BENCH_CAPACITY_PROFILE_DIR (or any
// .cpuprofile): per origin and the top functions, idle left out of the shares.
//
//   node bench/capacity/profile-summary.js FILE.cpuprofile... [--top N] [--from-ms MS]

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cpuProfileMarkdown, summarizeCpuProfile } from '../echo/cpu-profile-summary.js';

const args = process.argv.slice(2);
let top = 25;
let fromMs = 0;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--from-ms') fromMs = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0 || !Number.isInteger(top) || top <= 0 || !(fromMs >= 0)) {
  console.error('usage: node bench/capacity/profile-summary.js FILE.cpuprofile... [--top N] [--from-ms MS]');
  process.exit(2);
}
for (const file of files) {
  const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), { fromMs });
  console.log(cpuProfileMarkdown(summary, basename(file), top));
  console.log();
}
