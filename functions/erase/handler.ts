import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { deleteLead } from '#shared/api/erase.ts';
import { dynamoClient } from '#shared/clients/aws.ts';
import { apiKeyAuth } from '#shared/http/api-key.ts';
import { httpErrors } from '#shared/http/middleware.ts';
import { observability } from '#shared/logging.ts';
import { notificationForgetter } from '#shared/notify/dedupe.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { apiKeyLoader, storeFromEnv } from '#shared/runtime/store.ts';

/** DELETE /v1/leads/{leadId} (API key): erases a lead and all that is kept of it, PRODUCT §6.1. */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('erase');
const store = storeFromEnv(env);
const forget = notificationForgetter({ tableName: env.TABLE_NAME, client: dynamoClient() });

const lambdaHandler = async (event: APIGatewayProxyEventV2) => {
  const response = await deleteLead(store, event.pathParameters?.leadId, forget);
  logger.info('lead erased', { leadId: event.pathParameters?.leadId });
  return response;
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors(logger))
  .use(apiKeyAuth(apiKeyLoader()))
  .handler(lambdaHandler);
