import type { ClientConfig } from '#shared/config/schema.ts';
import type { OutgoingEvent } from '#shared/events/contracts.ts';
import { outgoingEvents } from '#shared/events/outgoing.ts';
import { observe } from '#shared/scoring/engine.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { routeFor } from '#shared/scoring/routing.ts';
import type { LeadState, ScoreChanges } from '#shared/scoring/types.ts';
import { type LeadItem, stateOf, toLeadItem } from '#shared/store/lead-item.ts';
import type { LeadRepository } from '#shared/store/lead-repository.ts';

const DAY_MS = 86_400_000;
/** Days looked back on the first run (no checkpoint yet). */
export const FIRST_RUN_LOOKBACK_DAYS = 31;
const PAGE = 100;
const MAX_ATTEMPTS = 10;

export interface DecayContext {
  readonly repo: LeadRepository;
  readonly config: ClientConfig;
  readonly model: CompiledModel;
}

export interface DecayReport {
  readonly now: string;
  readonly days: readonly string[];
  /** Index entries read plus lead items read. */
  readonly itemsRead: number;
  readonly itemsWritten: number;
  /** Leads whose segment or threshold state changed, with what changed. */
  readonly changed: readonly { leadId: string; from: string | null; to: string; crossings: string[] }[];
  /** Events the changed leads emit (stored with them; the stream's consumer publishes them). */
  readonly eventsEmitted: number;
  /** Leads that failed (recorded, left due, retried on the next run); one never stops the run. */
  readonly failed: readonly { leadId: string; error: string }[];
  /** False when it stopped early (time budget) or a lead failed; the next run picks up from here. */
  readonly complete: boolean;
}

export interface DecayOptions {
  /** Stop before this returns false (e.g. the Lambda's remaining time); the rest stays due. */
  readonly keepGoing?: () => boolean;
  /**
   * The real time of the run (default: the clock), when `now` is simulated (`decay --now` a
   * later day). Leads are written at real times and fall due after their write, so a first run
   * looks back from the earlier of the two: a first run for a day two months ahead still finds
   * the leads that fell due before then.
   */
  readonly wallClock?: number;
}

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= Date.parse(`${toDay}T00:00:00Z`); t += DAY_MS)
    days.push(dayOf(t));
  return days;
}

/**
 * A lead re-evaluated at `now`: its new state, what changed, and the item to write back
 * (version bumped, re-indexed to its next change, with the events it emits). Pure; shared by
 * the job and its benchmark.
 */
export function reevaluate(ctx: Pick<DecayContext, 'config' | 'model'>, item: LeadItem, now: number) {
  const { state, changes } = observe(stateOf(item), ctx.model, now);
  const { next, events } = writtenBack(ctx, item, state, changes, now, 'decay');
  const moved = changes.segmentChange !== null || changes.thresholdCrossings.length > 0;
  return { state, changes, next, events, moved };
}

/**
 * The item a job writes back for a lead it re-evaluated (decay, rescore): version bumped,
 * routed and re-indexed to its next change, with the events its changes emit (`cause`), or
 * none when `silent`. Pure.
 */
export function writtenBack(
  ctx: Pick<DecayContext, 'config' | 'model'>,
  item: LeadItem,
  state: LeadState,
  changes: ScoreChanges,
  now: number,
  cause: string,
  silent = false,
): { next: LeadItem; events: OutgoingEvent[] } {
  const route = item.kind === 'lead' ? routeFor(state.profile, ctx.config) : null;
  const version = item.version + 1;
  const events =
    silent || item.kind !== 'lead'
      ? []
      : outgoingEvents({ state, changes, model: ctx.model, config: ctx.config, version, route, now, cause });
  const next = toLeadItem({
    state,
    kind: item.kind,
    version,
    route,
    nextChangeAt: nextChangeAt(state, ctx.model, now),
    createdAt: item.createdAt,
    now,
    outbox: events,
    ...(item.anonymousIds ? { anonymousIds: item.anonymousIds } : {}),
    ...(item.formRate ? { formRate: item.formRate } : {}),
  });
  return { next, events };
}

/**
 * The daily decay (PRODUCT §5): stores current decayed scores and, with them, the segment-change
 * and threshold events of the leads that moved (the stream's consumer puts them on the bus). It
 * reads only the leads due to change — each lead is indexed by the day its decayed score next
 * crosses a band or rearm line (byDueDay) — so its cost grows with the number of changes, not
 * with the table. Re-running for the same instant finds nothing left to do (processed leads are
 * re-indexed to their next change), which makes it safe to run twice and resumable. A lead that
 * fails is recorded and stays due; the run goes on and the next run retries it.
 */
export async function runDecay(
  ctx: DecayContext,
  now: number,
  options: DecayOptions = {},
): Promise<DecayReport> {
  const lookbackFrom = Math.min(now, options.wallClock ?? Date.now());
  const fromDay =
    (await ctx.repo.decayCheckpoint()) ?? dayOf(lookbackFrom - FIRST_RUN_LOOKBACK_DAYS * DAY_MS);
  const today = dayOf(now);
  // A manual run for an earlier --now starts at that day, not at a later checkpoint.
  const days = daysBetween([fromDay, today].sort()[0]!, today);
  const report = {
    itemsRead: 0,
    itemsWritten: 0,
    eventsEmitted: 0,
    changed: [] as { leadId: string; from: string | null; to: string; crossings: string[] }[],
    failed: [] as { leadId: string; error: string }[],
  };
  let complete = true;
  const keepGoing = options.keepGoing ?? (() => true);
  for (const day of days) {
    let cursor: Record<string, unknown> | undefined;
    do {
      if (!keepGoing()) {
        complete = false;
        break;
      }
      const page = await ctx.repo.dueLeads(day, cursor, PAGE);
      for (const entry of page.items) {
        report.itemsRead++;
        try {
          const outcome = await decayLead(ctx, entry.leadId, now);
          report.itemsRead += outcome.reads;
          report.itemsWritten += outcome.writes;
          report.eventsEmitted += outcome.events;
          if (outcome.change) report.changed.push(outcome.change);
        } catch (error) {
          report.failed.push({ leadId: entry.leadId, error: (error as Error).message ?? String(error) });
        }
      }
      cursor = page.cursor;
    } while (cursor);
    if (!complete) break;
  }
  if (report.failed.length > 0) complete = false;
  if (complete) await ctx.repo.saveDecayCheckpoint(today, new Date(now).toISOString());
  return { now: new Date(now).toISOString(), days, ...report, complete };
}

/** Re-evaluates one due lead and writes it back (optimistically; re-read on conflict). */
async function decayLead(ctx: DecayContext, leadId: string, now: number) {
  let reads = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const item = await ctx.repo.getLead(leadId);
    reads++;
    // Gone, merged, or not due yet (the index keeps the day, the item the instant).
    if (item?.kind !== 'lead' || item.nextChangeAt === undefined || Date.parse(item.nextChangeAt) > now) {
      return { reads, writes: 0, events: 0, change: null };
    }
    const { state, changes, next, events, moved } = reevaluate(ctx, item, now);
    if (!(await ctx.repo.replaceLead(next, item.version))) continue; // a writer got there first
    return {
      reads,
      writes: 1,
      events: events.length,
      change: moved
        ? {
            leadId,
            from: changes.segmentChange ? changes.segmentChange.from : state.reported.segment,
            to: state.reported.segment ?? '',
            crossings: changes.thresholdCrossings.map((c) => `${c.name}:${c.direction}`),
          }
        : null,
    };
  }
  throw new Error(`lead ${leadId} stayed contended for ${MAX_ATTEMPTS} attempts`);
}
