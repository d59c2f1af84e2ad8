import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONSOLE_ENTRY_REDIRECT, consoleAsset } from '#shared/api/console-assets.ts';
import { httpErrors } from '#shared/http/middleware.ts';
import { observability } from '#shared/logging.ts';

/**
 * GET /console and GET /console/{asset} (public): the sales console's static files, served by
 * the API so that the console calls the API on its own origin (no CORS for the API key). No
 * metrics: a file served is not a business event.
 */
const { logger } = observability('console');

const lambdaHandler = async (event: APIGatewayProxyEventV2) =>
  event.routeKey === 'GET /console'
    ? CONSOLE_ENTRY_REDIRECT
    : consoleAsset(event.pathParameters?.asset, event.headers?.['accept-encoding']);

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .handler(lambdaHandler);
