/**
 * How the outbox relay consumes the lead table's DynamoDB stream (PRODUCT §4.1): one set of
 * settings for the deployed event source mapping (`cdk/constructs/outbox.ts`) and the local
 * stream poller (`local/stream-poller.ts`), so that the two retry, filter and give up alike.
 * Plain data: the CDK app and the local runtime import it without the relay's code.
 */
import { OUTBOX_ATTRIBUTE } from '#shared/store/outbox.ts';
import { TABLE_KEYS } from '#shared/store/table-definition.ts';

/** The sort key of lead items (`lead-item.ts`): only their stream records carry an outbox. */
const LEAD_SORT_KEY = 'LEAD';

export const OUTBOX_STREAM = {
  /** The stream's view: each record carries the item as written, outbox included. */
  viewType: 'NEW_IMAGE',
  /** From the oldest record kept: events written before the consumer first ran are relayed too. */
  startingPosition: 'TRIM_HORIZON',
  /** Records per invocation (PutEvents takes 10 entries a request; the relay batches them). */
  batchSize: 100,
  /** A failing batch is split in two and retried, so one bad record cannot hold good ones back. */
  bisectBatchOnError: true,
  /** The relay answers which records failed; retries start from the first of them. */
  reportBatchItemFailures: true,
  /**
   * Retries of a failing batch stop at this many attempts or at `maxRecordAgeSeconds`,
   * whichever comes first; the batch's description then goes to the on-failure queue. The age
   * is the bound that matters during an EventBridge outage: each attempt already retries
   * PutEvents for most of the relay's timeout (30 s in the manifest), so a thousand attempts
   * outlast six hours. A record that can never succeed (an unreadable outbox) is isolated by
   * bisection and given up on the same way.
   */
  retryAttempts: 1_000,
  /**
   * Six hours of retrying: an EventBridge outage of hours delays events and loses none, and
   * a record given up on is still in the stream (kept 24 hours) for 18 more hours, long
   * enough to redrive it from the sequence numbers the on-failure message names.
   */
  maxRecordAgeSeconds: 6 * 60 * 60,
  /**
   * Only writes that emitted events invoke the relay: inserts and modifications of lead items
   * whose new image holds an outbox (an EventBridge-style pattern, as Lambda event filtering
   * and the local pattern matcher read it). Event items, removals and silent writes never do.
   */
  filter: {
    eventName: ['INSERT', 'MODIFY'],
    dynamodb: {
      Keys: { [TABLE_KEYS.sk]: { S: [LEAD_SORT_KEY] } },
      NewImage: { [OUTBOX_ATTRIBUTE]: { B: [{ exists: true }] } },
    },
  },
} as const;
