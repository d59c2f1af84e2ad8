import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * AWS clients, built once per process (module scope in a Lambda). Locally the endpoints come
 * from `LEADSCORE_DYNAMODB_ENDPOINT` / `LEADSCORE_EVENTBRIDGE_ENDPOINT` with fixed credentials.
 */
let dynamo: DynamoDBClient | undefined;
let document: DynamoDBDocumentClient | undefined;
let eventBridge: EventBridgeClient | undefined;

export function dynamoClient(): DynamoDBClient {
  const endpoint = process.env.LEADSCORE_DYNAMODB_ENDPOINT;
  dynamo ??= new DynamoDBClient(
    endpoint
      ? { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: LOCAL_CREDENTIALS }
      : {},
  );
  return dynamo;
}

/** Document client over {@link dynamoClient}: plain JS values in and out. */
export function documentClient(client: DynamoDBClient = dynamoClient()): DynamoDBDocumentClient {
  if (client !== dynamo) return wrapDocument(client);
  document ??= wrapDocument(client);
  return document;
}

export function wrapDocument(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function eventBridgeClient(): EventBridgeClient {
  const endpoint = process.env.LEADSCORE_EVENTBRIDGE_ENDPOINT;
  eventBridge ??= new EventBridgeClient(
    endpoint
      ? { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: LOCAL_CREDENTIALS }
      : {},
  );
  return eventBridge;
}
