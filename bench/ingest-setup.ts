import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware } from '@smithy/types';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countRequests, type RequestCounter } from '#shared/clients/request-counter.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import { type EventItem, LeadStore } from '#shared/store/lead-store.ts';
import { ensureTable, tableNameFor } from '#shared/store/table-definition.ts';

/** A way to ingest: a store over its own DynamoDB client, whose requests are counted. */
export interface IngestPath {
  readonly store: LeadStore;
  readonly counter: RequestCounter;
  /** PutEvents requests that reached the bus. */
  readonly putEvents: RequestCounter;
}

/** Where the bare writes go: a second table with the same definition, its own client. */
export interface BareTarget {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly counter: RequestCounter;
}

/** The two items of an event's committed transaction. */
export interface RecordedWrite {
  readonly event: EventItem;
  readonly lead: LeadItem;
}

/** The running benchmark environment; `stop()` leaves no java or bus process behind. */
export interface IngestBench {
  /** Ingestion as deployed: publishing to the local bus over HTTP. */
  readonly ingest: IngestPath;
  /** The same store with PutEvents answered inside the SDK client (no network call). */
  readonly ingestNoPublish: IngestPath;
  readonly bare: BareTarget;
  /** The last TransactWriteItems each ingested event sent (the committed one), by event id. */
  readonly recorded: Map<string, RecordedWrite>;
  stop(): Promise<void>;
}

export class BusProcessError extends Error {
  override name = 'BusProcessError';
}

const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/**
 * Starts an in-memory DynamoDB Local and the local event bus, creates the lead table and the
 * bare-writes table, and builds the stores. The bus runs in its own process: in AWS the
 * EventBridge side of PutEvents is not the ingesting function's work, just as DynamoDB's is not.
 */
export async function startIngestBench(config: ClientConfig): Promise<IngestBench> {
  const cleanups: (() => Promise<void> | void)[] = [];
  // Last started, first stopped; each step runs even if an earlier one failed.
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve().then(cleanup).catch(console.error);
  };
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'leadscore-bench-ingest-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ddb = await startDynamoDbLocal();
    cleanups.push(() => ddb.stop());
    const busName = tableNameFor(config.client);
    const bus = await startBusProcess(busName, dataDir);
    cleanups.push(() => bus.stop());

    const tableName = tableNameFor(config.client);
    const bareTable = `${tableName}-bare`;
    const dynamo = () => {
      const client = new DynamoDBClient(localDynamoClientConfig(ddb.endpoint));
      cleanups.push(() => client.destroy());
      return client;
    };
    const admin = dynamo();
    await ensureTable(admin, tableName);
    await ensureTable(admin, bareTable);

    const recorded = new Map<string, RecordedWrite>();
    const path = (eventBridge: EventBridgeClient): IngestPath => {
      cleanups.push(() => eventBridge.destroy());
      const client = dynamo();
      const doc = recordTransactions(wrapDocument(client), recorded);
      return {
        store: new LeadStore({ doc, tableName, config, eventBridge, busName }),
        counter: countRequests(client),
        putEvents: countRequests(eventBridge),
      };
    };
    const bareClient = dynamo();
    return {
      ingest: path(new EventBridgeClient({ ...LOCAL_AWS, endpoint: bus.endpoint })),
      ingestNoPublish: path(stubPutEvents(new EventBridgeClient(LOCAL_AWS))),
      bare: { doc: wrapDocument(bareClient), tableName: bareTable, counter: countRequests(bareClient) },
      recorded,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Keeps the items of each TransactWriteItems the store sends, so the bare round writes the very
 * same items (same sizes, same conditions). Costs one Map.set per transaction.
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

/**
 * Answers PutEvents inside the client (every entry accepted), so a store built on it does all of
 * its ingestion work except the call to the bus: the "without publishing" variant.
 */
function stubPutEvents(client: EventBridgeClient): EventBridgeClient {
  let seq = 0;
  const middleware: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      if (context.commandName !== 'PutEventsCommand') return next(args);
      const entries = (args.input as PutEventsCommandInput).Entries ?? [];
      const output: PutEventsCommandOutput = {
        FailedEntryCount: 0,
        Entries: entries.map(() => ({ EventId: `stub-${++seq}` })),
        $metadata: { httpStatusCode: 200 },
      };
      return { output, response: undefined };
    };
  client.middlewareStack.add(middleware, {
    step: 'initialize',
    priority: 'high',
    name: 'benchStubPutEvents',
  });
  return client;
}

/** The child: serves the bus, prints its endpoint, exits when the parent closes its stdin. */
const BUS_PROCESS_SOURCE = `
const { LocalEventBus } = await import(process.env.BENCH_BUS_MODULE);
const bus = new LocalEventBus({ name: process.env.BENCH_BUS_NAME, dataDir: process.env.BENCH_BUS_DIR });
console.log(await bus.listen());
process.stdin.on('end', () => bus.close({ drainTimeoutMs: 0 }).finally(() => process.exit(0)));
process.stdin.resume();
`;

/** Runs `local/event-bus.ts` in a child node process; resolves with its endpoint. */
async function startBusProcess(
  name: string,
  dataDir: string,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--input-type=module', '--eval', BUS_PROCESS_SOURCE],
    {
      env: {
        ...process.env,
        BENCH_BUS_MODULE: new URL('../local/event-bus.ts', import.meta.url).href,
        BENCH_BUS_NAME: name,
        BENCH_BUS_DIR: dataDir,
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: child.stdout! });
  const endpoint = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    failed,
    exited.then((code) => Promise.reject(new BusProcessError(`the local bus exited (code ${code})`))),
  ]).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  lines.close();
  child.stdout?.resume();
  if (!endpoint.startsWith('http://')) {
    await stop();
    throw new BusProcessError(`the local bus printed "${endpoint}" instead of its endpoint`);
  }
  return { endpoint, stop };
}
