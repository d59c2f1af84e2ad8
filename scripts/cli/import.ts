import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { Command } from 'commander';
import { CsvError } from 'csv-parse';
import { identityKey } from '#shared/api/events.ts';
import type { ImportSink } from '#shared/app/imported-lead.ts';
import type { IngestEvent } from '#shared/app/ingest.ts';
import { zodFieldIssues } from '#shared/http/middleware.ts';
import { parseInstant } from '#shared/scoring/instant.ts';
import { contentEventId } from '#shared/store/identity.ts';
import {
  type ColumnPlan,
  type CsvRow,
  csvParser,
  DEFAULT_MISSING,
  type ImportOptions,
  type ImportReport,
  ImportSummary,
  type ImportTarget,
  missingSetOf,
  planColumns,
  rowToLead,
  SeenLeads,
} from '../import/csv-leads.ts';
import { simulatedEventSchema } from './simulate.ts';
import {
  addExamples,
  addTargetOptions,
  CliError,
  clientOption,
  jsonOption,
  parseCommandLine,
  UsageError,
} from './usage.ts';

/** Leads (and events) sent to the sink at once; the file is not read further until one is done. */
export const IN_FLIGHT = 8;
/** Store failures in a row after which the import stops (the store is down, not one bad lead). */
const MAX_CONSECUTIVE_FAILURES = 20;
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const PROGRESS_EVERY_MS = 200;

/** The store an import writes to, opened by the caller for the resolved target. */
export interface SinkHandle {
  readonly sink: ImportSink;
  close(): Promise<void>;
  /** Where it writes, for the summary (e.g. `table leadscore-example on http://127.0.0.1:8000`). */
  readonly describe: string;
}

export type OpenSink = (target: ImportTarget) => Promise<SinkHandle>;

/** `leadscore import <file.csv>`: its argument, options and help. */
export function defineImportCommand(): Command {
  const command = new Command('import')
    .summary('import past leads and their outcomes from a CRM export')
    .description(
      'Imports past leads and their outcomes from a CRM export (PRODUCT §6.2a; one lead per row, a ' +
        'header row): the email column (or --id-column: synthetic <id>@import.invalid addresses), the ' +
        'outcome (converted/lost/blank, or --outcome-column with --converted-value; other values lost), ' +
        'optional createdAt, outcomeAt, value, currency; every other column a profile attribute. ' +
        'Imported leads are scored by the current model without alerts; re-running changes nothing. ' +
        'Exits 1 when it stopped early, a lead or event was not stored, or no row could be imported.',
    )
    .argument('<file.csv>', 'the CRM export')
    .option('--id-column <name>', 'the column identifying a lead that has no email')
    .option('--outcome-column <name>', 'the column holding the outcome (with --converted-value)')
    .option(
      '--converted-value <v>',
      "the outcome column's value meaning converted; any other non-blank: lost",
    )
    .option(
      '--missing <v1,v2,...>',
      `placeholder values read as missing, replacing the default list (${DEFAULT_MISSING.join(',')}); blank is always missing`,
    )
    .option(
      '--events <file.ndjson>',
      'engagement events for those leads, as for simulate (occurredAt required)',
    )
    .option('--dry-run', 'read and check everything, write nothing')
    .addOption(clientOption())
    .addOption(jsonOption('the summary (rows, skipped, outcomes, attributes, events)'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore import crm.csv',
    'leadscore import crm.csv --events history.ndjson --json',
    'leadscore import leads.csv --id-column "Prospect ID" --outcome-column Converted --converted-value 1',
    'leadscore import crm.csv --missing "Select,N/A,-" --dry-run',
  ]);
}

/** What commander parsed for `leadscore import`. */
export interface ImportFlags {
  readonly idColumn?: string;
  readonly outcomeColumn?: string;
  readonly convertedValue?: string;
  readonly missing?: string;
  readonly events?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly client?: string;
  readonly endpoint?: string;
  readonly table?: string;
}

/** The import's options from its parsed command line; a UsageError says what is wrong. */
export function importOptionsOf(file: string, flags: ImportFlags): ImportOptions {
  for (const [flag, value] of [
    ['id-column', flags.idColumn],
    ['outcome-column', flags.outcomeColumn],
    ['converted-value', flags.convertedValue],
    ['events', flags.events],
  ] as const) {
    if (value !== undefined && value.trim() === '') throw new UsageError(`--${flag} needs a non-blank value`);
  }
  const target: { -readonly [K in keyof ImportTarget]: ImportTarget[K] } = {};
  if (flags.client !== undefined) target.client = flags.client;
  if (flags.endpoint !== undefined) target.endpoint = flags.endpoint;
  if (flags.table !== undefined) target.table = flags.table;
  return {
    file,
    ...(flags.idColumn !== undefined ? { idColumn: flags.idColumn } : {}),
    ...(flags.outcomeColumn !== undefined ? { outcomeColumn: flags.outcomeColumn } : {}),
    ...(flags.convertedValue !== undefined ? { convertedValue: flags.convertedValue } : {}),
    missing: missingSetOf(flags.missing !== undefined ? flags.missing.split(',') : DEFAULT_MISSING),
    ...(flags.events !== undefined ? { events: flags.events } : {}),
    json: flags.json === true,
    dryRun: flags.dryRun === true,
    target,
  };
}

/** Parses `leadscore import <file.csv> [options]` (without the program); a UsageError says what is wrong. */
export function parseImportArgs(args: string[]): ImportOptions {
  const { args: parsed, options } = parseCommandLine(defineImportCommand(), args);
  return importOptionsOf(String(parsed[0]), options as ImportFlags);
}

/**
 * Runs at most `limit` tasks at once. `run` resolves when the task has *started*, so a reader
 * that awaits it never gets ahead of the store by more than `limit` items. Tasks with the same
 * key run one after the other (events of one lead: no contention on its record).
 */
export class BoundedPool {
  private running = 0;
  private readonly wakers: (() => void)[] = [];
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly limit: number) {}

  private async freeSlot(): Promise<void> {
    while (this.running >= this.limit) await new Promise<void>((resolve) => this.wakers.push(resolve));
  }

  /** Starts `task` once a slot is free; the task must handle its own errors. */
  async run(task: () => Promise<void>, key?: string): Promise<void> {
    await this.freeSlot();
    this.running++;
    const before = key === undefined ? undefined : this.tails.get(key);
    const done: Promise<void> = (before ?? Promise.resolve()).then(task).finally(() => {
      this.running--;
      if (key !== undefined && this.tails.get(key) === done) this.tails.delete(key);
      this.wakers.shift()?.();
    });
    if (key !== undefined) this.tails.set(key, done);
  }

  /** Resolves when every task started has finished. */
  async drain(): Promise<void> {
    while (this.running > 0) await new Promise<void>((resolve) => this.wakers.push(resolve));
  }
}

/** The `\r` line on a terminal's stderr while an import runs; silent elsewhere and with --json. */
class Progress {
  private last = 0;
  constructor(
    private readonly enabled: boolean,
    private readonly startedAt: number,
  ) {}

  update(summary: ImportSummary): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < PROGRESS_EVERY_MS) return;
    this.last = now;
    const { read, stored, skipped, eventsRead } = summary.progress;
    const perSecond = Math.round(read / Math.max((now - this.startedAt) / 1000, 0.001));
    const n = (x: number) => x.toLocaleString('en-US');
    const events = eventsRead > 0 ? `, ${n(eventsRead)} events` : '';
    process.stderr.write(
      `\r${n(read)} rows read, ${n(stored)} imported, ${n(skipped)} skipped, ${n(perSecond)} rows/s${events}\x1b[K`,
    );
  }

  done(): void {
    if (this.enabled && this.last > 0) process.stderr.write('\r\x1b[K');
  }
}

async function checkReadable(path: string, what: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw new CliError(`cannot read ${what} ${path}: not a file`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function csvProblem(error: unknown, file: string): string {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return `CSV error in ${file}${line ? ` at line ${line}` : ''}: ${error.message}`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  return `cannot read ${file}: ${code ?? messageOf(error)}`;
}

/**
 * One line of an `--events` file as an IngestEvent, converted as POST /v1/events does (its
 * `eventId`, else a hash of its content, so that a re-run stores nothing twice; trusted), or
 * its problems by field. An imported event must say when it happened (`occurredAt`).
 */
export function eventFromLine(text: string, now: number): { event: IngestEvent } | { problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problems: [`not JSON (${messageOf(error)})`] };
  }
  const parsed = simulatedEventSchema.safeParse(json);
  if (!parsed.success)
    return { problems: zodFieldIssues(parsed.error).map((f) => `${f.field}: ${f.message}`) };
  const e = parsed.data;
  if (e.occurredAt === undefined) return { problems: ['occurredAt: required in an imported event'] };
  const occurredAt = parseInstant(e.occurredAt);
  if (occurredAt > now + FUTURE_TOLERANCE_MS) return { problems: ['occurredAt: is in the future'] };
  const eventId =
    e.eventId ??
    contentEventId({
      email: e.email?.toLowerCase(),
      leadId: e.leadId,
      anonymousId: e.anonymousId,
      type: e.type,
      occurredAt: e.occurredAt,
      attributes: e.attributes,
      receivedAt: null,
      ...(e.profile ? { profile: e.profile } : {}),
    });
  return {
    event: {
      eventId,
      ...(e.email ? { email: e.email } : {}),
      ...(e.leadId ? { leadId: e.leadId } : {}),
      ...(e.anonymousId ? { anonymousId: e.anonymousId } : {}),
      type: e.type,
      occurredAt,
      attributes: e.attributes,
      ...(e.profile ? { profile: e.profile } : {}),
      trusted: true,
    },
  };
}

interface Run {
  readonly options: ImportOptions;
  readonly summary: ImportSummary;
  readonly progress: Progress;
  readonly sink: ImportSink | undefined;
  readonly startedAt: number;
}

/** Streams the rows after the header into the sink; returns why it stopped early, if it did. */
async function importRows(
  run: Run,
  plan: ColumnPlan,
  rows: AsyncIterator<CsvRow>,
): Promise<string | undefined> {
  const { summary, sink } = run;
  const pool = new BoundedPool(IN_FLIGHT);
  const seen = new SeenLeads();
  const duplicate = plan.identity.synthetic ? 'duplicate id' : 'duplicate email';
  let consecutiveFailures = 0;
  let lastFailure = '';
  try {
    for (;;) {
      let next: IteratorResult<CsvRow>;
      try {
        next = await rows.next();
      } catch (error) {
        return csvProblem(error, run.options.file);
      }
      if (next.done) return undefined;
      const row = next.value.info.records;
      summary.rowRead();
      run.progress.update(summary);
      const result = rowToLead(plan, next.value.record, run.startedAt);
      if ('skip' in result) {
        summary.skip(row, result.skip);
        continue;
      }
      if (!seen.add(result.lead.email)) {
        summary.skip(row, duplicate);
        continue;
      }
      summary.accept(result.lead, result.droppedValues);
      if (!sink) continue;
      if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES)
        return `the store failed ${consecutiveFailures} times in a row (last: ${lastFailure}); re-run the import when it is back (nothing is stored twice)`;
      const { lead } = result;
      await pool.run(async () => {
        try {
          summary.stored(await sink.importLead(lead));
          consecutiveFailures = 0;
        } catch (error) {
          lastFailure = messageOf(error);
          consecutiveFailures++;
          summary.storeFailed(row, lastFailure);
        }
      });
    }
  } finally {
    await pool.drain();
  }
}

/** Streams an NDJSON events file line by line into the sink (events of one lead in order). */
async function importEvents(run: Run, file: string): Promise<string | undefined> {
  const { summary, sink } = run;
  summary.eventsFrom(file);
  const pool = new BoundedPool(IN_FLIGHT);
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      summary.eventRead();
      run.progress.update(summary);
      const parsed = eventFromLine(text, run.startedAt);
      if ('problems' in parsed) {
        summary.eventRejected(line, parsed.problems);
        continue;
      }
      summary.eventValid();
      if (!sink) continue;
      const at = line;
      const { event } = parsed;
      await pool.run(async () => {
        try {
          const result = await sink.importEvent(event);
          if (typeof result === 'string') summary.eventStored(result);
          else summary.eventRejected(at, [`${result.field}: ${result.rejected}`]);
        } catch (error) {
          summary.eventFailed(at, messageOf(error));
        }
      }, identityKey(event));
    }
    return undefined;
  } catch (error) {
    return `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`;
  } finally {
    lines.close();
    input.destroy();
    await pool.drain();
  }
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The summary an operator reads after an import. */
export function formatImportReport(report: ImportReport): string {
  const { rows, outcomes, events } = report;
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  const lines = [
    report.dryRun
      ? `Dry run of ${report.file} (nothing written) in ${seconds} s`
      : `Imported ${report.file} into ${report.target} in ${seconds} s`,
    `Rows: ${rows.read} read, ${rows.valid} valid, ${rows.imported} imported, ${rows.unchanged} unchanged (already imported), ${rows.skipped} skipped` +
      (rows.failed > 0 ? `, ${rows.failed} not stored` : ''),
  ];
  for (const { reason, count, rows: at } of report.skipped)
    lines.push(`  skipped ${count}: ${reason} (row ${at.join(', ')}${count > at.length ? ', …' : ''})`);
  for (const { row, error } of report.failures) lines.push(`  not stored: row ${row}: ${error}`);
  lines.push(`Outcomes: ${outcomes.converted} converted, ${outcomes.lost} lost, ${outcomes.none} without`);
  lines.push(`Attributes: ${plural(report.attributes.length, 'column')}`);
  const nameOf = (a: ImportReport['attributes'][number]) =>
    a.field === a.column ? a.column : `${a.column} → ${a.field}`;
  const width = Math.max(0, ...report.attributes.map((a) => nameOf(a).length));
  for (const a of report.attributes) {
    const dropped = Object.entries(a.dropped).map(([reason, n]) => `, ${n} dropped (${reason})`);
    lines.push(
      `  ${nameOf(a).padEnd(width)}  ${a.kind.padEnd(7)}  ${plural(a.numeric + a.text, 'value')}, ${a.missing} missing${dropped.join('')}`,
    );
  }
  if (report.droppedColumns.length > 0) {
    lines.push(`Dropped columns: ${report.droppedColumns.length}`);
    for (const { column, reason } of report.droppedColumns)
      lines.push(`  ${JSON.stringify(column)}: ${reason}`);
  }
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  if (events) {
    lines.push(
      `Events: ${events.read} read, ${events.imported} imported, ${events.duplicate} duplicate, ${events.rejected} rejected` +
        (events.failed > 0 ? `, ${events.failed} not stored` : '') +
        (report.dryRun ? ` (${events.valid} valid)` : ''),
    );
    for (const problem of events.problems) lines.push(`  ${problem}`);
    if (events.rejected + events.failed > events.problems.length) lines.push('  …');
  }
  if (report.stoppedBecause) lines.push(`Stopped: ${report.stoppedBecause}`);
  return lines.join('\n');
}

/** Exit code: 1 when the import stopped early, some lead or event was not stored, or nothing was. */
function exitCodeOf(report: ImportReport): number {
  const stored = report.dryRun ? report.rows.valid : report.rows.imported + report.rows.unchanged;
  const failed = report.rows.failed + (report.events?.failed ?? 0);
  return !report.complete || failed > 0 || stored === 0 ? 1 : 0;
}

/** `leadscore import <file.csv> [...]` from its arguments (see runImport). */
export async function importCommand(args: string[], openSink: OpenSink): Promise<number> {
  return runImport(parseImportArgs(args), openSink);
}

/**
 * `leadscore import <file.csv> [...]` (PRODUCT §6.2a): streams a CRM export into the sink, at
 * most IN_FLIGHT leads at a time, then the optional `--events` file, and prints the summary
 * (`--json`: as one JSON object). The sink is opened only after the header checks out, and not
 * at all with `--dry-run`.
 */
export async function runImport(options: ImportOptions, openSink: OpenSink): Promise<number> {
  await checkReadable(options.file, 'the CSV file');
  if (options.events !== undefined) await checkReadable(options.events, 'the events file');
  const startedAt = Date.now();

  const parser = csvParser();
  pipeline(createReadStream(options.file), parser, () => {});
  const rows = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRow>;
  let handle: SinkHandle | undefined;
  try {
    let header: IteratorResult<CsvRow>;
    try {
      header = await rows.next();
    } catch (error) {
      throw new CliError(csvProblem(error, options.file));
    }
    if (header.done) throw new CliError(`${options.file} is empty: no header row`);
    const planned = planColumns(header.value.record, options);
    if ('error' in planned) throw new CliError(`${options.file}: ${planned.error}`);

    handle = options.dryRun ? undefined : await openSink(options.target);
    const summary = new ImportSummary(planned.plan);
    const progress = new Progress(process.stderr.isTTY === true && !options.json, startedAt);
    const run: Run = { options, summary, progress, sink: handle?.sink, startedAt };
    let stoppedBecause = await importRows(run, planned.plan, rows);
    if (stoppedBecause === undefined && options.events !== undefined)
      stoppedBecause = await importEvents(run, options.events);
    progress.done();

    const report = summary.report({
      file: options.file,
      target: handle?.describe ?? null,
      dryRun: options.dryRun,
      ...(stoppedBecause !== undefined ? { stoppedBecause } : {}),
      elapsedMs: Date.now() - startedAt,
    });
    console.log(options.json ? JSON.stringify(report, null, 2) : formatImportReport(report));
    return exitCodeOf(report);
  } finally {
    parser.destroy();
    await handle?.close();
  }
}
