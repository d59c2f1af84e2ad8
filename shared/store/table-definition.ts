/**
 * Single source of truth for the per-client lead table (single-table design, on-demand billing).
 * Used by the CDK stack (loop over PRIMARY_KEY / GLOBAL_SECONDARY_INDEXES) and by local CreateTable.
 *
 * - primary key `pk` (S) + `sk` (S); TTL attribute `expiresAt` (epoch seconds)
 * - GSI `byRank`:    `gsi1pk` = `RANK#<segment>#<grade>#<owner route id>`,
 *                    `gsi1sk` (S) = `<stored score + 10^9, 10.6 digits>#<leadId>` (GET /v1/leads);
 *                    KEYS_ONLY: the listing reads keys, then the page's lead items
 * - GSI `byDueDay`:  `gsi2pk` = `DUE#<yyyy-mm-dd>`, `gsi2sk` (S) = `<ISO time>#<leadId>` (decay job)
 * - GSI `byAccount`: `gsi3pk` = `ACCT#<domain>`, `gsi3sk` (N) = score (leads of one account)
 * `byDueDay` and `byAccount` project ALL attributes.
 *
 * CDK mapping: `type` is the DynamoDB attribute type code, identical to the values of CDK's
 * `AttributeType` enum ('S' = STRING, 'N' = NUMBER).
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

export type KeyAttributeType = 'S' | 'N';

export interface KeyAttribute<Name extends string = string> {
  readonly name: Name;
  readonly type: KeyAttributeType;
}

/** What a GSI copies from the item: everything, only the keys, or the keys and `nonKeyAttributes`. */
export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';

export interface GlobalSecondaryIndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: ProjectionType;
  /** The attributes an INCLUDE projection copies besides the keys. */
  readonly nonKeyAttributes?: readonly string[];
}

/** Attribute names of the table's primary key and TTL. */
export const TABLE_KEYS = { pk: 'pk', sk: 'sk', ttl: 'expiresAt' } as const;

/** Primary key schema of the table. */
export const PRIMARY_KEY = {
  partitionKey: { name: TABLE_KEYS.pk, type: 'S' },
  sortKey: { name: TABLE_KEYS.sk, type: 'S' },
} as const satisfies { partitionKey: KeyAttribute; sortKey: KeyAttribute };

/** TTL attribute (epoch seconds). */
export const TTL_ATTRIBUTE = TABLE_KEYS.ttl;

/** Global secondary indexes, keyed by index name. */
export const INDEXES = {
  byRank: {
    name: 'byRank',
    partitionKey: { name: 'gsi1pk', type: 'S' },
    sortKey: { name: 'gsi1sk', type: 'S' },
    projection: 'KEYS_ONLY',
  },
  byDueDay: {
    name: 'byDueDay',
    partitionKey: { name: 'gsi2pk', type: 'S' },
    // The lead id, not the instant: the entry is rewritten only when the due day changes.
    sortKey: { name: 'gsi2sk', type: 'S' },
    projection: 'KEYS_ONLY',
  },
  byAccount: {
    name: 'byAccount',
    partitionKey: { name: 'gsi3pk', type: 'S' },
    // The lead id, keys only: a write costs this index nothing unless the lead changes account.
    sortKey: { name: 'gsi3sk', type: 'S' },
    projection: 'KEYS_ONLY',
  },
} as const satisfies Record<string, GlobalSecondaryIndexDefinition>;

export type IndexName = keyof typeof INDEXES;

/** The indexes as a list, convenient for `for (const gsi of GLOBAL_SECONDARY_INDEXES) table.addGlobalSecondaryIndex(...)`. */
export const GLOBAL_SECONDARY_INDEXES: readonly GlobalSecondaryIndexDefinition[] = Object.values(INDEXES);

/** Value prefixes of the GSI partition keys. */
export const KEY_PREFIXES = { rank: 'RANK#', dueDay: 'DUE#', account: 'ACCT#' } as const;

/*
 * The ranking index (`byRank`), the one place its keys are defined. A lead is in exactly one
 * partition, `RANK#<segment>#<grade>#<owner route id>` (stored segment, `disqualified` included,
 * grade, and the id of the routing rule that chose its owner, or `default`), sorted by the
 * stored score. Every filter of GET /v1/leads is thus a choice of partitions: a page queries
 * only the partitions that match, and the sort key bounds the minimum score, so the reads of a
 * page depend on the configuration's segments × grades × routes and the page size, never on the
 * table. The sort key is a string, `<score + 10^9 with 6 decimals, zero-padded to 17>#<leadId>`:
 * it orders like the score (clamped to ±10^9) and is unique, so a position in the ranking is
 * one key, the same in every partition (ties are broken by lead id), and a cursor is exact.
 */

/** Scores beyond ±SCORE_KEY_LIMIT share the end of the ranking. */
const SCORE_KEY_LIMIT = 1e9;
const SCORE_KEY_WIDTH = 17;
/** A `gsi1sk` value: 17 characters of score key, `#`, a lead id. */
export const RANK_SORT_KEY_PATTERN = /^\d{10}\.\d{6}#(?:ld|an)_[\w-]{22}$/;

/** `gsi1pk` value: `RANK#<segment>#<grade>#<routeId>` (segment and route ids cannot hold `#`). */
export const rankPartitionKey = (segment: string, grade: string, routeId: string): string =>
  `${KEY_PREFIXES.rank}${segment}#${grade}#${routeId}`;

/** The score part of a rank sort key: order-preserving, fixed width. */
export function rankScoreKey(score: number): string {
  const clamped = Math.min(SCORE_KEY_LIMIT, Math.max(-SCORE_KEY_LIMIT, Number.isNaN(score) ? 0 : score));
  return (clamped + SCORE_KEY_LIMIT).toFixed(6).padStart(SCORE_KEY_WIDTH, '0');
}

/** `gsi1sk` value: `<rankScoreKey(score)>#<leadId>`; `gsi1sk >= rankScoreKey(min)` selects scores ≥ min. */
export const rankSortKey = (score: number, leadId: string): string => `${rankScoreKey(score)}#${leadId}`;

/** The lead id a rank sort key ends with. */
export const leadIdOfRankSortKey = (sortKey: string): string => sortKey.slice(SCORE_KEY_WIDTH + 1);

/** Route id of a lead without an owner route: `routeFor`'s id of the default route (DEFAULT_ROUTE_ID). */
const UNROUTED = 'default';

/**
 * The ranking index keys of a lead item (none for anonymous visitors, who are not listed):
 * derived from what is stored with the item, its segment, grade, owner route and score. A lead
 * without an owner route (routeFor always gives one) ranks with the default route's leads.
 */
export function rankingKeys(lead: {
  kind: 'lead' | 'anonymous';
  segment: string;
  grade: string;
  ownerRouteId: string | null;
  score: number;
  leadId: string;
}): { gsi1pk?: string; gsi1sk?: string } {
  if (lead.kind !== 'lead') return {};
  return {
    gsi1pk: rankPartitionKey(lead.segment, lead.grade, lead.ownerRouteId ?? UNROUTED),
    gsi1sk: rankSortKey(lead.score, lead.leadId),
  };
}
/** `gsi2pk` value: `DUE#<yyyy-mm-dd>`. */
export const dueDayPartitionKey = (day: string): string => `${KEY_PREFIXES.dueDay}${day}`;
/** `gsi3pk` value: `ACCT#<domain>`. */
export const accountPartitionKey = (domain: string): string => `${KEY_PREFIXES.account}${domain}`;

/** Table name of one client: `leadscore-<client>`. */
export function tableNameFor(client: string): string {
  return `leadscore-${client}`;
}

/**
 * The table's stream: each write's new image, outbox included, for the outbox relay
 * (PRODUCT §4.1; `shared/events/outbox-stream.ts`).
 */
export const STREAM_SPECIFICATION = { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } as const;

/** CreateTable input (PAY_PER_REQUEST, with the stream) for the lead table. TTL is set separately (see ensureTable). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttributeType>();
  for (const attr of [
    PRIMARY_KEY.partitionKey,
    PRIMARY_KEY.sortKey,
    ...GLOBAL_SECONDARY_INDEXES.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey]),
  ]) {
    attributes.set(attr.name, attr.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { ...STREAM_SPECIFICATION },
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: PRIMARY_KEY.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: PRIMARY_KEY.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: GLOBAL_SECONDARY_INDEXES.map((gsi) => ({
      IndexName: gsi.name,
      KeySchema: [
        { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: {
        ProjectionType: gsi.projection,
        ...(gsi.projection === 'INCLUDE' ? { NonKeyAttributes: [...(gsi.nonKeyAttributes ?? [])] } : {}),
      },
    })),
  };
}

export interface EnsureTableOptions {
  /** Max time to wait for the table (and its GSIs) to become ACTIVE. Default 5 minutes. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

const isActive = (table: TableDescription | undefined): boolean =>
  table?.TableStatus === 'ACTIVE' &&
  (table.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === 'ACTIVE');

/**
 * Creates the table if it does not exist, waits until it (and its GSIs) is ACTIVE and enables TTL on
 * `expiresAt`. Idempotent and safe to call concurrently. Returns whether this call created the table.
 * An existing table that lacks one of the GSIs is reported as an error (schema drift).
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<{ created: boolean }> {
  let created = false;
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      created = true;
    } catch (error) {
      // Created concurrently by someone else: fine.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    table = await describe(client, tableName);
  }

  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let delay = 100;
  while (!isActive(table)) {
    if (Date.now() > deadline) {
      throw new Error(`Table ${tableName} did not become ACTIVE (status ${table?.TableStatus ?? 'missing'})`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 2_000);
    table = await describe(client, tableName);
  }

  const existingIndexes = new Set((table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName));
  const missing = GLOBAL_SECONDARY_INDEXES.filter((gsi) => !existingIndexes.has(gsi.name)).map((g) => g.name);
  if (missing.length > 0) {
    throw new Error(`Table ${tableName} exists but lacks global secondary index(es): ${missing.join(', ')}`);
  }

  await enableStream(client, tableName, table?.StreamSpecification, deadline);
  await enableTtl(client, tableName);
  return { created };
}

/**
 * Turns the stream on for a table made before it existed (a local data directory of an older
 * version): records start with this call, so writes made before it have no events to relay
 * (they were published in-process then). A stream of another view type is schema drift.
 */
async function enableStream(
  client: DynamoDBClient,
  tableName: string,
  stream: TableDescription['StreamSpecification'],
  deadline: number,
): Promise<void> {
  if (stream?.StreamEnabled) {
    if (stream.StreamViewType === STREAM_SPECIFICATION.StreamViewType) return;
    throw new Error(
      `Table ${tableName} has a ${stream.StreamViewType} stream; the outbox relay needs ${STREAM_SPECIFICATION.StreamViewType}`,
    );
  }
  try {
    await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: { ...STREAM_SPECIFICATION } }),
    );
  } catch (error) {
    // Enabled concurrently by another ensureTable: fine once the table shows it.
    if (!(await describe(client, tableName))?.StreamSpecification?.StreamEnabled) throw error;
  }
  let current = await describe(client, tableName);
  while (!isActive(current) || !current?.LatestStreamArn) {
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE with its stream`);
    await sleep(100);
    current = await describe(client, tableName);
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { TimeToLiveDescription: ttl } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    if (
      ttl?.AttributeName === TTL_ATTRIBUTE &&
      (ttl.TimeToLiveStatus === 'ENABLED' || ttl.TimeToLiveStatus === 'ENABLING')
    ) {
      return;
    }
  } catch {
    // Fall through and try to enable it.
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // "TimeToLive is already enabled" (e.g. concurrent ensureTable, or DynamoDB Local quirks).
    const message = error instanceof Error ? error.message : String(error);
    if (/already enabled/i.test(message)) return;
    throw error;
  }
}
