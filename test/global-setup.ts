/**
 * Vitest global setup: starts one in-memory DynamoDB Local on a free port for the whole run and
 * exposes its endpoint to tests via `inject('dynamoEndpoint')` and `process.env.LEADSCORE_DYNAMODB_ENDPOINT`
 * (inherited by the worker processes). The teardown stops the java process.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb-local.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  process.env.LEADSCORE_DYNAMODB_ENDPOINT = dynamo.endpoint;

  return async () => {
    await dynamo.stop();
    if (process.env.LEADSCORE_DYNAMODB_ENDPOINT === dynamo.endpoint) {
      delete process.env.LEADSCORE_DYNAMODB_ENDPOINT;
    }
  };
}
