import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { reevaluate } from '#shared/store/decay-job.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import type { LeadStore } from '#shared/store/lead-store.ts';

/** What the full-scan decay did, in the decay job's terms. */
export interface ScanDecayReport {
  /** Items the Scan read (DynamoDB's ScannedCount: the filter does not make them free). */
  readonly itemsScanned: number;
  readonly itemsWritten: number;
  readonly changed: readonly { leadId: string; from: string | null; to: string }[];
  readonly eventsPublished: number;
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
 * item, observe it at `now`, write back (same versioned Put as the job) the leads whose segment
 * or threshold state changed, and publish the same events. Correct, but its cost is the table.
 */
export async function runDecayByScan(
  store: LeadStore,
  now: number,
  options: ScanDecayOptions = { segments: 1 },
): Promise<ScanDecayReport> {
  const reports = await Promise.all(
    Array.from({ length: options.segments }, (_, segment) =>
      scanSegment(store, now, segment, options.segments),
    ),
  );
  return {
    itemsScanned: reports.reduce((sum, r) => sum + r.itemsScanned, 0),
    itemsWritten: reports.reduce((sum, r) => sum + r.itemsWritten, 0),
    changed: reports.flatMap((r) => r.changed),
    eventsPublished: reports.reduce((sum, r) => sum + r.eventsPublished, 0),
  };
}

/** One segment of the scan (the whole table when `total` is 1), page after page. */
async function scanSegment(
  store: LeadStore,
  now: number,
  segment: number,
  total: number,
): Promise<ScanDecayReport> {
  let itemsScanned = 0;
  let itemsWritten = 0;
  let eventsPublished = 0;
  const changed: { leadId: string; from: string | null; to: string }[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new ScanCommand({
        TableName: store.tableName,
        FilterExpression: 'sk = :lead',
        ExpressionAttributeValues: { ':lead': 'LEAD' },
        ExclusiveStartKey: cursor,
        ...(total > 1 ? { Segment: segment, TotalSegments: total } : {}),
      }),
    );
    itemsScanned += page.ScannedCount ?? 0;
    for (const item of (page.Items ?? []) as LeadItem[]) {
      if (item.kind !== 'lead' || item.mergedInto) continue;
      const { state, changes, next, events, moved } = reevaluate(store, item, now);
      if (!moved) continue;
      try {
        await store.doc.send(
          new PutCommand({
            TableName: store.tableName,
            Item: next,
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': item.version },
          }),
        );
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        throw new ScanDecayConflictError(`lead ${item.leadId} changed during the scan`, { cause: error });
      }
      itemsWritten++;
      changed.push({
        leadId: state.leadId,
        from: changes.segmentChange ? changes.segmentChange.from : state.reported.segment,
        to: next.segment,
      });
      eventsPublished += events.length;
      await store.publish(events);
    }
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return { itemsScanned, itemsWritten, changed, eventsPublished };
}
