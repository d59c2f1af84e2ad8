import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Profile } from '#shared/scoring/types.ts';
import { anonymousLeadIdFor } from './identity.ts';
import { EVENT_SK_PREFIX, eventKey, LEAD_SK, type LeadItem, leadKey } from './lead-item.ts';
import {
  getLeadItems,
  queryAccountLeads,
  queryRankedLeads,
  type RankedPage,
  type RankedQuery,
} from './lead-queries.ts';
import { NOTIFICATION_LOG_PK_PREFIX, notificationLogKey } from './notification-keys.ts';
import { type PartitionPage, scanPartitions, slicesOf } from './partition-scan.ts';
import { dueDayPartitionKey, INDEXES } from './table-definition.ts';

/** The stored form of an event (raw event kept for replay, explanation and audits). */
export interface EventItem {
  pk: string;
  sk: string;
  eventId: string;
  type: string;
  occurredAt: number;
  attributes: Record<string, unknown>;
  profile?: Profile;
  trusted?: true;
  spam?: true;
  receivedAt: string;
  expiresAt: number;
}

/** One ingested event's write: the event (stored once), the lead, a visitor now merged into it. */
export interface IngestCommit {
  readonly event: EventItem;
  /** Further events of the same lead stored in the same transaction (a history import). */
  readonly moreEvents?: readonly EventItem[];
  /**
   * Other partitions that must not hold the event already: the merged visitor whose anonymous
   * id the event carries, where the event may have been stored before the merge. The event is
   * then a duplicate, as if it were in the lead's own partition.
   */
  readonly absentFrom?: readonly string[];
  /** The lead as it is after the event, with the outbox of events it emits; none for spam. */
  readonly lead?: LeadItem;
  /** The lead's version as read (optimistic concurrency); undefined: the lead must not exist. */
  readonly expectedVersion: number | undefined;
  /** An anonymous visitor to point at the lead (its version as read, undefined if none). */
  readonly visitor?: { readonly anonymousId: string; readonly version: number | undefined };
}

export type CommitOutcome = 'committed' | 'duplicate' | 'conflict';

const CHECKPOINT_KEY = { pk: 'JOB#decay', sk: 'CHECKPOINT' };
const BATCH_WRITE_SIZE = 25;
const BATCH_WRITE_ROUNDS = 20;
type BatchRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * Sort key prefix of a lead's notification log as it was first written, in the lead's partition
 * (`NOTE#<channel>#<event id>`); the log is now in its own partition (`notificationLogKey`), and
 * erasure still finds the old items.
 */
export const NOTIFICATION_SK_PREFIX = 'NOTE#';

interface CancellationError {
  name: string;
  CancellationReasons?: { Code?: string }[];
}

/**
 * The only code that talks to the lead table. It exposes named operations (no client, no raw
 * queries): the application layer loads, decides with the pure core and commits through it.
 */
export class LeadRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A lead or anonymous visitor item, read consistently. */
  async getLead(leadId: string): Promise<LeadItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: leadKey(leadId), ConsistentRead: true }),
    );
    return Item as LeadItem | undefined;
  }

  /** True when the lead already stored this event id. */
  async hasEvent(leadId: string, eventId: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventKey(leadId, eventId),
        ProjectionExpression: 'pk',
      }),
    );
    return Item !== undefined;
  }

  /** The events stored under one lead or visitor partition, page by page, oldest first. */
  async listEvents(leadId: string): Promise<EventItem[]> {
    const events: EventItem[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
          ExpressionAttributeValues: { ':pk': leadKey(leadId).pk, ':evt': EVENT_SK_PREFIX },
          ExclusiveStartKey: cursor,
        }),
      );
      events.push(...((page.Items ?? []) as EventItem[]));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return events.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1));
  }

  /**
   * Stores an ingested event and its lead in one transaction: the event only if its id is new
   * (idempotency), the lead only if its version is the one read (optimistic concurrency), the
   * visitor pointer only if the visitor did not change. `duplicate` when the event was stored
   * already, `conflict` when another writer got there first (read again and retry).
   */
  async commitIngest(commit: IngestCommit): Promise<CommitOutcome> {
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: commit.event,
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    for (const event of commit.moreEvents ?? []) {
      items.push({
        Put: { TableName: this.tableName, Item: event, ConditionExpression: 'attribute_not_exists(pk)' },
      });
    }
    for (const partition of commit.absentFrom ?? []) {
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: eventKey(partition, commit.event.eventId),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (commit.lead) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: commit.lead,
          ...(commit.expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': commit.expectedVersion },
              }),
        },
      });
    }
    if (commit.visitor && commit.lead) {
      const { version } = commit.visitor;
      // The visitor record now points at the lead: later anonymous events go straight to it.
      items.push({
        Update: {
          TableName: this.tableName,
          Key: leadKey(anonymousLeadIdFor(commit.visitor.anonymousId)),
          UpdateExpression:
            'SET mergedInto = :lead, version = if_not_exists(version, :zero) + :one, kind = :anon REMOVE gsi2pk, gsi2sk',
          ConditionExpression: version === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: {
            ':lead': commit.lead.leadId,
            ':zero': 0,
            ':one': 1,
            ':anon': 'anonymous',
            ...(version === undefined ? {} : { ':v': version }),
          },
        },
      });
    }
    try {
      if (items.length === 1) {
        await this.doc.send(new PutCommand(items[0]!.Put!));
      } else {
        await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      }
      return 'committed';
    } catch (error) {
      const e = error as CancellationError;
      if (e?.name === 'ConditionalCheckFailedException') return 'duplicate';
      if (e?.name !== 'TransactionCanceledException') throw error;
      const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      const events = 1 + (commit.moreEvents?.length ?? 0) + (commit.absentFrom?.length ?? 0);
      return codes.slice(0, events).includes('ConditionalCheckFailed') ? 'duplicate' : 'conflict';
    }
  }

  /** Replaces a lead if its version is still `expectedVersion`; false when another writer won. */
  async replaceLead(item: LeadItem, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * Erases a lead (PRODUCT §6.1, GDPR): every item of its partition (events, outcomes, the
   * notification log) and of its merged visitors' partitions, then the visitor records, then
   * the lead record last, so an erasure cut short is finished by running it again. Returns
   * the items deleted (0: nothing was there).
   */
  async eraseLead(
    leadId: string,
    forgetNotification: (eventId: string) => Promise<void>,
  ): Promise<{ deleted: number; notifications: string[] }> {
    const lead = await this.getLead(leadId);
    const visitors = (lead?.anonymousIds ?? []).map(anonymousLeadIdFor);
    let deleted = 0;
    const notifications: string[] = [];
    for (const partition of [...visitors, leadId]) {
      const keys = await this.#partitionKeys(leadKey(partition).pk);
      const log = await this.#partitionKeys(notificationLogKey(partition, '', '').pk);
      for (const key of [...keys, ...log]) {
        // The log (NOTE#<lead> / <channel>#<event id>, or NOTE#<channel>#<event id> in the lead's
        // partition as written before): the dedupe records go before the log that names them.
        const inLog = key.pk.startsWith(NOTIFICATION_LOG_PK_PREFIX);
        if (!inLog && !key.sk.startsWith(NOTIFICATION_SK_PREFIX)) continue;
        const ref = inLog ? key.sk : key.sk.slice(NOTIFICATION_SK_PREFIX.length);
        const eventId = ref.split('#').slice(1).join('#');
        await forgetNotification(eventId);
        notifications.push(eventId);
      }
      const others = [...keys.filter((k) => k.sk !== LEAD_SK), ...log];
      await this.#deleteKeys(others);
      deleted += others.length;
    }
    const records = [...visitors, leadId].map(leadKey);
    await this.#deleteKeys(records);
    deleted += lead ? records.length : 0;
    return { deleted, notifications };
  }

  /**
   * Records that a notification about the lead was delivered: its log, in the partition
   * `NOTE#<leadId>` (the only lead-keyed partition a notifier may write), erased with the lead.
   */
  async logNotification(leadId: string, channel: string, eventId: string, at: string, expiresAt: number) {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...notificationLogKey(leadId, channel, eventId),
          channel,
          eventId,
          at,
          expiresAt,
        },
      }),
    );
  }

  async #partitionKeys(pk: string): Promise<{ pk: string; sk: string }[]> {
    const keys: { pk: string; sk: string }[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) keys.push({ pk: String(item.pk), sk: String(item.sk) });
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return keys;
  }

  /** Deletes items by key, 25 per BatchWriteItem, retrying what DynamoDB left unprocessed. */
  async #deleteKeys(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH_WRITE_SIZE) {
      await this.#batchWrite(keys.slice(i, i + BATCH_WRITE_SIZE).map((Key) => ({ DeleteRequest: { Key } })));
    }
  }

  /**
   * Puts items exactly as given, 25 per BatchWriteItem with `parallel` requests in flight: the
   * fast way to fill a benchmark or test table with what the store would write. No condition,
   * no outbox: never for live data.
   */
  async loadItems(items: readonly object[], parallel: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      for (let start = next; start < items.length; start = next) {
        next += BATCH_WRITE_SIZE;
        const batch = items.slice(start, start + BATCH_WRITE_SIZE);
        await this.#batchWrite(
          batch.map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } })),
        );
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  /** One BatchWriteItem, retrying what DynamoDB returns as unprocessed, with backoff. */
  async #batchWrite(requests: BatchRequest[]): Promise<void> {
    let pending = requests;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= BATCH_WRITE_ROUNDS)
        throw new Error(`${pending.length} item(s) still unprocessed after ${BATCH_WRITE_ROUNDS} rounds`);
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** round)));
      const result = await this.doc.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = (result.UnprocessedItems?.[this.tableName] ?? []) as BatchRequest[];
    }
  }

  /**
   * Replaces a lead like `replaceLead`, and says what the write cost (write capacity units,
   * indexes included), for jobs that keep within a write budget (rescore).
   */
  async replaceLeadMetered(
    item: LeadItem,
    expectedVersion: number,
  ): Promise<{ replaced: boolean; wcu: number }> {
    try {
      const result = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return { replaced: true, wcu: result.ConsumedCapacity?.CapacityUnits ?? 1 };
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return { replaced: false, wcu: 1 };
      throw error;
    }
  }

  /** A job's checkpoint (`JOB#<job>`, `sk`), if saved. */
  async jobCheckpoint<T>(job: string, sk: string): Promise<T | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `JOB#${job}`, sk }, ConsistentRead: true }),
    );
    return Item?.checkpoint as T | undefined;
  }

  async saveJobCheckpoint(job: string, sk: string, checkpoint: unknown): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `JOB#${job}`, sk, checkpoint } }),
    );
  }

  /** A page of the leads due to change on `day` (byDueDay keys: the lead ids). */
  async dueLeads(day: string, cursor: Record<string, unknown> | undefined, limit: number) {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byDueDay.name,
        KeyConditionExpression: 'gsi2pk = :day',
        ExpressionAttributeValues: { ':day': dueDayPartitionKey(day) },
        ExclusiveStartKey: cursor,
        Limit: limit,
      }),
    );
    const items = (page.Items ?? []).map((key) => ({ leadId: String(key.gsi2sk) }));
    return { items, cursor: page.LastEvaluatedKey };
  }

  /** The last day the decay job completed, if any. */
  async decayCheckpoint(): Promise<string | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: CHECKPOINT_KEY }));
    return Item?.lastDay as string | undefined;
  }

  async saveDecayCheckpoint(day: string, at: string): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { ...CHECKPOINT_KEY, lastDay: day, lastRunAt: at } }),
    );
  }

  /** Ranked index entries of the listing (see lead-queries.ts). */
  rankedLeads(query: RankedQuery): Promise<RankedPage> {
    return queryRankedLeads(this.doc, this.tableName, query);
  }

  /** Lead items by id, for a page of the listing. */
  leadsById(leadIds: readonly string[]): Promise<Map<string, LeadItem>> {
    return getLeadItems(this.doc, this.tableName, leadIds);
  }

  /** The leads of one account, highest score first. */
  accountLeads(domain: string, limit?: number) {
    return queryAccountLeads(this.doc, this.tableName, domain, limit);
  }

  /**
   * One page of a parallel full scan of the lead items (`segment` of `totalSegments`, Scan's
   * Segment / TotalSegments), for the full-scan baseline of the decay bench. `scanned` is
   * DynamoDB's ScannedCount: event items are read (and paid) too, the filter only drops them.
   */
  async scanLeads(
    segment: number,
    totalSegments: number,
    cursor: Record<string, unknown> | undefined,
    /** Items examined per page (events included), DynamoDB's 1 MB page when absent. */
    limit?: number,
  ) {
    const page = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: 'sk = :lead',
        ExpressionAttributeValues: { ':lead': LEAD_SK },
        ExclusiveStartKey: cursor,
        ...(limit !== undefined ? { Limit: limit } : {}),
        ...(totalSegments > 1 ? { Segment: segment, TotalSegments: totalSegments } : {}),
      }),
    );
    return {
      items: (page.Items ?? []) as LeadItem[],
      scanned: page.ScannedCount ?? 0,
      cursor: page.LastEvaluatedKey,
    };
  }

  /**
   * One segment of a parallel scan read as whole partitions (each lead item with its own events),
   * page by page, resumable after any page's `resumeKey`: what a job that refolds every lead
   * reads, in one pass over the table (see partition-scan.ts).
   */
  leadPartitions(
    segment: number,
    totalSegments: number,
    resumeKey: Record<string, unknown> | undefined,
    limit?: number,
  ): AsyncGenerator<PartitionPage> {
    return scanPartitions(this.doc, this.tableName, segment, totalSegments, resumeKey, limit);
  }

  /** Worker `segment` of `segments`'s share of the table, whole partitions: its slices in turn. */
  async *segmentPartitions(segment: number, segments: number): AsyncGenerator<PartitionPage> {
    for (const { scanSegment, totalSegments } of slicesOf(segment, segments))
      yield* this.leadPartitions(scanSegment, totalSegments, undefined);
  }
}
