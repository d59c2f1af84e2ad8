import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { incomingEventSchema } from '#shared/api/events.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { foldEvents, observe } from '#shared/scoring/engine.ts';
import { explain, topReasons } from '#shared/scoring/explain.ts';
import { compileModel } from '#shared/scoring/model.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { leadIdFor, normaliseEmail } from '#shared/store/identity.ts';
import { CliError, clientOf, parseCommandArgs, UsageError } from './usage.ts';

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
  const timeOf = (e: SimulatedEvent) => (e.occurredAt ? Date.parse(e.occurredAt) : at);
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

const atSchema = z.iso.datetime({ offset: true });

/** `leadscore simulate --events <file> [--client] [--at] [--limit] [--json]`. */
export function simulateCommand(args: string[]): number {
  const { values } = parseCommandArgs(args, {
    events: { type: 'string' },
    client: { type: 'string' },
    at: { type: 'string' },
    limit: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
  });
  if (!values.events) throw new UsageError('simulate needs --events <file.ndjson>');
  if (values.at !== undefined && !atSchema.safeParse(values.at).success)
    throw new UsageError(
      `--at must be an ISO 8601 time with a zone, e.g. 2026-11-02T09:00:00Z (got "${values.at}")`,
    );
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer`);
  const client = clientOf(values.client);
  const config = loadClientConfig(client);
  let text: string;
  try {
    text = readFileSync(values.events, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${values.events}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const simulation = simulate(text, config, values.at ? Date.parse(values.at) : Date.now());
  for (const problem of simulation.rejected) console.error(problem);
  console.log(values.json ? JSON.stringify(simulation, null, 2) : report(simulation, config.client, limit));
  return simulation.rejected.length > 0 ? 1 : 0;
}
