import { parseArgs } from 'node:util';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { IngestEvent } from '#shared/app/ingest.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import type { LeadItem } from '#shared/store/lead-item.ts';
import {
  type BareTarget,
  bareCopy,
  type IngestBench,
  type IngestPath,
  type RecordedWrite,
  startIngestBench,
} from './ingest-setup.ts';
import { generateEvents } from './synthetic-events.ts';

/**
 * PRODUCT §8.2: ingestion on DynamoDB Local. Events go through `app.ingest` (engine, idempotent
 * transaction storing the event and the lead with its outbox of events out; no bus on the
 * request path) at concurrency 1 and 16 (`--concurrency 1,16`, or any list); the same DynamoDB
 * writes are then issued bare (one consistent GetItem + the recorded TransactWriteItems of the
 * same event and lead items, no engine, on the same table under `BARE#` keys) so
 * `overhead_ratio` says what leadscore adds on top of the writes it cannot avoid. Rounds
 * alternate ingest / bare on consecutive chunks of one synthetic stream, so machine noise hits
 * both; medians over rounds are reported.
 * `ddb_requests_per_event` counts every DynamoDB request of the ingest path (request-counter.ts).
 *
 * Prints one line per concurrency level and the summary line with the concurrency-16 figures.
 * `--verbose` adds per-round figures and this process's CPU time per event on stderr.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: 'string', default: '2000' },
      block: { type: 'string', default: '160' },
      'seconds-per-level': { type: 'string', default: '40' },
      'warm-up': { type: 'string', default: '1200' },
      concurrency: { type: 'string', default: '1,16' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const block = Number(values.block);
  const warmUp = Number(values['warm-up']);
  const levels = values.concurrency.split(',').map(Number);
  const log = values.verbose ? (line: string) => console.error(line) : () => {};
  // Every block ingests fresh events (a replay would only take the duplicate path): the stream
  // is long enough for a fast machine, and rounds stop at the time budget.
  const stream = generateEvents({
    events: warmUp + levels.length * MAX_SAMPLES * block,
    leads: Number(values.leads),
  }).map(toIngestEvent);
  let cursor = 0;
  const take = (n: number) => {
    cursor += n;
    return stream.slice(cursor - n, cursor);
  };

  const started = performance.now();
  const bench = await startIngestBench(loadClientConfig('example'));
  try {
    // DynamoDB Local's JVM is 5-10x slower until it has served a few thousand requests.
    const warm = await measurePair(bench, take(warmUp), 16);
    const requests = warm.ingest.requests + warm.bare.requests;
    log(`warm-up: ${warmUp} events ingested and replayed bare (${requests} requests), ${seconds(started)} s`);
    const figures: LevelFigures[] = [];
    for (const concurrency of levels) {
      const level = { concurrency, block, budgetMs: Number(values['seconds-per-level']) * 1000 };
      figures.push(summarise(concurrency, await measureLevel(bench, level, take, log)));
      log(`c=${concurrency}: ${describeCpu(figures.at(-1)!)}, ${seconds(started)} s`);
    }
    for (const f of figures) console.log(`BENCH ingest concurrency=${f.concurrency} ${formatFigures(f)}`);
    // The summary line the ingestion issue asks for carries the concurrency-16 figures (sustained
    // parallel load, as concurrent Lambda invocations give); the lines above give both levels.
    const headline = figures.find((f) => f.concurrency === 16) ?? figures.at(-1);
    if (headline) console.log(`BENCH ingest ${formatFigures(headline)}`);
  } finally {
    await bench.stop();
  }
}

/** Samples per level at most (the stream is sized for it); at least MIN_SAMPLES. */
const MAX_SAMPLES = 150;
const MIN_SAMPLES = 3;

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(0);

/** Alternates, until the time budget is spent: a block through the application, the same writes bare. */
async function measureLevel(
  bench: IngestBench,
  level: { concurrency: number; block: number; budgetMs: number },
  take: (n: number) => IngestEvent[],
  log: (line: string) => void,
): Promise<Pair[]> {
  const { concurrency, block } = level;
  const samples: Pair[] = [];
  const deadline = performance.now() + level.budgetMs;
  while (samples.length < MIN_SAMPLES || (samples.length < MAX_SAMPLES && performance.now() < deadline)) {
    const pair = await measurePair(bench, take(block), concurrency);
    samples.push(pair);
    log(`c=${concurrency} #${samples.length}: ${describePair(pair)}`);
  }
  return samples;
}

interface RoundResult {
  readonly events: number;
  readonly seconds: number;
  readonly latenciesMs: readonly number[];
  /** CPU time of this process (ms): a check on the wall-clock figures when the host is busy. */
  readonly cpuMs: number;
  readonly requests: number;
}

/** Ingest then bare on the same chunk. */
interface Pair {
  readonly ingest: RoundResult;
  readonly bare: RoundResult;
}

interface LevelFigures {
  readonly concurrency: number;
  readonly eventsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requestsPerEvent: number;
  readonly overhead: number;
  /** Diagnostics: this process's CPU per event. */
  readonly cpuUsIngest: number;
  readonly cpuUsBare: number;
}

/** One chunk through the application, then the same chunk's writes bare: an adjacent A/B pair. */
async function measurePair(
  bench: IngestBench,
  events: readonly IngestEvent[],
  concurrency: number,
): Promise<Pair> {
  const path: IngestPath = bench.ingest;
  path.counter.reset();
  // Events are ingested as they happen (now = occurredAt), as the events API sees live traffic.
  const ingest = await timeRound(events, concurrency, async (event) => {
    const result = await path.app.ingest(event, event.occurredAt);
    if (result.status !== 'accepted') throw new Error(`event ${event.eventId} was ${result.status}`);
  });
  const ingestResult = { ...ingest, requests: path.counter.total() };
  const writes = events.map((event) => {
    const items = bench.recorded.get(event.eventId);
    if (!items) throw new Error(`no transaction recorded for event ${event.eventId}`);
    bench.recorded.delete(event.eventId);
    return bareCopy(items);
  });
  bench.bare.counter.reset();
  const bare = await timeRound(writes, concurrency, (items) => bareWrite(bench.bare, items));
  return { ingest: ingestResult, bare: { ...bare, requests: bench.bare.counter.total() } };
}

/** Runs `work` over `items` with `concurrency` workers pulling from one queue, timing each call. */
async function timeRound<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<Omit<RoundResult, 'requests'>> {
  const latenciesMs: number[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const started = performance.now();
      await work(items[i]!);
      latenciesMs[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const { user, system } = process.cpuUsage(cpu);
  const elapsed = (performance.now() - started) / 1000;
  return { events: items.length, seconds: elapsed, latenciesMs, cpuMs: (user + system) / 1000 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The writes one event needs and nothing else: a consistent GetItem of the lead, then the event
 * put (stored once) and the lead put (conditional on the version read) in one transaction,
 * retried on a version conflict with the application's backoff.
 */
async function bareWrite(target: BareTarget, items: RecordedWrite): Promise<void> {
  const { doc, tableName } = target;
  for (let attempt = 1; ; attempt++) {
    const { Item } = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: items.lead.pk, sk: items.lead.sk },
        ConsistentRead: true,
      }),
    );
    const version = (Item as LeadItem | undefined)?.version;
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: items.event,
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { ...items.lead, version: (version ?? 0) + 1 },
                ...(version === undefined
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
              },
            },
          ],
        }),
      );
      return;
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException' || attempt >= 40) throw error;
      await sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
    }
  }
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

function summarise(concurrency: number, samples: readonly Pair[]): LevelFigures {
  const main = samples.map((s) => s.ingest);
  const requests = main.reduce((sum, r) => sum + r.requests, 0);
  const events = main.reduce((sum, r) => sum + r.events, 0);
  const perEvent = (r: RoundResult) => r.seconds / r.events;
  const ratio = (pair: Pair) => perEvent(pair.ingest) / perEvent(pair.bare);
  return {
    concurrency,
    eventsPerSecond: median(main.map((r) => r.events / r.seconds)),
    p50: median(main.map((r) => percentile(r.latenciesMs, 0.5))),
    p99: median(main.map((r) => percentile(r.latenciesMs, 0.99))),
    requestsPerEvent: requests / events,
    overhead: median(samples.map(ratio)),
    cpuUsIngest: median(main.map(cpuPerEvent)),
    cpuUsBare: median(samples.map((s) => cpuPerEvent(s.bare))),
  };
}

function formatFigures(f: LevelFigures): string {
  return (
    `events_per_s=${Math.round(f.eventsPerSecond)} p50_ms=${f.p50.toFixed(2)} p99_ms=${f.p99.toFixed(2)} ` +
    `ddb_requests_per_event=${f.requestsPerEvent.toFixed(3)} overhead_ratio=${f.overhead.toFixed(2)}`
  );
}

const cpuPerEvent = (r: RoundResult) => (r.cpuMs * 1000) / r.events;

function describeCpu(f: LevelFigures): string {
  return (
    `cpu per event ingest ${f.cpuUsIngest.toFixed(0)} us, bare ${f.cpuUsBare.toFixed(0)} us ` +
    `(ratio ${(f.cpuUsIngest / f.cpuUsBare).toFixed(2)})`
  );
}

function describePair(pair: Pair): string {
  const fmt = (r: RoundResult) =>
    `${Math.round(r.events / r.seconds)}/s p50 ${percentile(r.latenciesMs, 0.5).toFixed(2)} ms ` +
    `cpu ${cpuPerEvent(r).toFixed(0)} us/ev req/ev ${(r.requests / r.events).toFixed(3)}`;
  return `ingest ${fmt(pair.ingest)}, bare ${fmt(pair.bare)}`;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
