/**
 * A local stand-in for Lambda's DynamoDB stream event source mapping (PRODUCT §4.1, §7.1): it
 * reads DynamoDB Local's stream of the lead table (DescribeStream, GetShardIterator,
 * GetRecords), follows its shards (a closed shard is read to its end before its children), and
 * invokes the consumer with the Lambda event it gets deployed (`stream-event.ts`), filtered by the
 * same pattern as the deployed filter criteria. It applies the consumer's partial batch
 * response as Lambda does: the records before the first failed one are done, the rest is retried
 * with backoff; a consumer that throws has its batch split in two (bisect on error). A batch
 * still failing after the retry attempts, or whose first record is older than the maximum
 * record age, is handed to `onGiveUp` (deployed: the on-failure queue) and passed.
 *
 * The last record done in each shard is checkpointed in a JSON file (written whole to a
 * temporary file, then renamed, so a `kill -9` leaves the old or the new one, never half of
 * one), so a restart resumes after it: DynamoDB Local keeps its stream, shard ids and sequence
 * numbers in its `-dbPath` files across restarts, even after being killed. A checkpoint of
 * another stream (a table created again, an in-memory run) is ignored: reading starts from the
 * oldest record of the new stream. A checkpoint older than the records kept starts from the
 * oldest kept, and says so.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type EventPattern, matchesPattern } from './pattern.ts';
import { toLambdaRecord } from './stream-event.ts';

export interface StreamPollerOptions {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  /** The stream to read: the table's `LatestStreamArn`. */
  streamArn: string;
  /** Invokes the consumer; a rejection is a function error. */
  invoke(event: DynamoDBStreamEvent): Promise<unknown>;
  /** Where the last record done of each shard is kept. */
  checkpointFile: string;
  /** Only records matching this pattern are sent (Lambda's filter criteria); others are passed. */
  filter?: EventPattern;
  /** Records per invocation. Default 100. */
  batchSize?: number;
  /** Split a batch in two when the consumer throws. Default true. */
  bisectBatchOnError?: boolean;
  /** Retries of a failing batch before it is given up. Default unlimited. */
  retryAttempts?: number;
  /** A failing batch whose first record is older than this is given up. Default unlimited. */
  maxRecordAgeMs?: number;
  /** Wait between reads of a shard with nothing new. Default 200 ms. */
  pollIntervalMs?: number;
  /** How often the shards are listed again (new shards, children of closed ones). Default 5 s. */
  discoverIntervalMs?: number;
  /** Backoff between retries of a failing batch: doubles from `baseDelayMs` up to `maxDelayMs`. */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Awaited after an invocation, before its records are checkpointed. Locally the bus keeps
   * its deliveries in memory only, so the stack waits for them here: a crash before they are
   * done replays the records (the notifiers dedupe), instead of losing what EventBridge would
   * have kept.
   */
  beforeCheckpoint?: () => Promise<void>;
  /** A batch given up (deployed: the description the on-failure queue gets). */
  onGiveUp?: (batch: GivenUpBatch) => Promise<void>;
  log?: (line: string) => void;
}

/** What `onGiveUp` gets: the records of the batch that kept failing, as they were sent. */
export interface GivenUpBatch {
  streamArn: string;
  shardId: string;
  reason: 'retryAttempts' | 'maxRecordAge';
  attempts: number;
  error: string;
  records: DynamoDBRecord[];
}

export interface StreamPoller {
  /**
   * Resolves once every shard has been read to its end as of this call with nothing left to
   * send or retry (tests: "the stream is relayed"). A write shows in DynamoDB Local's stream a
   * moment after it returns, so only reads started `settleMs` (default 300) after the call count.
   */
  whenIdle(settleMs?: number): Promise<void>;
  /** Stops reading; waits briefly for an invocation in flight (its records are not checkpointed otherwise). */
  stop(): Promise<void>;
}

interface CheckpointFile {
  streamArn: string;
  shards: Record<string, { sequenceNumber?: string; finished?: boolean }>;
}

/** The per-shard positions, kept in memory and written whole to the file on every change. */
class Checkpoints {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly state: CheckpointFile,
  ) {}

  static async load(file: string, streamArn: string, log: (line: string) => void): Promise<Checkpoints> {
    let saved: CheckpointFile | undefined;
    try {
      saved = JSON.parse(await readFile(file, 'utf8')) as CheckpointFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        log(`stream: ignoring unreadable checkpoint file ${file}: ${(error as Error).message}`);
      }
    }
    if (saved && saved.streamArn !== streamArn) {
      log(
        `stream: checkpoints of ${saved.streamArn} ignored; reading the new stream ${streamArn} from its start`,
      );
      saved = undefined;
    }
    return new Checkpoints(file, saved ?? { streamArn, shards: {} });
  }

  sequenceOf(shardId: string): string | undefined {
    return this.state.shards[shardId]?.sequenceNumber;
  }

  isFinished(shardId: string): boolean {
    return this.state.shards[shardId]?.finished === true;
  }

  advance(shardId: string, sequenceNumber: string): Promise<void> {
    this.state.shards[shardId] = { ...this.state.shards[shardId], sequenceNumber };
    return this.save();
  }

  finish(shardId: string): Promise<void> {
    this.state.shards[shardId] = { ...this.state.shards[shardId], finished: true };
    return this.save();
  }

  private save(): Promise<void> {
    const text = `${JSON.stringify(this.state, null, 2)}\n`;
    this.writes = this.writes.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.tmp`;
      await writeFile(temporary, text);
      await rename(temporary, this.file);
    });
    return this.writes;
  }
}

const sequenceOf = (record: _Record): string => record.dynamodb?.SequenceNumber ?? '';
const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** What one invocation did with a batch: how many of its records (from the start) are done. */
interface Delivery {
  done: number;
  /** The consumer threw (or named no record of the batch): the whole batch failed. */
  threw: boolean;
  error: string;
}

/** Starts reading the stream; resolves once the shards are listed and their readers started. */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const log = options.log ?? (() => {});
  const batchSize = options.batchSize ?? 100;
  const bisect = options.bisectBatchOnError ?? true;
  const retryAttempts = options.retryAttempts ?? Number.POSITIVE_INFINITY;
  const maxRecordAgeMs = options.maxRecordAgeMs ?? Number.POSITIVE_INFINITY;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const discoverIntervalMs = options.discoverIntervalMs ?? 5_000;
  const baseDelayMs = options.retry?.baseDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5_000;
  const { streams, streamArn } = options;
  const checkpoints = await Checkpoints.load(options.checkpointFile, streamArn, log);

  const stopping = new AbortController();
  const running = new Map<string, Promise<void>>();
  /** Per shard reader: when its latest read that found nothing new started, if nothing is pending. */
  const idleSince = new Map<string, number>();
  /** Shards listed at the last discovery and not read to their end. */
  let unfinishedShards = 0;

  const pause = (ms: number) =>
    new Promise<void>((wake) => {
      if (stopping.signal.aborted) return wake();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        wake();
      }
      stopping.signal.addEventListener('abort', done);
    });

  async function listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** Starts a reader for every shard not done whose parent, if still listed, is done. */
  async function discover(): Promise<void> {
    const shards = await listShards();
    const listed = new Set(shards.map((shard) => shard.ShardId));
    unfinishedShards = shards.filter(
      (shard) => shard.ShardId && !checkpoints.isFinished(shard.ShardId),
    ).length;
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (!shardId || running.has(shardId) || checkpoints.isFinished(shardId)) continue;
      const parent = shard.ParentShardId;
      if (parent && listed.has(parent) && !checkpoints.isFinished(parent)) continue;
      const reader = readShard(shardId)
        .catch((error: unknown) => log(`stream: reader of ${shardId} stopped: ${describe(error)}`))
        .finally(() => {
          running.delete(shardId);
          idleSince.delete(shardId);
          // Its children may start now.
          if (!stopping.signal.aborted) discover().catch(() => {});
        });
      running.set(shardId, reader);
    }
  }

  async function iteratorAfterCheckpoint(shardId: string): Promise<string | undefined> {
    const after = checkpoints.sequenceOf(shardId);
    const input: GetShardIteratorCommandInput = after
      ? {
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: after,
        }
      : { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' };
    try {
      return (await streams.send(new GetShardIteratorCommand(input))).ShardIterator;
    } catch (error) {
      if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
      log(
        `stream: records of ${shardId} after ${after} were trimmed from the stream; reading from the oldest kept`,
      );
      const oldest = { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' } as const;
      return (await streams.send(new GetShardIteratorCommand(oldest))).ShardIterator;
    }
  }

  async function deliver(batch: readonly _Record[]): Promise<Delivery> {
    const records = batch.map((record) => toLambdaRecord(record, streamArn));
    const sent = options.filter ? records.filter((r) => matchesPattern(options.filter ?? {}, r)) : records;
    if (sent.length === 0) return { done: batch.length, threw: false, error: '' };
    let response: DynamoDBBatchResponse | undefined;
    try {
      response = (await options.invoke({ Records: sent })) as DynamoDBBatchResponse | undefined;
    } catch (error) {
      return { done: 0, threw: true, error: describe(error) };
    }
    const failures = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    if (failures.size === 0) return { done: batch.length, threw: false, error: '' };
    const first = batch.findIndex((record) => failures.has(sequenceOf(record)));
    // An identifier that names no record of the batch fails it whole, as on Lambda.
    if (first < 0)
      return { done: 0, threw: true, error: 'partial batch response names no record of the batch' };
    return { done: first, threw: false, error: `${failures.size} record(s) reported failed` };
  }

  async function readShard(shardId: string): Promise<void> {
    let iterator = await iteratorAfterCheckpoint(shardId);
    let queue: _Record[] = [];
    let size = batchSize;
    let attempts = 0;
    while (!stopping.signal.aborted) {
      if (queue.length === 0) {
        if (iterator === undefined) {
          // A closed shard read to its end.
          await checkpoints.finish(shardId);
          return;
        }
        const readStarted = Date.now();
        let page: { Records?: _Record[]; NextShardIterator?: string };
        try {
          page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
        } catch (error) {
          // An iterator 15 minutes old expires; DynamoDB Local also answers TrimmedDataAccessException
          // now and then for records it still has. Everything read is checkpointed at this point,
          // so a new iterator after the checkpoint resumes exactly.
          const name = (error as Error).name;
          if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
            if (name === 'TrimmedDataAccessException') await pause(pollIntervalMs);
            iterator = await iteratorAfterCheckpoint(shardId);
            continue;
          }
          if ((error as Error).name === 'ResourceNotFoundException') {
            log(`stream: shard ${shardId} is gone from the stream`);
            await checkpoints.finish(shardId);
            return;
          }
          log(`stream: reading ${shardId} failed, retrying: ${describe(error)}`);
          await pause(maxDelayMs);
          continue;
        }
        iterator = page.NextShardIterator;
        queue = page.Records ?? [];
        if (queue.length === 0) {
          idleSince.set(shardId, readStarted);
          if (iterator !== undefined) await pause(pollIntervalMs);
          continue;
        }
        idleSince.delete(shardId);
      }

      const batch = queue.slice(0, size);
      const delivery = await deliver(batch);
      if (delivery.done > 0) {
        await options.beforeCheckpoint?.();
        await checkpoints.advance(shardId, sequenceOf(batch[delivery.done - 1] as _Record));
        queue = queue.slice(delivery.done);
        attempts = 0;
        size = batchSize;
      }
      if (delivery.done === batch.length || stopping.signal.aborted) continue;

      attempts += 1;
      if (delivery.threw && bisect && batch.length > 1) size = Math.ceil(batch.length / 2);
      const failing = queue.slice(0, size);
      const created = failing[0]?.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now();
      const reason =
        attempts > retryAttempts
          ? 'retryAttempts'
          : Date.now() - created > maxRecordAgeMs
            ? 'maxRecordAge'
            : undefined;
      if (reason !== undefined) {
        log(
          `stream: giving up ${failing.length} record(s) of ${shardId} after ${attempts} attempt(s) (${reason}): ${delivery.error}`,
        );
        await options.onGiveUp?.({
          streamArn,
          shardId,
          reason,
          attempts,
          error: delivery.error,
          records: failing.map((record) => toLambdaRecord(record, streamArn)),
        });
        await checkpoints.advance(shardId, sequenceOf(failing.at(-1) as _Record));
        queue = queue.slice(failing.length);
        attempts = 0;
        size = batchSize;
        continue;
      }
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
      log(
        `stream: ${failing.length} record(s) of ${shardId} not done (attempt ${attempts}), retrying in ${delay} ms: ${delivery.error}`,
      );
      await pause(delay);
    }
  }

  await discover();
  const rediscover = setInterval(() => {
    discover().catch((error: unknown) => log(`stream: listing shards failed: ${describe(error)}`));
  }, discoverIntervalMs);
  rediscover.unref();

  let stopped: Promise<void> | undefined;
  return {
    async whenIdle(settleMs = 300) {
      const since = Date.now() + settleMs;
      for (;;) {
        const readers = [...running.keys()];
        // No reader between a shard's end and its children's start is not idle.
        const readingAll = readers.length > 0 || unfinishedShards === 0;
        if (readingAll && readers.every((shardId) => (idleSince.get(shardId) ?? -1) >= since)) return;
        if (stopping.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(rediscover);
        stopping.abort();
        const drained = Promise.all(running.values()).then(() => {});
        await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
      })();
      return stopped;
    },
  };
}
