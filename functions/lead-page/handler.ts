/**
 * The pages a browser opens on the API without a key: the thank-you page of plain form posts
 * (`GET /thanks.html`) and a lead's page behind the signed link of a Slack message or an email
 * (`GET /v1/leads/{leadId}/view`, see `shared/api/lead-page.ts`).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { openLeadLink, thanksPage } from '#shared/api/lead-page.ts';
import { runtimeClientConfig } from '#shared/config/runtime.ts';
import { httpErrors } from '#shared/http/middleware.ts';
import { observability } from '#shared/logging.ts';
import { THANKS_ROUTE } from '#shared/manifest.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { leadLinkKeyLoader } from '#shared/runtime/lead-link-secret.ts';
import { storeFromEnv } from '#shared/runtime/store.ts';

const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('lead-page');
const config = runtimeClientConfig();
const store = storeFromEnv(env);
const linkKey = leadLinkKeyLoader();

const lambdaHandler = async (event: APIGatewayProxyEventV2) => {
  if (event.routeKey === THANKS_ROUTE) return thanksPage(config.displayName);
  return openLeadLink(
    store,
    linkKey,
    event.pathParameters?.leadId,
    event.queryStringParameters ?? {},
    Date.now(),
  );
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors(logger))
  .handler(lambdaHandler);
