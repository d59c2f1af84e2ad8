import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { TABLE_KEYS } from '#shared/store/table-definition.ts';
import type { NotifyChannel } from './outbox.ts';

/** Dedupe records live a few days: longer than EventBridge's and Lambda's retry windows. */
export const DEFAULT_DEDUPE_SECONDS = 3 * 24 * 60 * 60;

/** Partition key of a channel's dedupe records: `NOTIFY#slack`, `NOTIFY#email`. */
export const dedupePartitionKey = (channel: NotifyChannel): string => `NOTIFY#${channel}`;

/** Prefix of the dedupe records' sort key (`event#<md5 of the event id>`). */
export const DEDUPE_KEY_PREFIX = 'event';

export interface NotificationDedupeOptions {
  tableName: string;
  channel: NotifyChannel;
  /** Built once per function (with `LEADSCORE_DYNAMODB_ENDPOINT` locally). */
  client: DynamoDBClient;
  expiresAfterSeconds?: number;
}

/**
 * - `delivered`: this call ran the delivery and it succeeded;
 * - `duplicate`: an earlier delivery of the same event completed; nothing was sent;
 * - `in-progress`: another invocation is delivering this event right now; it owns the
 *   outcome (its failure is retried and dead-lettered on its own), so this one sends nothing.
 */
export type DedupeOutcome<R> =
  | { status: 'delivered'; receipt: R }
  | { status: 'duplicate'; receipt: R }
  | { status: 'in-progress' };

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
 */
export class NotificationDedupe {
  readonly #config: IdempotencyConfig;
  readonly #run: (key: { eventId: string }, deliver: Deliver) => Promise<JsonValue>;

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
    this.#run = makeIdempotent((_key: { eventId: string }, deliver: Deliver) => deliver(), {
      persistenceStore,
      config: this.#config,
      keyPrefix: DEDUPE_KEY_PREFIX,
      dataIndexArgument: 0,
    });
  }

  /**
   * Runs `deliver` unless the event `eventId` was already delivered on this channel. The
   * receipt `deliver` returns is stored and handed back to duplicates. Pass the Lambda context
   * so an in-progress record of a crashed invocation expires when that invocation would have
   * timed out.
   */
  async once<R extends JsonValue>(
    eventId: string,
    deliver: () => Promise<R>,
    context?: Context,
  ): Promise<DedupeOutcome<R>> {
    if (context) this.#config.registerLambdaContext(context);
    let ran = false;
    try {
      const receipt = (await this.#run({ eventId }, async () => {
        ran = true;
        return deliver();
      })) as R;
      return { status: ran ? 'delivered' : 'duplicate', receipt };
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) return { status: 'in-progress' };
      throw error;
    }
  }
}
