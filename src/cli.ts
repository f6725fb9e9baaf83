#!/usr/bin/env node
// The `wasmsocket` command (package.json "bin", compiled to dist/src/cli.js): picks the subcommand and
// exits with its code once stdout and stderr have been flushed. Each subcommand lives in src/cli/.

import { autobahnClientCommand } from './cli/autobahn-client.js';
import { benchCommand } from './cli/bench.js';
import { type Command, ExitCode, PROGRAM } from './cli/command.js';
import { connectCommand } from './cli/connect.js';
import { findPackage } from './cli/package-root.js';
import { serveCommand } from './cli/serve.js';

const COMMANDS: readonly Command[] = [serveCommand, connectCommand, autobahnClientCommand, benchCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    `Run '${PROGRAM} <command> --help' for the options of a command.`,
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return ExitCode.USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      process.stdout.write(usage());
      return ExitCode.OK;
    }
    return topic.startsWith('-') ? findCommand(topic, 'option') : findCommand(topic, 'command', ['--help']);
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${findPackage().version}\n`);
    return ExitCode.OK;
  }
  return findCommand(name, name.startsWith('-') ? 'option' : 'command', rest);
}

function findCommand(name: string, what: 'command' | 'option', argv: string[] = []): Promise<number> {
  const command = what === 'command' ? COMMANDS.find((candidate) => candidate.name === name) : undefined;
  if (command === undefined) {
    process.stderr.write(`${PROGRAM}: unknown ${what} '${name}'\n\n${usage()}`);
    return Promise.resolve(ExitCode.USAGE);
  }
  return command.main(argv);
}

/** How long to wait for stdout and stderr to drain before exiting anyway (a reader that stopped reading). */
const FLUSH_TIMEOUT_MS = 2_000;

/** Exits once what was written to stdout and stderr has reached them (pipes can be asynchronous). */
function exitAfterFlush(code: number): void {
  setTimeout(() => process.exit(code), FLUSH_TIMEOUT_MS).unref();
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(exitAfterFlush, (error: unknown) => {
  process.stderr.write(`${PROGRAM}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitAfterFlush(ExitCode.FAILURE);
});
