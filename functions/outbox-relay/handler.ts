/**
 * The outbox relay (PRODUCT §4.1): consumer of the lead table's DynamoDB stream. Puts the events
 * each write stored in its lead item on the client's bus, answering with a partial batch
 * response so that the stream retries from the first record that still failed.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridgeClient } from '#shared/clients/aws.ts';
import { sourceFor } from '#shared/events/contracts.ts';
import { coalescingPublisher } from '#shared/events/publisher.ts';
import { createOutboxRelay } from '#shared/events/relay.ts';
import { observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';

const env = parseEnv(baseEnvSchema.pick({ CLIENT_NAME: true, EVENT_BUS_NAME: true }));
const { logger, metrics } = observability('outbox-relay');

const relay = createOutboxRelay({
  publish: coalescingPublisher(eventBridgeClient(), {
    busName: env.EVENT_BUS_NAME,
    source: sourceFor(env.CLIENT_NAME),
    attempts: 3,
  }),
  logger,
  metrics,
});

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(relay);
