import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JavaNotFoundError,
  LISTEN_HOST,
  localDynamoClientConfig,
  startDynamoDbLocal,
} from '#local/dynamodb-local.ts';
import { countRequests } from '#shared/clients/request-counter.ts';
import {
  accountPartitionKey,
  dueDayPartitionKey,
  ensureTable,
  INDEXES,
  rankPartitionKey,
  rankSortKey,
  TABLE_KEYS,
  tableNameFor,
} from '#shared/store/table-definition.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';
import { injectDynamoThrottling, injectPutEventsFailures } from '#test/support/fault-injection.ts';

const lead = (id: string, score: number, segment = 'enterprise', domain = 'acme.com') => ({
  pk: `LEAD#${id}`,
  sk: 'PROFILE',
  gsi1pk: rankPartitionKey(segment, 'A', 'default'),
  gsi1sk: rankSortKey(score, id),
  gsi2pk: dueDayPartitionKey('2025-03-01'),
  gsi2sk: id,
  gsi3pk: accountPartitionKey(domain),
  gsi3sk: id,
  leadId: id,
  score,
});

/** An address of /proc/net/tcp{,6} (hex, each 32-bit word in host order, little-endian here). */
function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Local addresses of the TCP sockets listening on `port` (Linux: /proc/net/tcp and tcp6). */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [address, hexPort] = local.split(':');
      if (Number.parseInt(hexPort ?? '', 16) === port) addresses.push(procAddress(address ?? ''));
    }
  }
  return addresses;
}

/** Connects to host:port: 'connected', or why not (ECONNREFUSED, timeout, ...). */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      done('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? String(error)));
  });
}

describe('DynamoDB Local harness', () => {
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(() => {
    client = testDynamoClient();
    doc = DynamoDBDocumentClient.from(client);
  });
  afterAll(() => client.destroy());

  it('It should expose the endpoint via inject and the environment', async () => {
    expect(process.env.LEADSCORE_DYNAMODB_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(client.send(new ListTablesCommand({}))).resolves.toBeDefined();
  });

  it('It should create the table with its GSIs, on-demand billing and TTL, idempotently', async () => {
    const tableName = await freshTable('harness');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.pk, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sk, KeyType: 'RANGE' },
    ]);
    const gsis = Object.fromEntries((Table?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g]));
    for (const def of Object.values(INDEXES)) {
      expect(gsis[def.name]?.KeySchema).toEqual([
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
      ]);
      expect(gsis[def.name]?.Projection?.ProjectionType).toBe(def.projection);
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });

    await expect(ensureTable(client, tableName)).resolves.toEqual({ created: false });
    expect(tableNameFor('acme')).toBe('leadscore-acme');
  });

  it('It should put and read back an item and query the GSIs', async () => {
    const tableName = await freshTable('harness');
    const leads = [lead('a', 40), lead('b', 90), lead('c', 65, 'smb', 'other.io')];
    for (const item of leads) await doc.send(new PutCommand({ TableName: tableName, Item: item }));

    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'LEAD#b', sk: 'PROFILE' } }),
    );
    expect(Item).toEqual(leads[1]);

    const byRank = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEXES.byRank.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': INDEXES.byRank.partitionKey.name },
        ExpressionAttributeValues: { ':pk': rankPartitionKey('enterprise', 'A', 'default') },
        ScanIndexForward: false,
      }),
    );
    // KEYS_ONLY: the table's and the index's keys, nothing else.
    expect(byRank.Items).toEqual([
      { pk: 'LEAD#b', sk: 'PROFILE', gsi1pk: leads[1]!.gsi1pk, gsi1sk: leads[1]!.gsi1sk },
      { pk: 'LEAD#a', sk: 'PROFILE', gsi1pk: leads[0]!.gsi1pk, gsi1sk: leads[0]!.gsi1sk },
    ]);

    const byAccount = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEXES.byAccount.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'gsi3pk' },
        ExpressionAttributeValues: { ':pk': accountPartitionKey('acme.com') },
      }),
    );
    // KEYS_ONLY, keyed by lead id: nothing else, so a new score never rewrites the entry.
    expect(byAccount.Items?.map((i) => [i.gsi3sk, i.score, i.leadId])).toEqual([
      ['a', undefined, undefined],
      ['b', undefined, undefined],
    ]);

    const byDueDay = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEXES.byDueDay.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'gsi2pk' },
        ExpressionAttributeValues: { ':pk': dueDayPartitionKey('2025-03-01') },
      }),
    );
    expect(byDueDay.Items?.map((i) => i.gsi2sk)).toEqual(['a', 'b', 'c']);
  });

  it('It should persist data in dataDir across stop/start', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leadscore-ddb-'));
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const c1 = DynamoDBDocumentClient.from(new DynamoDBClient(localDynamoClientConfig(first.endpoint)));
      await ensureTable(c1 as unknown as DynamoDBClient, 'leadscore-persist');
      await c1.send(new PutCommand({ TableName: 'leadscore-persist', Item: lead('p', 77) }));
      c1.destroy();
      await first.stop();
      await first.stop(); // idempotent
      await expect(
        new DynamoDBClient({ ...localDynamoClientConfig(first.endpoint), maxAttempts: 1 }).send(
          new ListTablesCommand({}),
        ),
      ).rejects.toThrow();

      const second = await startDynamoDbLocal({ dataDir });
      try {
        const c2 = DynamoDBDocumentClient.from(new DynamoDBClient(localDynamoClientConfig(second.endpoint)));
        const { Item } = await c2.send(
          new GetCommand({ TableName: 'leadscore-persist', Key: { pk: 'LEAD#p', sk: 'PROFILE' } }),
        );
        expect(Item?.score).toBe(77);
        await expect(ensureTable(c2 as unknown as DynamoDBClient, 'leadscore-persist')).resolves.toEqual({
          created: false,
        });
        c2.destroy();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('It should listen on 127.0.0.1 only, not on every interface', async () => {
    const port = Number(new URL(testDynamoEndpoint()).port);
    expect(LISTEN_HOST).toBe('127.0.0.1');
    if (existsSync('/proc/net/tcp')) {
      // 0.0.0.0, :: or a non-loopback address here means reachable from the network.
      expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
    }
    // Only loopback is ever dialled from the tests (this workplace's network rule); the bound
    // address above is what shows that nothing else can reach it.
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
  });

  it('It should raise JavaNotFoundError when java is missing', async () => {
    const error = await startDynamoDbLocal({ javaCommand: 'java-does-not-exist-leadscore' }).catch((e) => e);
    expect(error).toBeInstanceOf(JavaNotFoundError);
    expect(error.name).toBe('JavaNotFoundError');
    expect(error.message).toMatch(/Java 17\+/);
  });
});

describe('request counter and fault injection against DynamoDB Local', () => {
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable('faults');
  });

  it('It should count requests per operation and reset', async () => {
    const client = testDynamoClient();
    const doc = DynamoDBDocumentClient.from(client);
    const counter = countRequests(client);
    await doc.send(new PutCommand({ TableName: tableName, Item: lead('r1', 10) }));
    await doc.send(new PutCommand({ TableName: tableName, Item: lead('r2', 20) }));
    await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'LEAD#r1', sk: 'PROFILE' } }));
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(counter.byOperation()).toEqual({ PutItem: 2, GetItem: 1, DescribeTable: 1 });
    expect(counter.total()).toBe(4);
    counter.reset();
    expect(counter.total()).toBe(0);
    counter.detach();
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(counter.total()).toBe(0);
    client.destroy();
  });

  it('It should throttle ~rate of attempts before the wire; SDK retries recover', async () => {
    const real = testDynamoClient();
    const retrying = new DynamoDBClient({
      ...localDynamoClientConfig(testDynamoEndpoint()),
      maxAttempts: 10,
    });
    const doc = DynamoDBDocumentClient.from(retrying);
    const counter = countRequests(retrying);
    const faults = injectDynamoThrottling(doc, { rate: 0.3, seed: 7 });

    const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await Promise.all(
      ids.map((id, i) => doc.send(new PutCommand({ TableName: tableName, Item: lead(id, i) }))),
    );

    expect(faults.injectedTotal()).toBeGreaterThan(0);
    expect(faults.injected().PutItem).toBe(faults.injectedTotal());
    // Injected failures never reach the wire: exactly one successful attempt per item was sent.
    expect(counter.byOperation()).toEqual({ PutItem: ids.length });

    const realDoc = DynamoDBDocumentClient.from(real);
    for (const id of ids) {
      const { Item } = await realDoc.send(
        new GetCommand({ TableName: tableName, Key: { pk: `LEAD#${id}`, sk: 'PROFILE' } }),
      );
      expect(Item?.leadId).toBe(id);
    }
    faults.remove();
    retrying.destroy();
    real.destroy();
  });

  it('It should surface a retryable throttling error when retries run out', async () => {
    const client = new DynamoDBClient({
      ...localDynamoClientConfig(testDynamoEndpoint()),
      maxAttempts: 2,
    });
    const counter = countRequests(client);
    injectDynamoThrottling(client, { rate: 1, operations: ['DescribeTable'] });
    const error = await client.send(new DescribeTableCommand({ TableName: tableName })).catch((e) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error.$retryable).toEqual({ throttling: true });
    expect(error.$metadata.attempts).toBe(2);
    expect(counter.total()).toBe(0);
    // Other operations are untouched.
    await client.send(new ListTablesCommand({}));
    expect(counter.byOperation()).toEqual({ ListTables: 1 });
    client.destroy();
  });

  it('It should fail ~rate of PutEvents entries deterministically and record delivered ones once', async () => {
    const events = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const fake = injectPutEventsFailures(events, { rate: 0.2, seed: 3 });
    const entries: PutEventsRequestEntry[] = Array.from({ length: 50 }, (_, i) => ({
      Source: 'leadscore',
      DetailType: 'LeadScored',
      Detail: JSON.stringify({ n: i }),
    }));

    // A minimal publisher: batches of 10, resend only failed entries until none fail.
    let pending = entries;
    let firstRoundFailures = -1;
    let firstCallPattern: boolean[] | undefined;
    for (let round = 0; pending.length > 0 && round < 20; round++) {
      const next: PutEventsRequestEntry[] = [];
      for (let i = 0; i < pending.length; i += 10) {
        const batch = pending.slice(i, i + 10);
        const out = await events.send(new PutEventsCommand({ Entries: batch }));
        firstCallPattern ??= out.Entries?.map((e) => e.ErrorCode === undefined);
        expect(out.FailedEntryCount).toBe(out.Entries?.filter((e) => e.ErrorCode).length);
        out.Entries?.forEach((result, j) => {
          if (result.ErrorCode) {
            expect(result.ErrorCode).toBe('InternalFailure');
            next.push(batch[j]!);
          } else {
            expect(result.EventId).toBeTruthy();
          }
        });
      }
      if (round === 0) firstRoundFailures = next.length;
      pending = next;
    }
    expect(pending).toEqual([]);
    expect(firstRoundFailures).toBeGreaterThan(0);
    expect(firstRoundFailures).toBeLessThan(25);
    const delivered = fake.delivered.map((e) => e.Detail).sort();
    expect(delivered).toEqual(entries.map((e) => e.Detail).sort());
    expect(new Set(delivered).size).toBe(entries.length);
    expect(fake.failed.length).toBeGreaterThanOrEqual(firstRoundFailures);

    // Same seed, same outcome.
    const again = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    const fake2 = injectPutEventsFailures(again, { rate: 0.2, seed: 3 });
    const out = await again.send(new PutEventsCommand({ Entries: entries.slice(0, 10) }));
    expect(out.Entries?.map((e) => e.ErrorCode === undefined)).toEqual(firstCallPattern);
    expect(out.FailedEntryCount).toBe(fake2.failed.length);
    expect(fake.calls()).toBeGreaterThan(5);

    await expect(events.send(new PutEventsCommand({ Entries: entries.slice(0, 11) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    events.destroy();
    again.destroy();
  });
});
