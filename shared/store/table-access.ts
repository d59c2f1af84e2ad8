import type { TableAccess } from '#shared/manifest.ts';
import type { IndexName } from './table-definition.ts';

/** What one kind of table access may do: item actions on the base table, and the indexes it queries. */
export interface TableGrant {
  /** DynamoDB actions on the base table (`dynamodb:Query` there means the base table only). */
  readonly actions: readonly string[];
  /** Indexes the code queries; each is granted `dynamodb:Query` on its own ARN. */
  readonly indexes: readonly IndexName[];
  /** The notifier's own partitions only (`dynamodb:LeadingKeys`, see `notification-keys.ts`). */
  readonly ownRecordsOnly?: true;
}

const GET = 'dynamodb:GetItem';
const QUERY = 'dynamodb:Query';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';
const DELETE = 'dynamodb:DeleteItem';

/**
 * The grants of each manifest table access, read off what the code sends (`shared/store/`, the
 * only code that talks to DynamoDB): a `TransactWriteItems` needs the actions of its parts
 * (`PutItem`, `UpdateItem`, `ConditionCheckItem`), so ingestion has no delete and no batch write; only erasure deletes.
 */
export const TABLE_GRANTS: Readonly<Record<TableAccess, TableGrant>> = {
  // getLead, listLeads (byRank), accountScore (byAccount), the page's lead items in one BatchGetItem.
  read: { actions: [GET, 'dynamodb:BatchGetItem', QUERY], indexes: ['byRank', 'byAccount'] },
  // storedLead: one GetItem.
  readLead: { actions: [GET], indexes: [] },
  // getLead, hasEvent, listEvents (a lead's and its visitors' partitions), commitIngest (whose
  // transaction checks that a merged visitor's partition does not hold the event), replaceLead.
  ingest: { actions: [GET, QUERY, PUT, UPDATE, 'dynamodb:ConditionCheckItem'], indexes: [] },
  // dueLeads (byDueDay), then as ingestion: replaceLead, checkpoints.
  decay: { actions: [GET, QUERY, PUT, UPDATE], indexes: ['byDueDay'] },
  // eraseLead: the partitions' keys, BatchWriteItem deletes; the dedupe records' DeleteItem.
  erase: { actions: [GET, QUERY, DELETE, 'dynamodb:BatchWriteItem'], indexes: [] },
  readWrite: {
    actions: [
      GET,
      'dynamodb:BatchGetItem',
      QUERY,
      'dynamodb:Scan',
      PUT,
      UPDATE,
      DELETE,
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
    ],
    indexes: ['byRank', 'byDueDay', 'byAccount'],
  },
  // Powertools idempotency (get, conditional put, update, delete) and the delivery log's put.
  idempotency: { actions: [GET, PUT, UPDATE, DELETE], indexes: [], ownRecordsOnly: true },
};
