// What the codec figures were measured on, for the results header and JSON.

import { availableParallelism, cpus } from 'node:os';
import { activeBackend } from 'wasmsocket/codec';

export function environment() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    platform: `${process.platform}-${process.arch}`,
    autoBackend: activeBackend(),
  };
}

export function environmentLine(env = environment()) {
  return `${env.date.slice(0, 10)}, Node ${env.node} (V8 ${env.v8}), ${env.cpu}, ${env.cores} cores, ${env.platform}; 'auto' resolves to ${env.autoBackend}.`;
}
