/**
 * The outbox relay (PRODUCT §4.1): the consumer of the lead table's stream. Each stream record
 * of a lead item carries the events of the write that made it (`shared/store/outbox.ts`); the
 * relay puts them on the client's bus and tells the stream which records are not done, so that
 * a crash, a throttle or an EventBridge outage delays events but never loses them.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { OUTBOX_ATTRIBUTE, outboxOfStreamRecord } from '#shared/store/outbox.ts';
import { TABLE_KEYS } from '#shared/store/table-definition.ts';
import type { OutgoingEvent } from './contracts.ts';
import type { Publish } from './publisher.ts';

/** Metric names of the relay (namespace `leadscore`). */
export const RELAY_METRICS = {
  relayed: 'OutboxEventsRelayed',
  failedRecords: 'OutboxRecordsFailed',
} as const;

export interface OutboxRelayOptions {
  /**
   * Puts events on the bus and returns those that still failed: a `coalescingPublisher`, so
   * that the records of a batch share PutEvents requests (10 entries each).
   */
  publish: Publish;
  logger?: Pick<Logger, 'warn'>;
  metrics?: Pick<Metrics, 'addMetric'>;
  /** Stop retrying with this much of the invocation left, and report what still fails. Default 3 s. */
  reserveMs?: number;
  /** Pause before the first round of retries of failed entries; doubles up to `maxRetryDelayMs`. Default 500 ms. */
  retryDelayMs?: number;
  /** Default 5 s. */
  maxRetryDelayMs?: number;
}

/** A record's outbox could not be read: retrying cannot help, so it ends in the on-failure queue. */
export class OutboxDecodeError extends Error {
  override name = 'OutboxDecodeError';
}

/** Some of a record's events were still refused by PutEvents when the relay ran out of time. */
export class OutboxPublishError extends Error {
  override name = 'OutboxPublishError';
  constructor(
    readonly failed: readonly { readonly event: OutgoingEvent; readonly error: string }[],
    total: number,
  ) {
    super(
      `${failed.length} of ${total} event(s) not accepted by PutEvents: ${failed[0]?.error ?? 'unknown'}`,
    );
  }
}

/**
 * An earlier record of the same lead in this batch failed, so this one was not delivered: a
 * lead's events never overtake each other. It is reported with the failed one and retried.
 */
export class EarlierRecordFailedError extends Error {
  override name = 'EarlierRecordFailedError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The item key of a record: records of one lead item share it (and a shard). */
const itemKeyOf = (record: DynamoDBRecord): string => {
  const keys = record.dynamodb?.Keys;
  return `${keys?.[TABLE_KEYS.pk]?.S ?? ''}\u0000${keys?.[TABLE_KEYS.sk]?.S ?? record.eventID ?? ''}`;
};

/**
 * The events of one record. Lambda hands binary attributes over as base64 text (the JSON of the
 * stream record), the SDK as bytes: both are accepted, so the local poller may pass either.
 */
export function eventsOfRecord(record: DynamoDBRecord): OutgoingEvent[] {
  const image = record.dynamodb?.NewImage;
  const outbox: unknown = image?.[OUTBOX_ATTRIBUTE]?.B;
  if (image === undefined || outbox === undefined) return [];
  const bytes = typeof outbox === 'string' ? Buffer.from(outbox, 'base64') : (outbox as Uint8Array);
  try {
    return outboxOfStreamRecord({
      eventName: record.eventName,
      dynamodb: {
        NewImage: {
          [TABLE_KEYS.sk]: image[TABLE_KEYS.sk] as AttributeValue,
          [OUTBOX_ATTRIBUTE]: { B: bytes },
        },
      },
    });
  } catch (error) {
    throw new OutboxDecodeError(
      `record ${record.dynamodb?.SequenceNumber ?? record.eventID}: unreadable outbox (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/**
 * Builds the relay: a handler of DynamoDB stream batches answering with a partial batch
 * response (Powertools batch processing, `ReportBatchItemFailures`).
 *
 * The records of a batch are relayed concurrently, so their events share PutEvents requests,
 * except that the records of one lead item go strictly one after the other: a record whose
 * events still fail makes every later record of that lead fail too, unsent. Failed entries are
 * retried in rounds with backoff for as long as the invocation has time (`reserveMs` kept);
 * what still fails then is reported. The stream retries from the lowest failed sequence
 * number, so a later record is never acknowledged past an earlier one that failed: records of
 * other leads after it are relayed again, which is harmless, since consumers dedupe on
 * `detail.id`.
 */
export function createOutboxRelay(
  options: OutboxRelayOptions,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const reserveMs = options.reserveMs ?? 3_000;
  const firstDelay = options.retryDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 5_000;

  const deliver = async (record: DynamoDBRecord, context: Context): Promise<number> => {
    const events = eventsOfRecord(record);
    let pending = events;
    for (let round = 0; ; round++) {
      const { failed } = await options.publish(pending);
      if (failed.length === 0) return events.length;
      // Deterministic pauses: records failing together retry together, in shared requests.
      const pause = Math.min(maxDelay, firstDelay * 2 ** round);
      if (context.getRemainingTimeInMillis() - pause < reserveMs) {
        throw new OutboxPublishError(failed, events.length);
      }
      await sleep(pause);
      pending = failed.map((f) => f.event);
    }
  };

  return async (event, context) => {
    // One processor per invocation: the local runtime may run invocations side by side.
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    /** Per lead item: whether its latest record so far in this batch was delivered. */
    const previousOfItem = new Map<string, Promise<boolean>>();
    let relayed = 0;

    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const key = itemKeyOf(record);
      const previous = previousOfItem.get(key) ?? Promise.resolve(true);
      const attempt = previous.then(async (earlierDelivered) => {
        if (!earlierDelivered) {
          throw new EarlierRecordFailedError(
            `record ${record.dynamodb?.SequenceNumber}: an earlier record of the same lead failed in this batch`,
          );
        }
        relayed += await deliver(record, context);
      });
      previousOfItem.set(
        key,
        attempt.then(
          () => true,
          () => false,
        ),
      );
      try {
        await attempt;
      } catch (error) {
        if (error instanceof EarlierRecordFailedError) throw error;
        options.logger?.warn('outbox record not relayed; the stream will retry it', {
          sequenceNumber: record.dynamodb?.SequenceNumber,
          item: record.dynamodb?.Keys?.[TABLE_KEYS.pk]?.S,
          error: error as Error,
        });
        throw error;
      }
    };

    try {
      return await processPartialResponse(event, recordHandler, processor, { context });
    } finally {
      options.metrics?.addMetric(RELAY_METRICS.relayed, MetricUnit.Count, relayed);
      options.metrics?.addMetric(RELAY_METRICS.failedRecords, MetricUnit.Count, processor.errors.length);
    }
  };
}
