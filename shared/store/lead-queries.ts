/**
 * The read queries of the lead API, as named operations on the client's table: the ranked
 * listing over the `byRank` index, the lead items of a page, and the leads of an account.
 * (Every DynamoDB command is built in shared/store.)
 */
import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type LeadItem, leadKey } from './lead-item.ts';
import { accountPartitionKey, INDEXES, leadIdOfRankSortKey } from './table-definition.ts';

/** One entry of the ranking index: a lead at its position (`gsi1sk`) in one partition. */
export interface RankedEntry {
  readonly leadId: string;
  /** The `gsi1pk` it was found in. */
  readonly partition: string;
  /** Its `gsi1sk`: the position in the ranking, unique. */
  readonly rankKey: string;
}

export interface RankedQuery {
  /** `gsi1pk` values to merge (see rankPartitionKey). */
  readonly partitions: readonly string[];
  /** Lowest position wanted, inclusive: `rankScoreKey(minimum score)`. */
  readonly from?: string | undefined;
  /** Continue strictly below this position (the last entry of the previous page). */
  readonly before?: string | undefined;
  /** Most entries to return (≥ 1). */
  readonly limit: number;
}

export interface RankedPage {
  /** The highest `limit` entries of the partitions within the bounds, highest first. */
  readonly entries: RankedEntry[];
  /** True when no entry is left below the last one (within the bounds). */
  readonly exhausted: boolean;
}

interface PartitionReader {
  readonly partition: string;
  buffer: RankedEntry[];
  startKey: Record<string, unknown> | undefined;
  done: boolean;
  /** Limit of its next query. */
  next: number;
}

const RANK = INDEXES.byRank;

/** The key condition of one partition within the bounds. */
function keyCondition(partition: string, from: string | undefined, before: string | undefined) {
  const values: Record<string, string> = { ':pk': partition };
  let condition = '#pk = :pk';
  if (from !== undefined && before !== undefined) {
    // One sort key condition per query: BETWEEN is inclusive, the entry at `before` is dropped.
    condition += ' AND #sk BETWEEN :from AND :before';
    values[':from'] = from;
    values[':before'] = before;
  } else if (before !== undefined) {
    condition += ' AND #sk < :before';
    values[':before'] = before;
  } else if (from !== undefined) {
    condition += ' AND #sk >= :from';
    values[':from'] = from;
  }
  const names: Record<string, string> = { '#pk': RANK.partitionKey.name };
  if (from !== undefined || before !== undefined) names['#sk'] = RANK.sortKey.name;
  return {
    KeyConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The highest-ranked `limit` leads of several `byRank` partitions, merged by position (a k-way
 * merge of descending queries). Each partition is read lazily: a first query of about twice its
 * fair share of the page, then, only while the merge has used up what it read and still needs
 * more, queries of twice the previous size (never more than the page still needs). A partition
 * that gives k entries to the page is therefore read for at most 3k + its first query + 3
 * entries, so a call reads at most 3 × limit + partitions × (first + 3) index entries, where
 * first = ceil(2 × limit / partitions) + 1 (see {@link rankedReadBound}), whatever the table
 * size. The index is KEYS_ONLY: entries are keys, the items come from {@link getLeadItems}.
 */
export async function queryRankedLeads(
  doc: DynamoDBDocumentClient,
  tableName: string,
  query: RankedQuery,
): Promise<RankedPage> {
  const { partitions, from, before, limit } = query;
  if (partitions.length === 0 || (from !== undefined && before !== undefined && before < from)) {
    return { entries: [], exhausted: true };
  }
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer (${limit})`);
  const first = firstQueryLimit(limit, partitions.length);
  const readers: PartitionReader[] = partitions.map((partition) => ({
    partition,
    buffer: [],
    startKey: undefined,
    done: false,
    next: first,
  }));
  const entries: RankedEntry[] = [];

  const read = async (reader: PartitionReader) => {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: RANK.name,
        ...keyCondition(reader.partition, from, before),
        ScanIndexForward: false,
        Limit: Math.min(reader.next, limit - entries.length),
        ...(reader.startKey ? { ExclusiveStartKey: reader.startKey } : {}),
      }),
    );
    reader.next = Math.min(reader.next * 2, limit);
    for (const item of page.Items ?? []) {
      const rankKey = item[RANK.sortKey.name];
      if (typeof rankKey !== 'string' || rankKey === before) continue;
      reader.buffer.push({ leadId: leadIdOfRankSortKey(rankKey), partition: reader.partition, rankKey });
    }
    reader.startKey = page.LastEvaluatedKey;
    reader.done = page.LastEvaluatedKey === undefined;
  };

  while (entries.length < limit) {
    // An entry can be taken only when every partition still open shows its next one.
    const empty = readers.filter((r) => r.buffer.length === 0 && !r.done);
    if (empty.length > 0) {
      await Promise.all(empty.map(read));
      continue;
    }
    let best: PartitionReader | undefined;
    for (const reader of readers) {
      const head = reader.buffer[0];
      if (head && (!best || head.rankKey > best.buffer[0]!.rankKey)) best = reader;
    }
    if (!best) break;
    entries.push(best.buffer.shift()!);
  }
  return { entries, exhausted: readers.every((r) => r.done && r.buffer.length === 0) };
}

/** Limit of the first query of each partition: about twice a fair share of the page. */
const firstQueryLimit = (limit: number, partitions: number) =>
  Math.min(limit, Math.ceil((2 * limit) / partitions) + 1);

/**
 * Most index entries one {@link queryRankedLeads} call reads: 3 per entry returned plus, for
 * each partition, its first query and 3 (a refill that comes back short, the dropped entry at
 * `before`).
 */
export function rankedReadBound(limit: number, partitions: number): number {
  if (partitions === 0) return 0;
  return 3 * limit + partitions * (firstQueryLimit(limit, partitions) + 3);
}

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_SIZE = 100;
const BATCH_GET_ROUNDS = 8;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Thrown when DynamoDB keeps returning some keys unprocessed. */
export class LeadReadError extends Error {
  override name = 'LeadReadError';
}

/**
 * The lead items of `leadIds` (eventually consistent BatchGetItem, 100 keys per request,
 * unprocessed keys retried with backoff). Leads that no longer exist are absent from the map.
 */
export async function getLeadItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  leadIds: readonly string[],
): Promise<Map<string, LeadItem>> {
  const found = new Map<string, LeadItem>();
  const unique = [...new Set(leadIds)];
  for (let start = 0; start < unique.length; start += BATCH_GET_SIZE) {
    let keys: Record<string, unknown>[] = unique.slice(start, start + BATCH_GET_SIZE).map(leadKey);
    for (let round = 0; keys.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) {
        throw new LeadReadError(
          `${keys.length} lead(s) still unprocessed after ${round} BatchGetItem rounds`,
        );
      }
      if (round > 0) await sleep(Math.min(1_000, 25 * 2 ** round));
      const { Responses, UnprocessedKeys } = await doc.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } }),
      );
      for (const item of (Responses?.[tableName] ?? []) as LeadItem[]) found.set(item.leadId, item);
      keys = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return found;
}

/**
 * The leads of one account (company domain), highest stored score first: the best `limit`, or
 * all of them. The `byAccount` index holds keys only (a lead's writes never touch it unless its
 * domain changes), so the scores come from the lead items; the account's size, not the table's,
 * bounds the cost.
 */
export async function queryAccountLeads(
  doc: DynamoDBDocumentClient,
  tableName: string,
  domain: string,
  limit?: number,
): Promise<LeadItem[]> {
  const ids: string[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEXES.byAccount.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': INDEXES.byAccount.partitionKey.name },
        ExpressionAttributeValues: { ':pk': accountPartitionKey(domain) },
        ExclusiveStartKey: cursor,
      }),
    );
    for (const key of page.Items ?? []) ids.push(String(key.gsi3sk));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  const items = await getLeadItems(doc, tableName, ids);
  const leads = [...items.values()];
  leads.sort((a, b) => b.score - a.score || (a.leadId < b.leadId ? -1 : 1));
  return limit === undefined ? leads : leads.slice(0, limit);
}
