import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem takes at most 25 puts per request. */
const BATCH_SIZE = 25;
const MAX_ROUNDS = 20;

export interface BulkLoadOptions {
  /** Requests in flight at once. */
  readonly parallel: number;
}

/** Items DynamoDB kept refusing (UnprocessedItems) after every retry. */
export class BulkLoadError extends Error {
  override name = 'BulkLoadError';
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Writes one batch, retrying what DynamoDB returns as unprocessed with backoff. */
async function writeBatch(doc: DynamoDBDocumentClient, tableName: string, items: readonly object[]) {
  let requests = items.map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } }));
  for (let round = 0; round < MAX_ROUNDS && requests.length > 0; round++) {
    if (round > 0) await sleep(Math.min(1_000, 20 * 2 ** round));
    const { UnprocessedItems } = await doc.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
    );
    requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
  }
  if (requests.length > 0) {
    throw new BulkLoadError(`${requests.length} item(s) still unprocessed after ${MAX_ROUNDS} rounds`);
  }
}

/**
 * Loads items with BatchWriteItem, 25 per request and `parallel` requests in flight: the fast
 * way to fill a benchmark table (the items are already what the store would write).
 */
export async function bulkLoad(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly object[],
  options: BulkLoadOptions,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let start = next; start < items.length; start = next) {
      next += BATCH_SIZE;
      await writeBatch(doc, tableName, items.slice(start, start + BATCH_SIZE));
    }
  };
  await Promise.all(Array.from({ length: options.parallel }, worker));
}
