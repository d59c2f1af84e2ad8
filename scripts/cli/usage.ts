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

  import <file.csv> [--id-column <name>] [--outcome-column <name> --converted-value <v>]
         [--missing <v1,v2,...>] [--events <file.ndjson>] [--dry-run] [--json]
      Imports past leads and their outcomes from a CRM export (one lead per row, header row):
      the email column (or --id-column: synthetic <id>@import.invalid addresses), outcome
      (converted/lost/blank, or --outcome-column with --converted-value; other values lost),
      optional createdAt, outcomeAt, value, currency; every other column a profile attribute.
      Imported leads are scored by the current model without alerts; re-running changes nothing.
      --missing       placeholder values read as missing (default: Select,N/A,NA,#N/A,null,
                      nil,none,NaN,unknown,undefined,-,--,?); blank is always missing
      --events        NDJSON events for those leads, as for simulate (occurredAt required)
      --dry-run       read and check everything, write nothing

  report [--out report.html] [--json] [--seed 1]
      Judges the model by the outcomes sales reported: conversion by segment, score band and
      grade, gains and lift, ROC with AUC and its 95% bootstrap interval, calibration, median
      days MQL → conversion, rule weights among converters. --out writes one HTML file with
      the charts (opens offline); --json prints the figures.

  train [--json] [--keep <field,...>] [--holdout 0.3] [--seed 1] [--lambda <l>]
        [--min-outcomes 50] [--out predictive.yaml] [--weight 30]
      Trains a regularised logistic regression on rule hits and profile attributes and judges
      it on a holdout next to the current rules; suggests points for the rules; leaves out
      attributes that leak the outcome (filled in by sales) unless --keep names them. Refuses,
      saying how many more outcomes are needed, with fewer than --min-outcomes of a class.
      --out writes the model.predictive block that blends it into the score (weight points at
      probability 1).

Where import, report and train read and write: --endpoint <url> [--table <name>] (a DynamoDB
Local), --table <name> alone (the deployed table in AWS, default credentials and region), else
the local data directory (LEADSCORE_DATA_DIR, .leadscore): the running npm start, or an
embedded DynamoDB Local on its database when npm start is not running.

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
