import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getLeadHistory } from '#shared/api/lead-history.ts';
import { getAccount, getLead, listLeads } from '#shared/api/leads.ts';
import { apiKeyAuth } from '#shared/http/api-key.ts';
import { json } from '#shared/http/errors.ts';
import { httpErrors } from '#shared/http/middleware.ts';
import { observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { apiKeyLoader, storeFromEnv } from '#shared/runtime/store.ts';

/**
 * GET /v1/leads, GET /v1/leads/{leadId}, GET /v1/leads/{leadId}/history and
 * GET /v1/accounts/{domain} (API key), PRODUCT §6.1.
 */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('leads');
const store = storeFromEnv(env);

const lambdaHandler = async (event: APIGatewayProxyEventV2) => {
  const leadId = event.pathParameters?.leadId;
  const now = Date.now();
  if (event.routeKey === 'GET /v1/accounts/{domain}')
    return json(200, await getAccount(store, event.pathParameters?.domain, now));
  if (event.routeKey === 'GET /v1/leads/{leadId}/history')
    return json(200, await getLeadHistory(store, leadId ?? '', event.queryStringParameters ?? {}, now));
  if (leadId !== undefined) return json(200, await getLead(store, leadId, now));
  return json(200, await listLeads(store, event.queryStringParameters ?? {}, now));
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors(logger))
  .use(apiKeyAuth(apiKeyLoader()))
  .handler(lambdaHandler);
