// How a subcommand declares its flags and positionals, and how argv becomes typed values or a usage error.
// A command's flags are one table: each entry is one line naming the flag, its value and its help text,
// so adding a flag (say `--deflate`) is adding one entry; parsing, `--help` and the usage text follow it.

import { parseArgs } from 'node:util';

/** Process exit codes of the command line. */
export const ExitCode = {
  OK: 0,
  /** The command ran and failed: a connection refused, a port in use, a case that timed out. */
  FAILURE: 1,
  /** The command line itself was wrong: unknown command or flag, a missing or malformed value. */
  USAGE: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface Flag {
  type: 'string' | 'boolean';
  /** May be given more than once; the values come back as an array, in order. */
  multiple?: boolean;
  /** A one-letter alias: `-p` for `--port`. */
  short?: string;
  /** The value used when the flag is absent (shown in --help). */
  default?: string;
  /** What the value is, for the help text: `--port PORT`. */
  placeholder?: string;
  /** The only values allowed (others are a usage error); shown in --help. */
  choices?: readonly string[];
  /**
   * Makes the value optional: `--name` alone means `--name=bareValue`. A value is then taken only when
   * written `--name=VALUE` or when the next argument is one of `choices`, so `--name URL` keeps URL a
   * positional.
   */
  bareValue?: string;
  description: string;
}

export type FlagTable = Record<string, Flag>;

type FlagValue<F extends Flag> = F['type'] extends 'boolean'
  ? boolean
  : F['multiple'] extends true
    ? string[]
    : F extends { default: string }
      ? string
      : string | undefined;

export type FlagValues<T extends FlagTable> = { [Name in keyof T]: FlagValue<T[Name]> };

export interface Parsed<T extends FlagTable> {
  flags: FlagValues<T>;
  positionals: string[];
}

export interface CommandSpec<T extends FlagTable> {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** What follows the command name in the usage line, e.g. `URL [options]`. */
  synopsis: string;
  /** Paragraphs printed under the usage line by --help. */
  description?: string;
  /** The positional arguments allowed; more or fewer is a usage error. */
  positionals: { min: number; max: number };
  flags: T;
  /** Runs the command; resolves with the exit code once it has finished. */
  run(parsed: Parsed<T>): Promise<number>;
}

/** What the dispatcher in src/cli.ts sees of a command: the types of its flags stay inside. */
export interface Command {
  name: string;
  summary: string;
  help(): string;
  main(argv: string[]): Promise<number>;
}

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const HELP_FLAG: Flag = { type: 'boolean', short: 'h', description: 'show this help' };

/** The command name as typed by users, for messages. */
export const PROGRAM = 'wasmsocket';

export function defineCommand<const T extends FlagTable>(spec: CommandSpec<T>): Command {
  const help = () => commandHelp(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async main(argv) {
      try {
        const parsed = parseCommandLine(spec, argv);
        if (parsed === 'help') {
          process.stdout.write(help());
          return ExitCode.OK;
        }
        // Values checked by run() before it starts (a port out of range, a bad header) are usage errors too.
        return await spec.run(parsed);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`${PROGRAM} ${spec.name}: ${error.message}\n\n${help()}`);
        return ExitCode.USAGE;
      }
    },
  };
}

function parseCommandLine<T extends FlagTable>(spec: CommandSpec<T>, argv: string[]): Parsed<T> | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, flag] of Object.entries({ ...spec.flags, help: HELP_FLAG })) {
    // parseArgs rejects keys present with the value undefined, so copy only what is set.
    options[name] = { type: flag.type };
    if (flag.multiple) options[name].multiple = true;
    if (flag.short !== undefined) options[name].short = flag.short;
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    const args = withBareValues(spec.flags, argv);
    ({ values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true }));
  } catch (error) {
    // parseArgs reports unknown flags and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(firstLine(error));
    throw error;
  }
  if (values.help === true) return 'help';

  const { min, max } = spec.positionals;
  if (positionals.length < min) throw new UsageError(`missing argument: ${spec.synopsis}`);
  if (positionals.length > max) throw new UsageError(`unexpected argument '${positionals[max]}'`);

  const flags: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value = values[name];
    if (flag.type === 'boolean') flags[name] = value === true;
    else if (flag.multiple) flags[name] = (value as string[] | undefined) ?? [];
    else flags[name] = (value as string | undefined) ?? flag.default;
    const given = flags[name];
    if (flag.choices !== undefined && typeof given === 'string' && !flag.choices.includes(given)) {
      throw new UsageError(`--${name} must be one of ${flag.choices.join(', ')} (got '${given}')`);
    }
  }
  return { flags: flags as FlagValues<T>, positionals };
}

/** Rewrites `--name` of an optional-value flag to `--name=bareValue` unless a choice follows it. */
function withBareValues(flags: FlagTable, argv: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const flag = arg.startsWith('--') ? flags[arg.slice(2)] : undefined;
    const next = argv[i + 1];
    const takesNext = next !== undefined && flag?.choices?.includes(next) === true;
    args.push(flag?.bareValue !== undefined && !takesNext ? `${arg}=${flag.bareValue}` : arg);
  }
  return args;
}

/** parseArgs's message without its advice about `--`, which is about positionals, not the usual mistake. */
function firstLine(error: unknown): string {
  return String((error as Error).message)
    .split('\n')[0]
    .split('. To specify a positional')[0];
}

/** The --help text of one command, generated from its flag table. */
function commandHelp<T extends FlagTable>(spec: CommandSpec<T>): string {
  const rows = Object.entries({ ...spec.flags, help: HELP_FLAG }).map(([name, flag]) => {
    const short = flag.short ? `-${flag.short}, ` : '    ';
    const placeholder = flag.placeholder ?? 'VALUE';
    const value = flag.type !== 'string' ? '' : flag.bareValue !== undefined ? `[=${placeholder}]` : ` ${placeholder}`;
    const notes = [
      flag.choices ? `${placeholder}: ${flag.choices.join(', ')}` : '',
      flag.bareValue !== undefined ? `alone: ${flag.bareValue}` : '',
      flag.multiple ? 'repeatable' : '',
      flag.default !== undefined ? `default ${flag.default}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return [`  ${short}--${name}${value}`, notes ? `${flag.description} (${notes})` : flag.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [`Usage: ${PROGRAM} ${spec.name} ${spec.synopsis}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  lines.push('', 'Options:', ...rows.map(([left, right]) => `${left.padEnd(width)}${right}`));
  return `${lines.join('\n')}\n`;
}
