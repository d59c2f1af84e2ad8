import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OutgoingEvent } from '#shared/events/contracts.ts';
import { routeFor } from '#shared/notify/routing.ts';
import { observe } from '#shared/scoring/engine.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import { type LeadItem, leadKey, stateOf, toLeadItem } from './lead-item.ts';
import type { LeadStore } from './lead-store.ts';
import { outgoingEvents } from './outgoing.ts';
import { dueDayPartitionKey, INDEXES } from './table-definition.ts';

const DAY_MS = 86_400_000;
/** Days looked back on the first run (no checkpoint yet). */
export const FIRST_RUN_LOOKBACK_DAYS = 31;
const CHECKPOINT_KEY = { pk: 'JOB#decay', sk: 'CHECKPOINT' };

export interface DecayReport {
  readonly now: string;
  readonly days: readonly string[];
  /** Items read from the due-day index plus consistent re-reads after a conflict. */
  readonly itemsRead: number;
  readonly itemsWritten: number;
  /** Leads whose segment or threshold state changed, with what changed. */
  readonly changed: readonly { leadId: string; from: string | null; to: string; crossings: string[] }[];
  readonly eventsPublished: number;
  /** False when it stopped early (time budget); the next run picks up where it stopped. */
  readonly complete: boolean;
}

export interface DecayOptions {
  /** Stop before this returns false (e.g. the Lambda's remaining time); the rest stays due. */
  readonly keepGoing?: () => boolean;
}

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= Date.parse(`${toDay}T00:00:00Z`); t += DAY_MS)
    days.push(dayOf(t));
  return days;
}

/**
 * The daily decay (PRODUCT §5): stores current decayed scores and emits segment-change and
 * threshold events for the leads that moved. It reads only the leads due to change — each lead
 * is indexed by the day its decayed score next crosses a band or rearm line (byDueDay) — so its
 * cost grows with the number of changes, not with the table. Re-running for the same instant
 * finds nothing left to do (processed leads are re-indexed to their next change), which makes
 * it safe to run twice and resumable after a timeout.
 */
export async function runDecay(
  store: LeadStore,
  now: number,
  options: DecayOptions = {},
): Promise<DecayReport> {
  await store.redriveOutbox();
  const checkpoint = await store.doc.send(
    new GetCommand({ TableName: store.tableName, Key: CHECKPOINT_KEY }),
  );
  const fromDay =
    (checkpoint.Item?.lastDay as string | undefined) ?? dayOf(now - FIRST_RUN_LOOKBACK_DAYS * DAY_MS);
  const today = dayOf(now);
  // A manual run for an earlier --now starts at that day, not at a later checkpoint.
  const days = daysBetween([fromDay, today].sort()[0]!, today);
  const nowKey = `${new Date(now).toISOString()}#\uffff`;
  let itemsRead = 0;
  let itemsWritten = 0;
  let eventsPublished = 0;
  let complete = true;
  const changed: { leadId: string; from: string | null; to: string; crossings: string[] }[] = [];
  const keepGoing = options.keepGoing ?? (() => true);
  for (const day of days) {
    let cursor: Record<string, unknown> | undefined;
    do {
      if (!keepGoing()) {
        complete = false;
        break;
      }
      const page = await store.query(
        new QueryCommand({
          TableName: store.tableName,
          IndexName: INDEXES.byDueDay.name,
          KeyConditionExpression: 'gsi2pk = :day AND gsi2sk <= :now',
          ExpressionAttributeValues: { ':day': dueDayPartitionKey(day), ':now': nowKey },
          ExclusiveStartKey: cursor,
          Limit: 100,
        }),
      );
      for (const item of (page.Items ?? []) as LeadItem[]) {
        itemsRead++;
        const outcome = await decayLead(store, item, now);
        itemsRead += outcome.reads;
        itemsWritten += outcome.writes;
        if (outcome.change) changed.push(outcome.change);
        eventsPublished += outcome.events.length;
        await store.publish(outcome.events);
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    if (!complete) break;
  }
  if (complete) {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...CHECKPOINT_KEY, lastDay: dayOf(now), lastRunAt: new Date(now).toISOString() },
      }),
    );
  }
  return {
    now: new Date(now).toISOString(),
    days,
    itemsRead,
    itemsWritten,
    changed,
    eventsPublished,
    complete,
  };
}

/**
 * A lead re-evaluated at `now`: its new state, what changed, and the item to write back
 * (version bumped, re-indexed to its next change). Pure; shared by the job and its benchmark.
 */
export function reevaluate(store: LeadStore, item: LeadItem, now: number) {
  const { state, changes } = observe(stateOf(item), store.model, now);
  const route = routeFor(state.profile, store.config);
  const version = item.version + 1;
  const next = toLeadItem({
    state,
    kind: item.kind,
    version,
    route,
    nextChangeAt: nextChangeAt(state, store.model, now),
    createdAt: item.createdAt,
    now,
    ...(item.anonymousIds ? { anonymousIds: item.anonymousIds } : {}),
    ...(item.formRate ? { formRate: item.formRate } : {}),
  });
  const events: OutgoingEvent[] = outgoingEvents({
    state,
    changes,
    model: store.model,
    config: store.config,
    version,
    route,
    now,
    cause: 'decay',
  });
  const moved = changes.segmentChange !== null || changes.thresholdCrossings.length > 0;
  return { state, changes, next, events, moved };
}

/** Re-evaluates one due lead and writes it back (optimistically; re-read on conflict). */
async function decayLead(store: LeadStore, indexed: LeadItem, now: number) {
  let item: LeadItem | undefined = indexed;
  let reads = 0;
  for (let attempt = 0; attempt < 10 && item; attempt++) {
    const { state, changes, next, events, moved } = reevaluate(store, item, now);
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
      // The index is eventually consistent, or a writer got there first: read the lead again.
      item = (
        await store.doc.send(
          new GetCommand({ TableName: store.tableName, Key: leadKey(indexed.leadId), ConsistentRead: true }),
        )
      ).Item as LeadItem | undefined;
      reads++;
      continue;
    }
    return {
      reads,
      writes: 1,
      events,
      change: moved
        ? {
            leadId: state.leadId,
            from: changes.segmentChange ? changes.segmentChange.from : state.reported.segment,
            to: state.reported.segment ?? '',
            crossings: changes.thresholdCrossings.map((c) => `${c.name}:${c.direction}`),
          }
        : null,
    };
  }
  return { reads, writes: 0, events: [] as OutgoingEvent[], change: null };
}
