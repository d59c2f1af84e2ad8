import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeadRepository } from '#shared/store/lead-repository.ts';

export interface BulkLoadOptions {
  /** Requests in flight at once. */
  readonly parallel: number;
}

/**
 * Loads items with BatchWriteItem, 25 per request and `parallel` requests in flight, through the
 * repository (`loadItems`): the fast way to fill a benchmark table with what the store writes.
 */
export function bulkLoad(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly object[],
  options: BulkLoadOptions,
): Promise<void> {
  return new LeadRepository(doc, tableName).loadItems(items, options.parallel);
}
