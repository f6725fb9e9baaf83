// What a child process prints, gathered as it comes: tests read it once the child has exited (or to say
// why it failed).

import type { ChildProcess } from 'node:child_process';

export interface ChildOutput {
  stdout: string;
  stderr: string;
}

/** Gathers the child's piped stdout and stderr as text; the object fills in as the child writes. */
export function gatherOutput(child: ChildProcess): ChildOutput {
  const output: ChildOutput = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output.stderr += chunk;
  });
  return output;
}
