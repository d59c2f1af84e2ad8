import { type DecayContext, reevaluate } from '#shared/app/decay.ts';

/** What the full-scan decay did, in the decay job's terms. */
export interface ScanDecayReport {
  /** Items the Scan read (DynamoDB's ScannedCount: the filter does not make them free). */
  readonly itemsScanned: number;
  readonly itemsWritten: number;
  readonly changed: readonly { leadId: string; from: string | null; to: string }[];
  /** Events the written leads emit (stored in their outbox, as the job's writes do). */
  readonly eventsEmitted: number;
}

/** A lead changed under the scan: nothing else writes during the bench, so this is a bug. */
export class ScanDecayConflictError extends Error {
  override name = 'ScanDecayConflictError';
}

export interface ScanDecayOptions {
  /**
   * Parallel scan segments (Scan's Segment / TotalSegments), each worked through by its own
   * worker. 1 is the plainest loop; more is what one would run to finish a big table in time.
   */
  readonly segments: number;
}

/**
 * The straightforward decay the real job is measured against (PRODUCT §5.2): Scan every lead
 * item (`repo.scanLeads`), observe it at `now`, write back (the job's versioned
 * `repo.replaceLead`, the events out in the item's outbox) the leads whose segment or threshold
 * state changed. Correct, but its cost is the table.
 */
export async function runDecayByScan(
  ctx: DecayContext,
  now: number,
  options: ScanDecayOptions = { segments: 1 },
): Promise<ScanDecayReport> {
  const reports = await Promise.all(
    Array.from({ length: options.segments }, (_, segment) =>
      scanSegment(ctx, now, segment, options.segments),
    ),
  );
  return {
    itemsScanned: reports.reduce((sum, r) => sum + r.itemsScanned, 0),
    itemsWritten: reports.reduce((sum, r) => sum + r.itemsWritten, 0),
    changed: reports.flatMap((r) => r.changed),
    eventsEmitted: reports.reduce((sum, r) => sum + r.eventsEmitted, 0),
  };
}

/** One segment of the scan (the whole table when `total` is 1), page after page. */
async function scanSegment(
  ctx: DecayContext,
  now: number,
  segment: number,
  total: number,
): Promise<ScanDecayReport> {
  let itemsScanned = 0;
  let itemsWritten = 0;
  let eventsEmitted = 0;
  const changed: { leadId: string; from: string | null; to: string }[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await ctx.repo.scanLeads(segment, total, cursor);
    itemsScanned += page.scanned;
    for (const item of page.items) {
      if (item.kind !== 'lead' || item.mergedInto) continue;
      const { state, changes, next, events, moved } = reevaluate(ctx, item, now);
      if (!moved) continue;
      if (!(await ctx.repo.replaceLead(next, item.version)))
        throw new ScanDecayConflictError(`lead ${item.leadId} changed during the scan`);
      itemsWritten++;
      changed.push({
        leadId: state.leadId,
        from: changes.segmentChange ? changes.segmentChange.from : state.reported.segment,
        to: next.segment,
      });
      eventsEmitted += events.length;
    }
    cursor = page.cursor;
  } while (cursor);
  return { itemsScanned, itemsWritten, changed, eventsEmitted };
}
