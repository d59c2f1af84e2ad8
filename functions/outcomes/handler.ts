import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { postOutcome } from '#shared/api/outcomes.ts';
import { apiKeyAuth } from '#shared/http/api-key.ts';
import type { HttpHandler } from '#shared/http/errors.ts';
import { bodyLimit, httpErrors, normaliseContentType } from '#shared/http/middleware.ts';
import { observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { apiKeyLoader, storeFromEnv } from '#shared/runtime/store.ts';

/** POST /v1/leads/{leadId}/outcome (API key): the feedback loop from sales, PRODUCT §6.2. */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('outcomes');
const store = storeFromEnv(env);

const lambdaHandler = async (event: APIGatewayProxyEventV2) =>
  postOutcome(store, event.pathParameters?.leadId, event.body, Date.now());

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors(logger))
  .use(apiKeyAuth(apiKeyLoader()))
  .use(bodyLimit(16 * 1024))
  .use(normaliseContentType())
  .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
  .handler(lambdaHandler) as unknown as HttpHandler;
