/**
 * Single source of truth for the per-client lead table (single-table design, on-demand billing).
 * Used by the CDK stack (loop over PRIMARY_KEY / GLOBAL_SECONDARY_INDEXES) and by local CreateTable.
 *
 * - primary key `pk` (S) + `sk` (S); TTL attribute `expiresAt` (epoch seconds)
 * - GSI `bySegment`: `gsi1pk` = `SEG#<segment>`, `gsi1sk` (N) = stored score (ranked leads per segment)
 * - GSI `byDueDay`:  `gsi2pk` = `DUE#<yyyy-mm-dd>`, `gsi2sk` (S) = `<ISO time>#<leadId>` (decay job)
 * - GSI `byAccount`: `gsi3pk` = `ACCT#<domain>`, `gsi3sk` (N) = score (leads of one account)
 * All GSIs project ALL attributes.
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
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

export type KeyAttributeType = 'S' | 'N';

export interface KeyAttribute<Name extends string = string> {
  readonly name: Name;
  readonly type: KeyAttributeType;
}

export interface GlobalSecondaryIndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: 'ALL';
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
  bySegment: {
    name: 'bySegment',
    partitionKey: { name: 'gsi1pk', type: 'S' },
    sortKey: { name: 'gsi1sk', type: 'N' },
    projection: 'ALL',
  },
  byDueDay: {
    name: 'byDueDay',
    partitionKey: { name: 'gsi2pk', type: 'S' },
    sortKey: { name: 'gsi2sk', type: 'S' },
    projection: 'ALL',
  },
  byAccount: {
    name: 'byAccount',
    partitionKey: { name: 'gsi3pk', type: 'S' },
    sortKey: { name: 'gsi3sk', type: 'N' },
    projection: 'ALL',
  },
} as const satisfies Record<string, GlobalSecondaryIndexDefinition>;

export type IndexName = keyof typeof INDEXES;

/** The indexes as a list, convenient for `for (const gsi of GLOBAL_SECONDARY_INDEXES) table.addGlobalSecondaryIndex(...)`. */
export const GLOBAL_SECONDARY_INDEXES: readonly GlobalSecondaryIndexDefinition[] = Object.values(INDEXES);

/** Value prefixes of the GSI partition keys. */
export const KEY_PREFIXES = { segment: 'SEG#', dueDay: 'DUE#', account: 'ACCT#' } as const;

/** `gsi1pk` value: `SEG#<segment>`. */
export const segmentPartitionKey = (segment: string): string => `${KEY_PREFIXES.segment}${segment}`;
/** `gsi2pk` value: `DUE#<yyyy-mm-dd>`. */
export const dueDayPartitionKey = (day: string): string => `${KEY_PREFIXES.dueDay}${day}`;
/** `gsi2sk` value: `<ISO time>#<leadId>`. */
export const dueDaySortKey = (isoTime: string, leadId: string): string => `${isoTime}#${leadId}`;
/** `gsi3pk` value: `ACCT#<domain>`. */
export const accountPartitionKey = (domain: string): string => `${KEY_PREFIXES.account}${domain}`;

/** Table name of one client: `leadscore-<client>`. */
export function tableNameFor(client: string): string {
  return `leadscore-${client}`;
}

/** CreateTable input (PAY_PER_REQUEST) for the lead table. TTL is set separately (see ensureTable). */
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
      Projection: { ProjectionType: gsi.projection },
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

  await enableTtl(client, tableName);
  return { created };
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
