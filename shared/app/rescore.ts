import type { ClientConfig } from '#shared/config/schema.ts';
import { classify, observe, replay } from '#shared/scoring/engine.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import type { LeadState } from '#shared/scoring/types.ts';
import { type LeadItem, stateOf } from '#shared/store/lead-item.ts';
import type { EventItem, LeadRepository } from '#shared/store/lead-repository.ts';
import { slicesOf } from '#shared/store/partition-scan.ts';
import { writtenBack } from './decay.ts';
import { scannedEventsOf, storedEventsOf } from './ingest.ts';

const MAX_ATTEMPTS = 10;
const JOB = 'rescore';
/** Leads of one scan page refolded and written at once, per segment: writes overlap. */
const LEADS_IN_FLIGHT = 4;

export interface RescoreContext {
  readonly repo: LeadRepository;
  readonly config: ClientConfig;
  readonly model: CompiledModel;
}

export interface RescoreOptions {
  /** Parallel scan segments (Scan's Segment/TotalSegments), each a worker. Default 4. */
  readonly segments?: number;
  /** Write budget: the job sleeps to keep its write capacity units per second under this. */
  readonly maxWcuPerSecond?: number;
  /** Publish the changes (as `cause: "rescore"` events). Default false: no alert, no event. */
  readonly notify?: boolean;
  /** Ignore a saved checkpoint and start over (still safe: unchanged leads are not written). */
  readonly restart?: boolean;
  /** Stop (leaving the checkpoint) once this returns false. */
  readonly keepGoing?: () => boolean;
  /**
   * The segments this run works on (default: all of them): so that N Lambda invocations, or a
   * Step Functions map, can share one rescore of a large table.
   */
  readonly only?: readonly number[];
  /** Items a scan page examines (events included); DynamoDB's 1 MB page by default. */
  readonly pageSize?: number;
  /** Called after each page of leads. */
  readonly onProgress?: (progress: RescoreProgress) => void;
}

export interface RescoreProgress {
  readonly leads: number;
  readonly changed: number;
  readonly segmentsDone: number;
  readonly segments: number;
}

export interface RescoreChange {
  readonly leadId: string;
  readonly fromScore: number;
  readonly toScore: number;
  readonly fromSegment: string;
  readonly toSegment: string;
}

export interface RescoreReport {
  readonly modelVersion: string;
  readonly segments: number;
  /** Lead items read in this run (anonymous visitors included). */
  readonly leads: number;
  /** Leads written: their state under the model differs from what was stored. */
  readonly rescored: number;
  readonly unchanged: number;
  /** Leads whose score, segment or thresholds moved (the first 100). */
  readonly changes: readonly RescoreChange[];
  readonly changedCount: number;
  readonly eventsEmitted: number;
  readonly failed: readonly { leadId: string; error: string }[];
  /** Write capacity units the job's lead writes consumed (indexes included). */
  readonly wcu: number;
  readonly seconds: number;
  /** True when every segment was finished (the checkpoint then says so: a re-run does nothing). */
  readonly complete: boolean;
  /**
   * True when the run stopped early (`keepGoing` said so) with pages left: run again to go on.
   * False when every segment it took reached its end, failed leads or not.
   */
  readonly interrupted: boolean;
  /** True when the run continued from a saved checkpoint. */
  readonly resumed: boolean;
}

/** Where one scan segment got to, saved after each page it finished. */
interface SegmentCheckpoint {
  readonly cursor?: Record<string, unknown>;
  readonly done: boolean;
  readonly leads: number;
  readonly rescored: number;
}

/** A token bucket over write capacity units: spending past the budget sleeps it off. */
class WriteBudget {
  #debt = 0;
  #last = performance.now();
  constructor(private readonly perSecond: number | undefined) {}

  async spend(units: number): Promise<void> {
    const rate = this.perSecond;
    if (rate === undefined) return;
    const now = performance.now();
    this.#debt = Math.max(0, this.#debt - ((now - this.#last) / 1000) * rate) + units;
    this.#last = now;
    const overdue = this.#debt - rate; // one second of burst
    if (overdue > 0) await new Promise((r) => setTimeout(r, (overdue / rate) * 1000));
  }
}

/** The fold part of a state (what a replay recomputes): did the rescore change anything. */
const foldOf = (state: LeadState) => JSON.stringify({ ...state, reported: null });

/**
 * Rescore (PRODUCT §6.5): every lead refolded from its stored events under the configured model
 * and written back where anything changed, by `segments` parallel scan workers within a write
 * budget. Resumable (each segment saves its cursor after every page, per model version) and
 * safe to run twice (a lead whose refold equals what is stored is not written). Changes are
 * flagged on the lead (`rescored`) and publish nothing unless `notify`, then as `cause:
 * "rescore"` events through the outbox.
 */
export async function runRescore(
  ctx: RescoreContext,
  now: number,
  options: RescoreOptions = {},
): Promise<RescoreReport> {
  const started = performance.now();
  const segments = options.segments ?? 4;
  const budget = new WriteBudget(options.maxWcuPerSecond);
  const keepGoing = options.keepGoing ?? (() => true);
  const totals = { leads: 0, rescored: 0, unchanged: 0, changedCount: 0, eventsEmitted: 0, wcu: 0 };
  const changes: RescoreChange[] = [];
  const failed: { leadId: string; error: string }[] = [];
  let resumed = false;
  let segmentsDone = 0;
  let stopped = false;

  /** One slice of a worker's segment: scanned from its checkpoint to its end. */
  const slice = async (scanSegment: number, totalSegments: number): Promise<'done' | 'stopped'> => {
    const key = `${ctx.model.version}#${scanSegment}/${totalSegments}`;
    let checkpoint: SegmentCheckpoint = { done: false, leads: 0, rescored: 0 };
    if (!options.restart) {
      const saved = await ctx.repo.jobCheckpoint<SegmentCheckpoint>(JOB, key);
      if (saved) {
        checkpoint = saved;
        resumed = true;
      }
    }
    if (checkpoint.done) return 'done';
    if (!keepGoing()) return 'stopped';
    const pages = ctx.repo.leadPartitions(scanSegment, totalSegments, checkpoint.cursor, options.pageSize);
    for await (const page of pages) {
      let pageRescored = 0;
      await inParallel(page.partitions, LEADS_IN_FLIGHT, async ({ lead, events }) => {
        totals.leads++;
        try {
          const outcome = await rescoreLead(ctx, lead, events, now, options.notify === true, budget);
          totals.wcu += outcome.wcu;
          if (outcome.written) {
            totals.rescored++;
            pageRescored++;
          } else totals.unchanged++;
          totals.eventsEmitted += outcome.events;
          if (outcome.change) {
            totals.changedCount++;
            if (changes.length < 100) changes.push(outcome.change);
          }
        } catch (error) {
          failed.push({ leadId: lead.leadId, error: (error as Error).message ?? String(error) });
        }
      });
      const cursor = page.resumeKey;
      checkpoint = {
        ...(cursor ? { cursor } : {}),
        done: page.finished,
        leads: checkpoint.leads + page.partitions.length,
        rescored: checkpoint.rescored + pageRescored,
      };
      await ctx.repo.saveJobCheckpoint(JOB, key, checkpoint);
      options.onProgress?.({ leads: totals.leads, changed: totals.changedCount, segmentsDone, segments });
      if (!checkpoint.done && !keepGoing()) return 'stopped';
    }
    return 'done';
  };

  const worker = async (segment: number) => {
    for (const { scanSegment, totalSegments } of slicesOf(segment, segments)) {
      if ((await slice(scanSegment, totalSegments)) === 'stopped') {
        stopped = true;
        return;
      }
    }
    segmentsDone++;
  };
  const mine = options.only ?? Array.from({ length: segments }, (_, segment) => segment);
  if (mine.some((segment) => !Number.isInteger(segment) || segment < 0 || segment >= segments))
    throw new RangeError(`segments to run must be in 0..${segments - 1} (got ${mine.join(', ')})`);
  await Promise.all(mine.map((segment) => worker(segment)));
  return {
    modelVersion: ctx.model.version,
    segments,
    ...totals,
    changes,
    failed,
    seconds: (performance.now() - started) / 1000,
    complete: !stopped && failed.length === 0,
    interrupted: stopped,
    resumed,
  };
}

/** One lead refolded under the model; written only when its state changed. */
async function rescoreLead(
  ctx: RescoreContext,
  first: LeadItem,
  scannedEvents: readonly EventItem[],
  now: number,
  notify: boolean,
  budget: WriteBudget,
): Promise<{ written: boolean; wcu: number; events: number; change: RescoreChange | null }> {
  let item: LeadItem | undefined = first;
  let wcu = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && item; attempt++) {
    if (item.mergedInto) return { written: false, wcu, events: 0, change: null };
    const stored = stateOf(item);
    // The scan read the lead's own partition; a lead read again after a conflict is queried.
    const events =
      item === first
        ? await scannedEventsOf(ctx.repo, item, scannedEvents, stored.eventCount)
        : await storedEventsOf(ctx.repo, item.leadId, item.anonymousIds ?? []);
    const refolded = replay(stored, events, ctx.model);
    // Unchanged: the same fold under the same model version (a re-run, or a model that changes
    // nothing for this lead). Decay since the last report is the decay job's, not a rescore's.
    if (stored.modelVersion === ctx.model.version && foldOf(refolded) === foldOf(stored))
      return { written: false, wcu, events: 0, change: null };
    const before = classify(stored, ctx.model, now);
    const { state, changes } = observe(refolded, ctx.model, now);
    const after = classify(state, ctx.model, now);
    const round2 = (n: number) => Math.round(n * 100) / 100;
    const moved =
      round2(before.breakdown.total) !== round2(after.breakdown.total) ||
      before.segment !== after.segment ||
      before.grade !== after.grade;
    const { next, events: outbox } = writtenBack(ctx, item, state, changes, now, 'rescore', !notify);
    if (moved)
      next.rescored = {
        at: new Date(now).toISOString(),
        fromModelVersion: stored.modelVersion,
        fromScore: round2(before.breakdown.total),
      };
    else if (item.rescored) next.rescored = item.rescored;
    const result = await ctx.repo.replaceLeadMetered(next, item.version);
    wcu += result.wcu;
    await budget.spend(result.wcu);
    if (result.replaced) {
      return {
        written: true,
        wcu,
        events: outbox.length,
        change: moved
          ? {
              leadId: item.leadId,
              fromScore: round2(before.breakdown.total),
              toScore: round2(after.breakdown.total),
              fromSegment: before.segment,
              toSegment: after.segment,
            }
          : null,
      };
    }
    item = await ctx.repo.getLead(first.leadId); // a writer got there first: read again
  }
  if (!item) return { written: false, wcu, events: 0, change: null };
  throw new Error(`lead ${first.leadId} stayed contended for ${MAX_ATTEMPTS} attempts`);
}

/** Runs `work` over `items` with at most `limit` at once; resolves when all are done. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
