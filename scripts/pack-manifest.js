// Keeps the build out of consumers' installs. `prepare` builds the package after `npm ci` in a clone (the
// bin, `npm start` and the tests need dist/), but npm 11 flags a `prepare` script in an installed tarball
// as an install-time script to approve. So `prepack` (after building) takes `prepare` out of package.json
// for the tarball, and `postpack` puts the file back as it was: the tarball's manifest has no install-time
// script, the repository's keeps its own.
//
// Usage: node scripts/pack-manifest.js strip | restore

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const saved = new URL('../package.json.before-pack', import.meta.url);
const command = process.argv[2];

if (command === 'strip') {
  // A pack that failed before postpack left the saved copy: that copy is the real manifest.
  if (existsSync(saved)) renameSync(saved, manifest);
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(saved, text);
  const packageJson = JSON.parse(text);
  delete packageJson.scripts.prepare;
  writeFileSync(manifest, `${JSON.stringify(packageJson, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  process.stderr.write('usage: node scripts/pack-manifest.js strip | restore\n');
  process.exit(2);
}
