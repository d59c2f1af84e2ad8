import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countRequests, type RequestCounter } from '#shared/clients/request-counter.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import type { EventItem } from '#shared/store/lead-repository.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';

/** The ingest path: the application over its own DynamoDB client, whose requests are counted. */
export interface IngestPath {
  readonly app: Leadscore;
  readonly counter: RequestCounter;
}

/**
 * Where the bare writes go: the same table (its own client), under keys of their own (see
 * {@link bareCopy}). DynamoDB Local can serve two tables of one definition and the same items
 * at very different speeds (a second table measured 2× slower on GetItem for identical items
 * after the same load), so both sides of the comparison use one table.
 */
export interface BareTarget {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly counter: RequestCounter;
}

/** The bare writes' partition-key prefix: as long as `LEAD#`, so every item keeps its size. */
const BARE_PREFIX = 'BARE#';

/** The two items of an event's committed transaction. */
export interface RecordedWrite {
  readonly event: EventItem;
  readonly lead: LeadItem;
}

/** The running benchmark environment; `stop()` leaves no java process behind. */
export interface IngestBench {
  /** Ingestion as deployed: `app.ingest`, whose events out go in the lead item's outbox. */
  readonly ingest: IngestPath;
  readonly bare: BareTarget;
  /** The last TransactWriteItems each ingested event sent (the committed one), by event id. */
  readonly recorded: Map<string, RecordedWrite>;
  stop(): Promise<void>;
}

/** The same items under the bare partition (`BARE#<leadId>`): same sizes, same index keys. */
export function bareCopy(write: RecordedWrite): RecordedWrite {
  const rekey = (pk: string) => `${BARE_PREFIX}${pk.slice(pk.indexOf('#') + 1)}`;
  return {
    event: { ...write.event, pk: rekey(write.event.pk) },
    lead: { ...write.lead, pk: rekey(write.lead.pk) },
  };
}

/**
 * Starts an in-memory DynamoDB Local, creates the lead table and builds the application. No bus: the write path stores its events out in the lead item
 * (the outbox) and a stream consumer publishes them, outside the request.
 */
export async function startIngestBench(config: ClientConfig): Promise<IngestBench> {
  const cleanups: (() => Promise<void> | void)[] = [];
  // Last started, first stopped; each step runs even if an earlier one failed.
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve().then(cleanup).catch(console.error);
  };
  try {
    const ddb = await startDynamoDbLocal();
    cleanups.push(() => ddb.stop());
    const tableName = tableNameFor(config.client);
    const dynamo = () => {
      const client = new DynamoDBClient(localDynamoClientConfig(ddb.endpoint));
      cleanups.push(() => client.destroy());
      return client;
    };
    const admin = dynamo();
    await ensureTable(admin, tableName);

    const recorded = new Map<string, RecordedWrite>();
    const client = dynamo();
    const doc = recordTransactions(wrapDocument(client), recorded);
    const bareClient = dynamo();
    return {
      ingest: { app: Leadscore.forTable({ doc, tableName, config }), counter: countRequests(client) },
      bare: { doc: wrapDocument(bareClient), tableName, counter: countRequests(bareClient) },
      recorded,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Keeps the items of each TransactWriteItems the application sends, so the bare round writes
 * the very same items (same sizes, same conditions). Costs one Map.set per transaction.
 */
function recordTransactions(doc: DynamoDBDocumentClient, recorded: Map<string, RecordedWrite>) {
  const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
  const recordingSend = (command: unknown) => {
    if (command instanceof TransactWriteCommand) {
      const [eventPut, leadPut] = command.input.TransactItems ?? [];
      const event = eventPut?.Put?.Item as EventItem | undefined;
      const lead = leadPut?.Put?.Item as LeadItem | undefined;
      if (event && lead) recorded.set(event.eventId, { event, lead });
    }
    return send(command);
  };
  return Object.assign(doc, { send: recordingSend }) as DynamoDBDocumentClient;
}
