/** The lead table's stream (PRODUCT §4.1): on a new table, and turned on for a table made before it. */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, ensureTable } from '#shared/store/table-definition.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';

let dynamo: DynamoDBClient;
beforeAll(() => {
  dynamo = testDynamoClient();
});
afterAll(() => dynamo.destroy());

describe('Lead table stream', () => {
  it('It should create the lead table with a stream of new images', async () => {
    const tableName = await freshTable('stream-new');
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(Table?.LatestStreamArn).toMatch(/\/stream\//);
  });

  it('It should turn the stream on for a lead table made without one', async () => {
    const tableName = `stream-old-${Date.now()}`;
    const { StreamSpecification: _stream, ...withoutStream } = createTableInput(tableName);
    await dynamo.send(new CreateTableCommand(withoutStream));

    await ensureTable(dynamo, tableName);

    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect((await ensureTable(dynamo, tableName)).created).toBe(false);
  });
});
