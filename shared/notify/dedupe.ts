import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { dedupePartitionKey as notifyPartitionKey } from '#shared/store/notification-keys.ts';
import { TABLE_KEYS } from '#shared/store/table-definition.ts';
import type { NotifyChannel } from './outbox.ts';

/** Dedupe records live a few days: longer than EventBridge's and Lambda's retry windows. */
export const DEFAULT_DEDUPE_SECONDS = 3 * 24 * 60 * 60;

/** Partition key of a channel's dedupe records (see `shared/store/notification-keys.ts`). */
export const dedupePartitionKey = (channel: NotifyChannel): string => notifyPartitionKey(channel);

/** Prefix of the dedupe records' sort key (`event#<md5 of the event id>`). */
export const DEDUPE_KEY_PREFIX = 'event';

export interface NotificationDedupeOptions {
  tableName: string;
  channel: NotifyChannel;
  /** Built once per function (with `LEADSCORE_DYNAMODB_ENDPOINT` locally). */
  client: DynamoDBClient;
  expiresAfterSeconds?: number;
  /** First pause before looking again at a delivery in progress; doubles up to 1 s. Default 50 ms. */
  inProgressPollMs?: number;
  /**
   * Time to keep when waiting for a delivery in progress: give up (and throw) once the
   * invocation has less than this left. Default 1 s.
   */
  reserveMs?: number;
  /** Longest wait for a delivery in progress when no Lambda context is given. Default 5 s. */
  waitWithoutContextMs?: number;
}

const MAX_POLL_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * - `delivered`: this call ran the delivery and it succeeded;
 * - `duplicate`: an earlier delivery of the same event completed; nothing was sent.
 *
 * There is no "in progress" outcome: a delivery found in progress is not done (its invocation
 * may have died mid-way), so {@link NotificationDedupe.once} waits for it and, if it is still
 * in progress when time runs out, throws {@link NotificationInProgressError}.
 */
export type DedupeOutcome<R> = { status: 'delivered'; receipt: R } | { status: 'duplicate'; receipt: R };

/**
 * Another invocation holds this notification in progress and did not finish (or expire) while
 * this one waited. Thrown so that the delivery is retried (Lambda's async retries deployed,
 * the local bus's retries locally) instead of being reported as done: the first attempt may
 * have died mid-way, and a notification must not be lost to it.
 */
export class NotificationInProgressError extends Error {
  override name = 'NotificationInProgressError';
  constructor(
    readonly eventId: string,
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `notification ${eventId} is still in progress in another invocation after waiting ${waitedMs} ms; retry later`,
      options,
    );
  }
}

/** What a dedupe record can keep of a delivery. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

type Deliver = () => Promise<JsonValue>;

/**
 * Exactly once to people (PRODUCT §4.4): a retried or duplicated EventBridge delivery of the
 * same event does not post or mail twice. Built on Powertools idempotency with the project's
 * single table: the record's key is `pk = NOTIFY#<channel>`, `sk = event#<md5(detail.id)>`,
 * written with a conditional put before sending, marked COMPLETED after the send, and deleted
 * when the send throws, so a retry really resends. Records expire through the table's TTL
 * attribute (`expiresAt`).
 *
 * A record found IN PROGRESS belongs to another invocation that is sending right now (the two
 * events of one change, a crossing and a segment entry, arrive together) or that died mid-way
 * (its record then expires when that invocation would have timed out). Either way nothing is
 * done yet: this call looks again, with backoff, until the record is completed (a duplicate),
 * deleted or expired (this call delivers), or its own time is nearly up, and then throws
 * {@link NotificationInProgressError} so that the delivery is retried.
 */
export class NotificationDedupe {
  readonly #config: IdempotencyConfig;
  readonly #run: (key: { eventId: string }, deliver: Deliver) => Promise<JsonValue>;
  readonly #pollMs: number;
  readonly #reserveMs: number;
  readonly #waitWithoutContextMs: number;
  readonly #store: DynamoDBPersistenceLayer;

  constructor(options: NotificationDedupeOptions) {
    this.#config = new IdempotencyConfig({
      eventKeyJmesPath: 'eventId',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: options.expiresAfterSeconds ?? DEFAULT_DEDUPE_SECONDS,
    });
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      keyAttr: TABLE_KEYS.pk,
      sortKeyAttr: TABLE_KEYS.sk,
      staticPkValue: dedupePartitionKey(options.channel),
      expiryAttr: TABLE_KEYS.ttl,
      awsSdkV3Client: options.client,
    });
    this.#store = persistenceStore;
    this.#run = makeIdempotent((_key: { eventId: string }, deliver: Deliver) => deliver(), {
      persistenceStore,
      config: this.#config,
      keyPrefix: DEDUPE_KEY_PREFIX,
      dataIndexArgument: 0,
    });
    this.#pollMs = options.inProgressPollMs ?? 50;
    this.#reserveMs = options.reserveMs ?? 1_000;
    this.#waitWithoutContextMs = options.waitWithoutContextMs ?? 5_000;
  }

  /**
   * Runs `deliver` unless the event `eventId` was already delivered on this channel. The
   * receipt `deliver` returns is stored and handed back to duplicates. Pass the Lambda context
   * so that this invocation's in-progress record expires when it would time out, and so that
   * waiting for another invocation's delivery stops in time.
   * @throws NotificationInProgressError when another invocation still holds the delivery.
   */
  async once<R extends JsonValue>(
    eventId: string,
    deliver: () => Promise<R>,
    context?: Context,
  ): Promise<DedupeOutcome<R>> {
    const started = Date.now();
    const timeLeft = () =>
      context
        ? context.getRemainingTimeInMillis() - this.#reserveMs
        : this.#waitWithoutContextMs - (Date.now() - started);
    for (let pause = this.#pollMs; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      try {
        return await this.#attempt(eventId, deliver, context);
      } catch (error) {
        if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
        if (timeLeft() < pause) {
          throw new NotificationInProgressError(eventId, Date.now() - started, { cause: error });
        }
        await sleep(pause);
      }
    }
  }

  /**
   * Deletes the dedupe record of one event, if any (erasing a lead, PRODUCT §6.1). The record
   * holds only a hash of the event id and the delivery receipt, and expires in days anyway.
   */
  async forget(eventId: string): Promise<void> {
    this.#store.configure({ config: this.#config, keyPrefix: DEDUPE_KEY_PREFIX });
    await this.#store.deleteRecord({ eventId });
  }

  /** The slice of a Lambda context idempotency reads: the time a delivery may take. */
  #outsideLambda(): Context {
    const deadline = Date.now() + this.#waitWithoutContextMs;
    return { getRemainingTimeInMillis: () => Math.max(1, deadline - Date.now()) } as Context;
  }

  async #attempt<R extends JsonValue>(
    eventId: string,
    deliver: () => Promise<R>,
    context?: Context,
  ): Promise<DedupeOutcome<R>> {
    // Outside Lambda (a script, a test) the delivery holds its in-progress record as long as a
    // caller without a context waits for one, so the record can expire like a Lambda's does.
    this.#config.registerLambdaContext(context ?? this.#outsideLambda());
    let ran = false;
    const receipt = (await this.#run({ eventId }, async () => {
      ran = true;
      return deliver();
    })) as R;
    return { status: ran ? 'delivered' : 'duplicate', receipt };
  }
}

/** Forgets an event's dedupe records on every channel (see {@link NotificationDedupe.forget}). */
export function notificationForgetter(options: Pick<NotificationDedupeOptions, 'tableName' | 'client'>) {
  const channels = (['slack', 'email', 'webhook'] as const).map(
    (channel) => new NotificationDedupe({ ...options, channel }),
  );
  return async (eventId: string): Promise<void> => {
    await Promise.all(channels.map((dedupe) => dedupe.forget(eventId)));
  };
}
