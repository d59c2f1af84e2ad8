/** Helpers for integration tests against the DynamoDB Local started by test/global-setup.ts. */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { localDynamoClientConfig } from '#local/dynamodb-local.ts';
import { ensureTable } from '#shared/store/table-definition.ts';

/** Endpoint of the shared DynamoDB Local. */
export function testDynamoEndpoint(): string {
  const endpoint = inject('dynamoEndpoint') ?? process.env.LEADSCORE_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DynamoDB Local endpoint not provided: is test/global-setup.ts configured?');
  return endpoint;
}

/** A new DynamoDBClient for the shared DynamoDB Local (caller may `destroy()` it). */
export function testDynamoClient(): DynamoDBClient {
  return new DynamoDBClient(localDynamoClientConfig(testDynamoEndpoint()));
}

let sharedClient: DynamoDBClient | undefined;

/**
 * Creates a uniquely named lead table (`<prefix>-<random>`) with `ensureTable` and returns its name.
 * Tests isolate by table; tables live until the in-memory DynamoDB Local stops.
 */
export async function freshTable(prefix: string, client?: DynamoDBClient): Promise<string> {
  const safePrefix = prefix.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 200) || 'test';
  const tableName = `${safePrefix}-${randomUUID().slice(0, 8)}`;
  sharedClient ??= testDynamoClient();
  await ensureTable(client ?? sharedClient, tableName);
  return tableName;
}
