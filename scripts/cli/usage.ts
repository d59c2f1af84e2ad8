import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import * as z from 'zod';

/** The command line was wrong: the CLI says so in one line and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A problem the operator can fix (missing file, unreachable table): printed without a stack. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The client named by `--client`, `LEADSCORE_CLIENT` or the example. */
export function clientOf(option: string | undefined): string {
  return option ?? process.env.LEADSCORE_CLIENT ?? 'example';
}

/** `--client <name>`, on the program and on every command. */
export const clientOption = () =>
  new Option(
    '--client <name>',
    'client configuration: clients/<name>.yaml, or a file (default: LEADSCORE_CLIENT, else example)',
  );

/** `--json`: the command prints one JSON object on stdout instead of text. */
export const jsonOption = (what: string) => new Option('--json', `print ${what} as one JSON object`);

/**
 * The options of a command that reads or writes a client's table (scripts/cli/target.ts): where,
 * in the order openTarget looks.
 */
export function addTargetOptions(command: Command): Command {
  return command
    .option(
      '--endpoint <url>',
      'a DynamoDB Local at this URL; the table is created when missing (default: LEADSCORE_DYNAMODB_ENDPOINT)',
    )
    .option(
      '--table <name>',
      'the table (default leadscore-<client>); without --endpoint: the deployed table in AWS (the stack output TableName), with the default AWS credentials and region',
    )
    .option(
      '--data-dir <dir>',
      'else the local data directory: the running npm start (its local-stack.json), or an embedded DynamoDB Local on its database (default: LEADSCORE_DATA_DIR, else .leadscore)',
    );
}

/** An "Examples:" section after the options in a command's help. */
export function addExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** Option value parsers: a bad value is a usage error naming the option (commander adds which). */
export function integerArg(test: (n: number) => boolean, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || !test(n))
      throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

export function numberArg(test: (n: number) => boolean, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !test(n))
      throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

const isoTimeSchema = z.iso.datetime({ offset: true });

/** An ISO 8601 instant with a zone, as milliseconds since the epoch. */
export function isoTimeArg(value: string): number {
  if (!isoTimeSchema.safeParse(value).success)
    throw new InvalidArgumentError('expected an ISO 8601 time with a zone, e.g. 2026-11-02T06:00:00Z');
  return Date.parse(value);
}

/** A comma-separated list, blanks dropped. */
export function listArg(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Parses `args` with `command` on its own (no program around it), as a test or another script
 * calls a command: its errors are thrown as UsageErrors instead of printed. Returns the
 * command's arguments and options.
 */
export function parseCommandLine(command: Command, args: readonly string[]) {
  command
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .action(() => {});
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new UsageError(oneLine(error.message));
    throw error;
  }
  return { args: command.processedArgs as unknown[], options: command.opts() };
}

/** A commander message on one line, without its `error: ` prefix. */
export function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}
