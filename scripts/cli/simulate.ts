import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import * as z from 'zod';
import { renderBacktestHtml } from '#scripts/report/render-backtest.ts';
import { incomingEventSchema } from '#shared/api/events.ts';
import type { BacktestReport } from '#shared/app/backtest.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { foldEvents, observe } from '#shared/scoring/engine.ts';
import { explain, topReasons } from '#shared/scoring/explain.ts';
import { parseInstant } from '#shared/scoring/instant.ts';
import { compileModel } from '#shared/scoring/model.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { leadIdFor, normaliseEmail } from '#shared/store/identity.ts';
import { clientsDir } from './paths.ts';
import { type TargetOptions, withTarget } from './target.ts';
import {
  addExamples,
  addTargetOptions,
  CliError,
  clientOf,
  clientOption,
  integerArg,
  isoTimeArg,
  jsonOption,
  UsageError,
} from './usage.ts';

/** One line of an events file: an event as POST /v1/events takes it, plus the profile a form brings. */
export const simulatedEventSchema = incomingEventSchema.safeExtend({
  profile: z.record(z.string().min(1).max(64), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
type SimulatedEvent = z.infer<typeof simulatedEventSchema>;

export interface RankedLead {
  readonly rank: number;
  readonly leadId: string;
  readonly email: string | null;
  readonly score: number;
  readonly segment: string;
  readonly grade: string;
  readonly lifecycle: string;
  readonly reasons: readonly string[];
}

export interface Simulation {
  readonly at: string;
  readonly modelVersion: string;
  readonly events: number;
  readonly ranked: readonly RankedLead[];
  /** Lines that are not valid events: `line N: field: message`. */
  readonly rejected: readonly string[];
  /** Events of anonymous visitors never identified in the file (not ranked, as in the API). */
  readonly anonymousEvents: number;
  /** Events after `at`, left out. */
  readonly laterEvents: number;
}

interface Parsed {
  readonly line: number;
  readonly event: SimulatedEvent;
}

/** Parses NDJSON lines; blank lines are skipped, bad ones reported by line and field. */
function parseLines(text: string): { parsed: Parsed[]; rejected: string[] } {
  const parsed: Parsed[] = [];
  const rejected: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const line = index + 1;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      rejected.push(`line ${line}: not JSON (${(error as Error).message})`);
      return;
    }
    const result = simulatedEventSchema.safeParse(json);
    if (result.success) parsed.push({ line, event: result.data });
    else
      for (const issue of result.error.issues)
        rejected.push(`line ${line}: ${issue.path.join('.') || '(event)'}: ${issue.message}`);
  });
  return { parsed, rejected };
}

/**
 * The lead an event counts for, as the store resolves identity (PRODUCT §3.3): the email's lead;
 * an anonymous visitor's events go to the lead whose event carried the same anonymousId.
 */
function leadOf(event: SimulatedEvent, identified: ReadonlyMap<string, string>): string | null {
  if (event.email) return leadIdFor(event.email);
  if (event.leadId) return event.leadId;
  return identified.get(event.anonymousId ?? '') ?? null;
}

/** Scores the events of an NDJSON file in memory and ranks the leads by their score at `at`. */
export function simulate(text: string, config: ClientConfig, at: number): Simulation {
  const model = compileModel(config);
  const { parsed, rejected } = parseLines(text);
  const identified = new Map<string, string>();
  const emails = new Map<string, string>();
  for (const { event } of parsed) {
    if (!event.email) continue;
    emails.set(leadIdFor(event.email), normaliseEmail(event.email));
    if (event.anonymousId) identified.set(event.anonymousId, leadIdFor(event.email));
  }
  const timeOf = (e: SimulatedEvent) => (e.occurredAt ? parseInstant(e.occurredAt) : at);
  const ordered = [...parsed].sort((a, b) => timeOf(a.event) - timeOf(b.event) || a.line - b.line);
  const eventsByLead = new Map<string, ScoringEvent[]>();
  let anonymousEvents = 0;
  let laterEvents = 0;
  let events = 0;
  for (const { line, event } of ordered) {
    const occurredAt = timeOf(event);
    if (occurredAt > at) {
      laterEvents++;
      continue;
    }
    const leadId = leadOf(event, identified);
    if (leadId === null) {
      anonymousEvents++;
      continue;
    }
    const scoring: ScoringEvent = {
      id: event.eventId ?? `line-${line}`,
      type: event.type,
      occurredAt,
      attributes: event.attributes,
      ...(event.profile ? { profile: event.profile } : {}),
    };
    const forLead = eventsByLead.get(leadId);
    if (forLead) forLead.push(scoring);
    else eventsByLead.set(leadId, [scoring]);
    events++;
  }
  // Each lead's events folded in event-time order, whatever their order in the file.
  const ranked = [...eventsByLead]
    .map(([leadId, leadEvents]) => observe(foldEvents(leadId, leadEvents, model), model, at).state)
    .sort((a, b) => b.reported.score - a.reported.score || (a.leadId < b.leadId ? -1 : 1))
    .map((state, index) => ({
      rank: index + 1,
      leadId: state.leadId,
      email: emails.get(state.leadId) ?? null,
      score: Math.round(state.reported.score * 10) / 10,
      segment: state.reported.segment ?? '',
      grade: state.reported.grade ?? '',
      lifecycle: state.lifecycle,
      reasons: topReasons(explain(state, model, at)),
    }));
  return {
    at: new Date(at).toISOString(),
    modelVersion: model.version,
    events,
    ranked,
    rejected,
    anonymousEvents,
    laterEvents,
  };
}

/** Renders rows as left-aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

function report(simulation: Simulation, client: string, limit: number): string {
  const { ranked } = simulation;
  const lines = [
    `Scored ${simulation.events} event(s) for ${ranked.length} lead(s) at ${simulation.at} ` +
      `(client ${client}, model ${simulation.modelVersion})`,
  ];
  if (simulation.laterEvents > 0) lines.push(`Left out ${simulation.laterEvents} event(s) after --at.`);
  if (simulation.anonymousEvents > 0)
    lines.push(`Left out ${simulation.anonymousEvents} event(s) of anonymous visitors never identified.`);
  const rows = ranked
    .slice(0, limit)
    .map((l) => [
      String(l.rank),
      l.score.toFixed(1),
      l.segment,
      l.grade,
      l.email ?? l.leadId,
      l.reasons.join('; ') || '-',
    ]);
  if (rows.length === 0) lines.push('No leads to rank.');
  else lines.push('', table([['#', 'score', 'segment', 'grade', 'lead', 'top reasons'], ...rows]));
  if (ranked.length > limit) lines.push(`… and ${ranked.length - limit} more (--limit)`);
  return lines.join('\n');
}

export interface SimulateOptions extends TargetOptions {
  /** The NDJSON file; without one, the stored events of the table (with --model). */
  readonly events?: string | undefined;
  /** A candidate client configuration (a file): score with it, and compare with the current one. */
  readonly model?: string | undefined;
  /** Write the backtest as one HTML page here. */
  readonly html?: string | undefined;
  readonly client?: string | undefined;
  /** Score as of this instant (ms); default now. */
  readonly at?: number | undefined;
  readonly limit: number;
  readonly json?: boolean | undefined;
}

/** `leadscore simulate --events <file>`: its options and help. */
export function defineSimulateCommand(): Command {
  const command = new Command('simulate')
    .summary('score an NDJSON events file in memory')
    .description(
      "Scores an NDJSON events file in memory with the client's model (no AWS, no table) and prints the " +
        'leads ranked by score with segment, grade and top reasons. One event per line, as posted to ' +
        'POST /v1/events, plus an optional "profile" object (the fields a form brings). Exits 1 when a ' +
        'line is not a valid event (each is named by line and field on stderr).',
    )
    .option(
      '--events <file.ndjson>',
      'the events, one JSON object per line (else the stored events, with --model)',
    )
    .option(
      '--model <candidate.yaml>',
      'a candidate client configuration: with --events, score the file with it; without, replay every stored lead under it and compare with the current model (what-if and backtest; nothing is written)',
    )
    .option('--html <file.html>', 'with --model and no --events: also write the comparison as one HTML page')
    .addOption(clientOption())
    .option(
      '--at <time>',
      'score as of this ISO 8601 instant; later events are left out (default: now)',
      isoTimeArg,
    )
    .option(
      '--limit <n>',
      'leads to print',
      integerArg((n) => n >= 1, 'a positive integer'),
      50,
    )
    .addOption(jsonOption('the whole simulation (every lead, the rejected lines), or the backtest'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore simulate --model candidate.yaml',
    'leadscore simulate --model candidate.yaml --html whatif.html --json',
    'leadscore simulate --events test/fixtures/cli/events.ndjson --at 2026-11-04T00:00:00Z',
    'leadscore simulate --events month.ndjson --client acme --limit 10',
    'leadscore simulate --events month.ndjson --json',
  ]);
}

/** `leadscore simulate --events <file> [--client] [--at] [--limit] [--json]`. */
export function simulateCommand(options: SimulateOptions): number | Promise<number> {
  const { events } = options;
  if (events === undefined) {
    if (options.model === undefined)
      throw new UsageError(
        'simulate needs --events <file.ndjson>, or --model <candidate.yaml> to backtest the stored leads',
      );
    return backtestCommand(options, options.model);
  }
  if (options.html !== undefined) throw new UsageError('--html is for a backtest (--model without --events)');
  const config =
    options.model === undefined
      ? loadClientConfig(clientOf(options.client), clientsDir())
      : loadClientConfig(options.model, clientsDir());
  let text: string;
  try {
    text = readFileSync(events, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${events}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const simulation = simulate(text, config, options.at ?? Date.now());
  for (const problem of simulation.rejected) console.error(problem);
  console.log(
    options.json ? JSON.stringify(simulation, null, 2) : report(simulation, config.client, options.limit),
  );
  return simulation.rejected.length > 0 ? 1 : 0;
}

const f1 = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toFixed(3));

/** The backtest as an operator reads it. */
export function formatBacktest(report: BacktestReport, where: string): string {
  const lines = [
    `What if: model ${report.currentVersion} → ${report.candidateVersion} on ${where}, as of ${report.at} (nothing written)`,
    `Leads: ${report.leads}; change segment: ${report.changedSegment}; change grade: ${report.changedGrade}`,
    `MQLs (${report.mqlThreshold ?? 'none'}): ${report.newMqls} new, ${report.lostMqls} lost`,
    ...report.segmentMoves.map((m) => `  ${m.from} → ${m.to}: ${m.leads}`),
  ];
  if (report.topMovers.length > 0) lines.push('Top movers:');
  for (const m of report.topMovers) {
    const diff = m.diff
      .slice(0, 3)
      .map((d) => `${d.ruleId} ${d.current} → ${d.candidate}`)
      .join('; ');
    lines.push(
      `  ${m.email ?? m.leadId}  ${m.current.score} → ${m.candidate.score}  (${m.current.segment} → ${m.candidate.segment})  ${diff}`,
    );
  }
  if (report.outcomes) {
    const { current, candidate } = report.outcomes;
    const ci = (r: typeof current) =>
      r.auc.interval ? ` [${f1(r.auc.interval.lower)}–${f1(r.auc.interval.upper)}]` : '';
    lines.push(
      `Backtest on ${current.counts.labelled} leads with an outcome: AUC ${f1(current.auc.value)}${ci(current)} → ${f1(candidate.auc.value)}${ci(candidate)}`,
      'Conversion by score band (current → candidate):',
      ...current.bands.map((b, i) => {
        const c = candidate.bands[i];
        const rate = (r: number | null | undefined) =>
          r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`;
        return `  ${String(b.band).padStart(2)}  ${rate(b.rate)} → ${rate(c?.rate)}`;
      }),
    );
  } else lines.push('No outcomes yet: no backtest (record outcomes or import a CRM history).');
  return lines.join('\n');
}

/** `simulate --model <candidate.yaml>` without an events file: what-if and backtest on the table. */
async function backtestCommand(options: SimulateOptions, modelFile: string): Promise<number> {
  const candidate = loadClientConfig(modelFile, clientsDir());
  const log = options.json ? () => {} : (line: string) => console.error(line);
  return withTarget(options, log, async (target) => {
    if (candidate.client !== target.app.config.client)
      throw new CliError(
        `${modelFile} is for client ${candidate.client}, the table for ${target.app.config.client}`,
      );
    const report = await target.app.backtest(candidate, options.at ?? Date.now());
    if (options.html !== undefined)
      await writeFile(resolve(options.html), renderBacktestHtml(report, candidate.client));
    console.log(options.json ? JSON.stringify(report, null, 2) : formatBacktest(report, target.describe));
    return 0;
  });
}
