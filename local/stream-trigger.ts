/**
 * The lead table's stream as the local stack's trigger of the manifest's `stream` function (the
 * outbox relay, PRODUCT §4.1): the stream poller with the deployed event source mapping's
 * settings (`shared/events/outbox-stream.ts`), its checkpoints in the data directory, and what it
 * gives up on kept in `<dataDir>/dead-letter.jsonl` (deployed: the relay's on-failure queue).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { OUTBOX_STREAM } from '#shared/events/outbox-stream.ts';
import { localDynamoClientConfig } from './dynamodb-local.ts';
import { type GivenUpBatch, type StreamPoller, startStreamPoller } from './stream-poller.ts';

export interface StreamTriggerOptions {
  dynamoEndpoint: string;
  tableName: string;
  /** Holds `stream-checkpoints.json` and `dead-letter.jsonl`. */
  dataDir: string;
  /** The function the stream invokes, as deployed (`leadscore-<client>-outbox-relay`). */
  functionName: string;
  /** Invokes it with a batch (its handler module, through the local Lambda runtime). */
  invoke(event: DynamoDBStreamEvent): Promise<unknown>;
  /**
   * Resolves once what the function put on the local bus is delivered. The local bus keeps its
   * deliveries in memory, where EventBridge keeps them durably: records are checkpointed only
   * after it, so a crash in between relays them again (the notifiers dedupe) rather than
   * losing their notifications.
   */
  delivered(): Promise<void>;
  log?: (line: string) => void;
}

/** The stream poller of a running local stack. */
export interface StreamTrigger extends StreamPoller {
  streamArn: string;
  /** `<dataDir>/stream-checkpoints.json`. */
  checkpointFile: string;
}

/** What a given-up batch leaves in the dead-letter file, next to the bus's undeliverable events. */
interface StreamDeadLetter extends GivenUpBatch {
  time: string;
  source: 'stream';
  target: string;
}

/** Finds the table's stream and starts reading it. */
export async function startStreamTrigger(options: StreamTriggerOptions): Promise<StreamTrigger> {
  const log = options.log ?? (() => {});
  const config = localDynamoClientConfig(options.dynamoEndpoint);
  const dynamo = new DynamoDBClient(config);
  let streamArn: string | undefined;
  try {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
    streamArn = Table?.LatestStreamArn;
  } finally {
    dynamo.destroy();
  }
  if (!streamArn) throw new Error(`Table ${options.tableName} has no stream for the outbox relay`);

  // A GetRecords that DynamoDB Local leaves hanging (seen under load) fails and is retried.
  const streams = new DynamoDBStreamsClient({
    ...config,
    requestHandler: { requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
  const checkpointFile = join(options.dataDir, 'stream-checkpoints.json');
  const deadLetterFile = join(options.dataDir, 'dead-letter.jsonl');
  const poller = await startStreamPoller({
    streams,
    streamArn,
    invoke: options.invoke,
    checkpointFile,
    filter: OUTBOX_STREAM.filter,
    batchSize: OUTBOX_STREAM.batchSize,
    bisectBatchOnError: OUTBOX_STREAM.bisectBatchOnError,
    retryAttempts: OUTBOX_STREAM.retryAttempts,
    maxRecordAgeMs: OUTBOX_STREAM.maxRecordAgeSeconds * 1000,
    beforeCheckpoint: () => options.delivered(),
    onGiveUp: async (batch) => {
      const line: StreamDeadLetter = {
        time: new Date().toISOString(),
        source: 'stream',
        target: options.functionName,
        ...batch,
      };
      await mkdir(options.dataDir, { recursive: true });
      await appendFile(deadLetterFile, `${JSON.stringify(line)}\n`, 'utf8');
    },
    log,
  });
  return {
    streamArn,
    checkpointFile,
    whenIdle: (settleMs) => poller.whenIdle(settleMs),
    stop: async () => {
      await poller.stop();
      streams.destroy();
    },
  };
}
