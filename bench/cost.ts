import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { localDynamoClientConfig, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import type { IngestEvent } from '#shared/app/ingest.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { countRequests } from '#shared/clients/request-counter.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { OUTBOX_STREAM } from '#shared/events/outbox-stream.ts';
import { decodeOutbox, OUTBOX_ATTRIBUTE } from '#shared/store/outbox.ts';
import { ensureTable, INDEXES, tableNameFor } from '#shared/store/table-definition.ts';
import { generateEvents } from './synthetic-events.ts';

/**
 * List prices, us-east-1, on-demand, free tiers ignored (as published in 2025).
 * Sources: aws.amazon.com/api-gateway/pricing (HTTP APIs, first 300 million requests a month),
 * aws.amazon.com/lambda/pricing (Arm), aws.amazon.com/dynamodb/pricing/on-demand (1 WCU = 1 WRU,
 * 1 RCU = 1 RRU), aws.amazon.com/eventbridge/pricing (custom events, per 64 KB chunk).
 */
export const PRICES = {
  /** API Gateway HTTP API, per request (≤ 512 KB). */
  apiGatewayHttpRequest: 1.0 / 1e6,
  /** Lambda arm64, per GB-second of billed duration. */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda, per invocation. */
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand, per write request unit. */
  dynamoWru: 0.625 / 1e6,
  /** DynamoDB on-demand, per read request unit. */
  dynamoRru: 0.125 / 1e6,
  /** DynamoDB Streams, per streams read request unit (one GetRecords call). */
  streamsReadRequest: 0.02 / 1e5,
  /** EventBridge custom events put on a bus, per event (64 KB chunk). */
  eventBridgeEvent: 1.0 / 1e6,
} as const;

/**
 * Memory of the functions on the path, as deployed: shared/manifest.ts (`events.memoryMb` 1024,
 * `outbox-relay.memoryMb` 512), which cdk/constructs/leadscore-function.ts reads.
 */
export const EVENTS_FUNCTION_MEMORY_MB = 1024;
export const RELAY_FUNCTION_MEMORY_MB = 512;

/** The lead table's GSIs, in the order the breakdown line prints them. */
const INDEX_NAMES = [INDEXES.byRank.name, INDEXES.byDueDay.name, INDEXES.byAccount.name] as const;

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Units {
  read: number;
  write: number;
}

interface CapacityEntry {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

interface ConsumedCapacity extends CapacityEntry {
  Table?: CapacityEntry;
  GlobalSecondaryIndexes?: Record<string, CapacityEntry>;
}

/** What the capacity meter summed since its last reset. */
export interface CapacityTotals {
  /** Requests sent (one per command, before SDK retries). */
  readonly requests: number;
  /** Capacity by `table` or index name. */
  readonly units: Readonly<Record<string, Units>>;
  /** Items put by the writes (each is one DynamoDB stream record). */
  readonly itemsWritten: number;
  /** Lead items written with an outbox: the stream records the relay's filter lets through. */
  readonly outboxWrites: number;
  /** Outbox entries of the lead items written (64 KB chunks): what the stream relay puts on the bus. */
  readonly outboxEvents: number;
  readonly outboxByType: Readonly<Record<string, number>>;
  /** Sizes (bytes, DynamoDB's item-size rules, estimated) of what the writes put, for the breakdown. */
  readonly sizes: Readonly<Record<'eventItem' | 'leadItem' | 'state' | 'outbox', SizeTally>>;
}

/** Items seen, their bytes and the 1 KB write units each item needs on its own (rounded up per item). */
interface SizeTally {
  count: number;
  bytes: number;
  kbUnits: number;
}

export interface CapacityMeter {
  totals(): CapacityTotals;
  reset(): void;
  detach(): void;
}

interface WriteInput {
  Item?: Record<string, unknown>;
  TransactItems?: { Put?: { Item?: Record<string, unknown> }; Update?: unknown; Delete?: unknown }[];
}

/**
 * An SDK middleware on a DynamoDB client (and any DynamoDBDocumentClient built on it) that sets
 * `ReturnConsumedCapacity: 'INDEXES'` on every data-plane command and sums the `ConsumedCapacity`
 * of the outputs (a list for transactions and batches): the table and each GSI, read and write.
 * It runs at the initialize step, before the document client marshals the input, so it also
 * reads the outbox of every lead item a successful write stored (`decodeOutbox`).
 */
export function meterCapacity<Input extends object, Output extends MetadataBearer>(client: {
  middlewareStack: MiddlewareStack<Input, Output>;
}): CapacityMeter {
  const name = 'leadscoreCapacityMeter';
  let totals = empty();
  const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    if (!READS.has(operation) && !WRITES.has(operation)) return next(args);
    const result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } });
    totals.requests++;
    const consumed = [
      (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity ?? [],
    ].flat();
    for (const entry of consumed) {
      add(totals.units, 'table', entry.Table ?? {}, operation);
      for (const [index, units] of Object.entries(entry.GlobalSecondaryIndexes ?? {}))
        add(totals.units, index, units, operation);
    }
    if (WRITES.has(operation)) countWrites(totals, args.input as WriteInput);
    return result;
  };
  client.middlewareStack.add(middleware, { step: 'initialize', priority: 'low', name });
  return {
    totals: () => structuredClone(totals),
    reset: () => {
      totals = empty();
    },
    detach: () => {
      client.middlewareStack.remove(name);
    },
  };
}

function empty() {
  return {
    requests: 0,
    units: Object.fromEntries(['table', ...INDEX_NAMES].map((k) => [k, { read: 0, write: 0 }])) as Record<
      string,
      Units
    >,
    itemsWritten: 0,
    outboxWrites: 0,
    outboxEvents: 0,
    outboxByType: {} as Record<string, number>,
    sizes: {
      eventItem: { count: 0, bytes: 0, kbUnits: 0 },
      leadItem: { count: 0, bytes: 0, kbUnits: 0 },
      state: { count: 0, bytes: 0, kbUnits: 0 },
      outbox: { count: 0, bytes: 0, kbUnits: 0 },
    },
  };
}

function tally(t: SizeTally, bytes: number) {
  t.count++;
  t.bytes += bytes;
  t.kbUnits += Math.max(1, Math.ceil(bytes / 1024));
}

/**
 * An item's size as DynamoDB bills it (estimated from the published rules): attribute names
 * plus values; strings in UTF-8, binaries as is, numbers about one byte per two significant
 * digits plus one, booleans and null one byte, lists and maps 3 bytes plus one per element.
 */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name) + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/[.]|e.*$/g, '')
      .replace(/^0+|0+$/g, '').length;
    return Math.ceil(Math.max(1, digits) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueBytes(v), 0);
  if (typeof value === 'object')
    return 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueBytes(v), 0);
  return 0;
}

/** Adds one capacity entry; read or write by its own fields, else by the operation. */
function add(units: Record<string, Units>, key: string, entry: CapacityEntry, operation: string) {
  const target = units[key] ?? { read: 0, write: 0 };
  units[key] = target;
  if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
    target.read += entry.ReadCapacityUnits ?? 0;
    target.write += entry.WriteCapacityUnits ?? 0;
  } else if (WRITES.has(operation)) target.write += entry.CapacityUnits ?? 0;
  else target.read += entry.CapacityUnits ?? 0;
}

function countWrites(totals: ReturnType<typeof empty>, input: WriteInput) {
  const items = input.TransactItems
    ? input.TransactItems.map((t) => t.Put?.Item ?? (t.Update || t.Delete ? {} : undefined))
    : [input.Item];
  for (const item of items) {
    if (!item) continue;
    totals.itemsWritten++;
    if (item.sk === 'LEAD') {
      tally(totals.sizes.leadItem, itemBytes(item));
      if (item.state instanceof Uint8Array) tally(totals.sizes.state, item.state.byteLength);
    } else if (typeof item.sk === 'string' && item.sk.startsWith('EVT#'))
      tally(totals.sizes.eventItem, itemBytes(item));
    const outbox = item[OUTBOX_ATTRIBUTE];
    if (item.sk !== 'LEAD' || !(outbox instanceof Uint8Array)) continue;
    tally(totals.sizes.outbox, outbox.byteLength);
    totals.outboxWrites++;
    for (const event of decodeOutbox(outbox)) {
      // EventBridge bills each 64 KB chunk of an entry as one event.
      const chunks = Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(event)) / 65_536));
      totals.outboxEvents += chunks;
      totals.outboxByType[event.detailType] = (totals.outboxByType[event.detailType] ?? 0) + 1;
    }
  }
}

interface Settings {
  events: number;
  leads: number;
  warmUp: number;
  streamBatch: number;
  relayMs: number;
  eventsPerRequest: number;
}

function settingsOf(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: '800' },
      leads: { type: 'string', default: '80' },
      'warm-up': { type: 'string', default: '400' },
      'stream-batch': { type: 'string', default: String(OUTBOX_STREAM.batchSize) },
      'relay-ms': { type: 'string', default: '50' },
      'events-per-request': { type: 'string', default: '1' },
    },
  });
  const settings = {
    events: Number(values.events),
    leads: Number(values.leads),
    warmUp: Number(values['warm-up']),
    streamBatch: Number(values['stream-batch']),
    relayMs: Number(values['relay-ms']),
    eventsPerRequest: Number(values['events-per-request']),
  };
  for (const [key, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value < (key === 'warmUp' || key === 'relayMs' ? 0 : 1))
      throw new Error(`--${key}: expected a number ≥ 1 (got ${value})`);
  }
  return settings;
}

function toIngestEvent(event: ReturnType<typeof generateEvents>[number]): IngestEvent {
  return {
    eventId: event.eventId,
    email: event.email,
    type: event.type,
    occurredAt: Date.parse(event.occurredAt),
    attributes: event.attributes,
    ...(event.profile ? { profile: event.profile } : {}),
  };
}

/** Ingests events one at a time (one per request, as POST /v1/events with one event), timing each. */
async function ingestAll(app: Leadscore, events: readonly IngestEvent[]): Promise<number[]> {
  const durations: number[] = [];
  for (const event of events) {
    const started = performance.now();
    const result = await app.ingest(event, event.occurredAt);
    durations.push(performance.now() - started);
    if (result.status !== 'accepted') throw new Error(`event ${event.eventId} was ${result.status}`);
  }
  return durations;
}

const fixed = (n: number, digits = 3) => n.toFixed(digits);

/**
 * PRODUCT §8 cost: every DynamoDB request the ingest path (`app.ingest`) makes over the
 * synthetic mix (`--events` events over `--leads` leads, ~10 events per lead as in the default
 * mix; new leads' form posts included), on DynamoDB Local with `ReturnConsumedCapacity:
 * INDEXES`, then priced per million events at the list prices above.
 *
 * Model, per event: one API Gateway request and one events-function invocation per
 * `--events-per-request` events (default 1: one event per POST); the function billed for the
 * measured ingest time (ms, rounded up per invocation) at its memory; the measured WRU and
 * RRU; one GetRecords per `--stream-batch` stream records (the relay's batch size,
 * OUTBOX_STREAM; one record per item written, measured); one relay invocation (`--relay-ms`
 * billed at the relay's memory) per batch of the records its filter passes (lead items written
 * with an outbox, measured); one EventBridge event per outbox entry stored (measured). Not included: CloudWatch Logs, X-Ray,
 * storage, notifications.
 *
 * Prints `BENCH cost ...` and `BENCH cost_wcu ...` (WCU per event by table and index).
 */
export async function run(args: string[]): Promise<void> {
  const settings = settingsOf(args);
  const config = loadClientConfig('example');
  const measured = generateEvents({ events: settings.events, leads: settings.leads }).map(toIngestEvent);
  // Warm-up traffic: other leads and ids (another seed and prefix) on another table.
  const warmUp = generateEvents({
    events: settings.warmUp,
    leads: Math.max(1, settings.warmUp / 10),
    seed: 7,
  })
    .map(toIngestEvent)
    .map((e) => ({ ...e, eventId: `w${e.eventId}`, email: `w${e.email}` }));

  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient(localDynamoClientConfig(ddb.endpoint));
  try {
    const tableName = tableNameFor(config.client);
    await ensureTable(client, tableName);
    await ensureTable(client, `${tableName}-warm-up`);
    const doc = wrapDocument(client);
    const meter = meterCapacity(client);
    const requests = countRequests(client);
    // Not measured: JIT and DynamoDB Local's JVM warm up, same paths.
    await ingestAll(Leadscore.forTable({ doc, tableName: `${tableName}-warm-up`, config }), warmUp);

    meter.reset();
    requests.reset();
    const app = Leadscore.forTable({ doc, tableName, config });
    const durations = await ingestAll(app, measured);
    const totals = meter.totals();
    const wireRequests = requests.total();
    const byOperation = requests.byOperation();
    meter.detach();
    requests.detach();

    const n = measured.length;
    const sum = (pick: (u: Units) => number) => Object.values(totals.units).reduce((s, u) => s + pick(u), 0);
    const wcu = sum((u) => u.write) / n;
    const rcu = sum((u) => u.read) / n;
    const meanMs = durations.reduce((s, d) => s + d, 0) / n;
    const billedMs = durations.reduce((s, d) => s + Math.ceil(d), 0) / n;
    const recordsPerEvent = totals.itemsWritten / n;
    const getRecordsPerEvent = recordsPerEvent / settings.streamBatch;
    const relayInvocationsPerEvent = totals.outboxWrites / n / settings.streamBatch;
    const invocationsPerEvent = 1 / settings.eventsPerRequest;
    const perEvent = {
      apiGateway: invocationsPerEvent * PRICES.apiGatewayHttpRequest,
      eventsLambda:
        invocationsPerEvent * PRICES.lambdaRequest +
        (EVENTS_FUNCTION_MEMORY_MB / 1024) * (billedMs / 1000) * PRICES.lambdaArmGbSecond,
      dynamoWrites: wcu * PRICES.dynamoWru,
      dynamoReads: rcu * PRICES.dynamoRru,
      streamReads: getRecordsPerEvent * PRICES.streamsReadRequest,
      relayLambda:
        relayInvocationsPerEvent *
        (PRICES.lambdaRequest +
          (RELAY_FUNCTION_MEMORY_MB / 1024) * (settings.relayMs / 1000) * PRICES.lambdaArmGbSecond),
      eventBridge: (totals.outboxEvents / n) * PRICES.eventBridgeEvent,
    };
    const usdPerMillion = Object.values(perEvent).reduce((s, v) => s + v, 0) * 1e6;

    console.error(
      `cost: ${n} events over ${settings.leads} leads (${new Set(measured.map((e) => e.email)).size} distinct), ` +
        `${wireRequests} requests on the wire ${JSON.stringify(byOperation)}; ` +
        `ingest ${fixed(meanMs, 2)} ms mean, ${fixed(billedMs, 2)} ms billed per event`,
    );
    console.error(
      `cost: per event ${fixed(recordsPerEvent)} items written (stream records), ${fixed(totals.outboxWrites / n)} ` +
        `with an outbox (relayed), ` +
        `${fixed(totals.outboxEvents / n)} outbox events ${JSON.stringify(totals.outboxByType)}`,
    );
    const mean = (t: SizeTally) => `${t.count} × ${Math.round(t.bytes / Math.max(1, t.count))} B`;
    const size = (t: SizeTally) => `${mean(t)} (${fixed(t.kbUnits / Math.max(1, t.count), 2)} KB units)`;
    const { eventItem, leadItem, state, outbox } = totals.sizes;
    console.error(
      `cost: items put: event ${size(eventItem)}, lead ${size(leadItem)}; in the lead: state ${mean(state)}, outbox ${mean(outbox)}; ` +
        `table units expected in transactions 2 × (${fixed(eventItem.kbUnits / n, 2)} + ${fixed(leadItem.kbUnits / n, 2)}) = ` +
        `${fixed((2 * (eventItem.kbUnits + leadItem.kbUnits)) / n, 2)} per event`,
    );
    console.error(
      `cost: read units per event ${Object.entries(totals.units)
        .map(([k, u]) => `${k}=${fixed(u.read / n)}`)
        .join(' ')}`,
    );
    console.error(
      `cost: usd per million events ${Object.entries(perEvent)
        .map(([k, v]) => `${k}=${fixed(v * 1e6)}`)
        .join(' ')}`,
    );
    console.log(
      `BENCH cost events=${n} requests_per_event=${fixed(totals.requests / n)} wcu_per_event=${fixed(wcu)} ` +
        `rcu_per_event=${fixed(rcu)} usd_per_million=${fixed(usdPerMillion, 2)}`,
    );
    console.log(
      `BENCH cost_wcu ${['table', ...INDEX_NAMES].map((k) => `${k}=${fixed((totals.units[k]?.write ?? 0) / n)}`).join(' ')} ` +
        `total=${fixed(wcu)}`,
    );
  } finally {
    client.destroy();
    await ddb.stop();
  }
}
