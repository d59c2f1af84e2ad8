import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { postEvents } from '#shared/api/events-post.ts';
import { apiKeyAuth } from '#shared/http/api-key.ts';
import type { HttpHandler } from '#shared/http/errors.ts';
import { bodyLimit, httpErrors, normaliseContentType } from '#shared/http/middleware.ts';
import { maskEmail, observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { apiKeyLoader, storeFromEnv } from '#shared/runtime/store.ts';

/** POST /v1/events (API key): engagement events, one or a batch of up to 500, PRODUCT §3.2. */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('events');
const store = storeFromEnv(env);

const lambdaHandler = async (event: APIGatewayProxyEventV2) => {
  const response = await postEvents(store, event.body, Date.now(), (error, failed) =>
    logger.error('event not stored', {
      eventId: failed.eventId,
      email: maskEmail(failed.email),
      error: error as Error,
    }),
  );
  metrics.addMetric('EventsAccepted', MetricUnit.Count, response.counts.accepted);
  metrics.addMetric('EventsRejected', MetricUnit.Count, response.counts.rejected);
  return response.http;
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors(logger))
  .use(apiKeyAuth(apiKeyLoader()))
  .use(bodyLimit(1024 * 1024))
  .use(normaliseContentType())
  .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
  .handler(lambdaHandler) as unknown as HttpHandler;
