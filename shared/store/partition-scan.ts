import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EVENT_SK_PREFIX, LEAD_SK, type LeadItem } from './lead-item.ts';
import type { EventItem } from './lead-repository.ts';

/** A lead (or visitor) item with the events stored in its own partition, as one scan read them. */
export interface ScannedPartition {
  readonly lead: LeadItem;
  /** The partition's event items, oldest first (merged visitors' partitions are not included). */
  readonly events: readonly EventItem[];
}

/** A page of whole partitions and the key to resume after them. */
export interface PartitionPage {
  readonly partitions: readonly ScannedPartition[];
  /** The segment's last page: every partition of it was handed out. */
  readonly finished: boolean;
  /**
   * The key of the last item of the last whole partition handed out so far: a Scan resumed after
   * it (ExclusiveStartKey) starts at the next partition. Undefined when no partition has been
   * handed out yet (resume from the segment's start) and on the finished page.
   */
  readonly resumeKey?: Record<string, unknown>;
  /** Items DynamoDB examined for this page (what the read is billed on). */
  readonly scanned: number;
}

interface Pending {
  pk: string;
  lead?: LeadItem;
  events: EventItem[];
  lastKey: Record<string, unknown>;
}

/**
 * A worker's segment is read as this many consecutive scan segments (Scan's TotalSegments is
 * `segments × SLICES_PER_SEGMENT`), one after the other. On DynamoDB a scan segment is a slice
 * of the key space, so this costs one more Scan request per slice (and, for the rescore, one
 * checkpoint) and changes nothing else. DynamoDB Local (what `npm start` and the benches run on)
 * resumes a segment's Scan pages in a time that grows with the segment's size: 4 workers
 * scanning 210,000 items took 18.8 s as 4 segments, 5.6 s as 16 and 2.5 s as 64, where the
 * 10,000 Queries of the same items took 22.6 s (one run, load ~3).
 */
export const SLICES_PER_SEGMENT = 16;

/** The scan segments worker `segment` of `segments` reads, in order. */
export function slicesOf(
  segment: number,
  segments: number,
): { readonly scanSegment: number; readonly totalSegments: number }[] {
  const totalSegments = segments * SLICES_PER_SEGMENT;
  return Array.from({ length: SLICES_PER_SEGMENT }, (_, i) => ({
    scanSegment: segment * SLICES_PER_SEGMENT + i,
    totalSegments,
  }));
}

const byEventTime = (a: EventItem, b: EventItem) =>
  a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/**
 * One parallel-scan segment read as whole partitions: each lead item together with the events of
 * its partition, so a job that refolds every lead (rescore, backtest) reads the table once instead
 * of a filtered scan plus a query per lead. DynamoDB returns an item collection's items together
 * (sorted by sort key) and a segment never splits a partition key; a partition that runs past a
 * Scan page is carried into the next page, and `resumeKey` only ever points after a whole one.
 * The next page is requested before this one is handed out, so reading overlaps the caller's
 * work. Callers still check completeness (the lead's event count) and query when in doubt.
 */
export async function* scanPartitions(
  doc: DynamoDBDocumentClient,
  tableName: string,
  segment: number,
  totalSegments: number,
  startKey: Record<string, unknown> | undefined,
  /** Items examined per Scan page; DynamoDB's 1 MB page when absent. */
  limit?: number,
): AsyncGenerator<PartitionPage> {
  const scan = (from: Record<string, unknown> | undefined) => {
    const request = doc.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: from,
        ...(limit !== undefined ? { Limit: limit } : {}),
        ...(totalSegments > 1 ? { Segment: segment, TotalSegments: totalSegments } : {}),
      }),
    );
    request.catch(() => {}); // read ahead: awaited below, or dropped when the caller stops early
    return request;
  };
  let cursor = startKey;
  let pending: Pending | undefined;
  let resumeKey = startKey;
  let next = scan(cursor);
  do {
    const page = await next;
    cursor = page.LastEvaluatedKey;
    // The next page is read while the caller works on this one.
    if (cursor) next = scan(cursor);
    const partitions: ScannedPartition[] = [];
    const close = (group: Pending) => {
      if (group.lead) partitions.push({ lead: group.lead, events: group.events.sort(byEventTime) });
      resumeKey = group.lastKey;
    };
    for (const item of (page.Items ?? []) as Record<string, unknown>[]) {
      const pk = item.pk as string;
      const sk = item.sk as string;
      if (pending && pending.pk !== pk) {
        close(pending);
        pending = undefined;
      }
      pending ??= { pk, events: [], lastKey: { pk, sk } };
      pending.lastKey = { pk, sk };
      if (sk === LEAD_SK) pending.lead = item as unknown as LeadItem;
      else if (sk.startsWith(EVENT_SK_PREFIX)) pending.events.push(item as unknown as EventItem);
    }
    if (!cursor && pending) {
      close(pending);
      pending = undefined;
    }
    yield {
      partitions,
      scanned: page.ScannedCount ?? 0,
      finished: cursor === undefined,
      ...(cursor && resumeKey ? { resumeKey } : {}),
    };
  } while (cursor);
}
