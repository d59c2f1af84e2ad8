import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The command line was wrong: the CLI prints the usage and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A problem the operator can fix (missing file, unreachable table): printed without a stack. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The help of every command, printed for `--help`, a wrong command or wrong options. */
export const USAGE = `Usage: leadscore <command> [options]   (npm run leadscore -- <command> ...)

Commands:
  validate [client|path...]
      Validates client configurations (every file in clients/ when none is given).
      Prints OK or every error with its path; exits 1 when a file has errors.

  simulate --events <file.ndjson> [--client example] [--at <ISO time>] [--limit 50] [--json]
      Scores an NDJSON events file in memory with the client's model (no AWS) and prints the
      leads ranked by score with segment, grade and top reasons. One event per line, as posted
      to POST /v1/events, plus an optional "profile" object (the fields a form brings).
      --at: score as of this instant (default: now); later events are left out.

  decay --now <ISO time> [--client example] [--endpoint <url>] [--table <name>]
      Runs the decay job for that instant and prints what it did. Safe to run twice. The
      events of the leads that changed are stored with them; the table's stream carries them
      to the bus (locally: the stream relay of npm start).
      --endpoint      DynamoDB endpoint (default: LEADSCORE_DYNAMODB_ENDPOINT; none = AWS with
                      the default credentials and region)
      --table         table name (default: leadscore-<client>)

Options of every command: --help. --client defaults to LEADSCORE_CLIENT, else example.
Exit codes: 0 done, 1 errors found or the command failed, 2 wrong usage.`;

/**
 * `parseArgs` in strict mode, with its errors (unknown option, missing value, stray argument)
 * turned into a UsageError.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The client named by `--client`, `LEADSCORE_CLIENT` or the example. */
export function clientOf(option: string | undefined): string {
  return option ?? process.env.LEADSCORE_CLIENT ?? 'example';
}
