// Where the package is installed: the nearest directory above this file whose package.json is ours. The
// depth differs between src/cli/ (sources) and dist/src/cli/ (compiled), so walk up instead of counting.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'wasmsocket';

export interface PackageInfo {
  root: string;
  version: string;
}

export function findPackage(from: string = fileURLToPath(import.meta.url)): PackageInfo {
  for (let directory = dirname(from); ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (name === PACKAGE_NAME) return { root: directory, version: version ?? 'unknown' };
    }
    if (dirname(directory) === directory) throw new Error(`${PACKAGE_NAME}: cannot find its own package.json`);
  }
}
