import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpMultipartBodyParser from '@middy/http-multipart-body-parser';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { formErrorPages } from '#shared/api/form-pages.ts';
import { contentTypeOf, FORM_CONTENT_TYPES, formFor, postForm } from '#shared/api/form-post.ts';
import { formCors } from '#shared/http/cors.ts';
import type { HttpHandler } from '#shared/http/errors.ts';
import { HttpError } from '#shared/http/errors.ts';
import { bodyLimit, httpErrors, normaliseContentType } from '#shared/http/middleware.ts';
import { observability } from '#shared/logging.ts';
import { baseEnvSchema, parseEnv } from '#shared/runtime/env.ts';
import { storeFromEnv } from '#shared/runtime/store.ts';

/** POST /v1/forms/{formId} (public): landing-page forms, PRODUCT §3.1. */
const env = parseEnv(baseEnvSchema);
const { logger, metrics } = observability('forms');
const store = storeFromEnv(env);
const FORM_BODY_LIMIT = 64 * 1024;

const requireFormContentType: middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> =
  {
    before: async ({ event }) => {
      if (!FORM_CONTENT_TYPES.includes(contentTypeOf(event))) {
        throw new HttpError(415, 'unsupported_media_type', `send ${FORM_CONTENT_TYPES.join(', ')}`, [
          { field: 'content-type', message: `unsupported: ${contentTypeOf(event) || 'none'}` },
        ]);
      }
    },
  };

const lambdaHandler = async (event: APIGatewayProxyEventV2) => postForm(store, event, Date.now());
const allowedOriginsOf = (event: APIGatewayProxyEventV2) =>
  formFor(store.config, event.pathParameters?.formId)?.allowedOrigins;

// onError runs bottom-up: httpErrors maps the error to JSON, formErrorPages makes it a page for
// a plain HTML post, formCors adds the CORS headers so that a fetch() can read it.
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(formCors(allowedOriginsOf))
  .use(formErrorPages(allowedOriginsOf))
  .use(httpErrors(logger))
  .use(bodyLimit(FORM_BODY_LIMIT))
  .use(normaliseContentType())
  .use(requireFormContentType)
  .use(httpJsonBodyParser<APIGatewayProxyEventV2>({ disableContentTypeError: true }))
  .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
  .use(
    httpMultipartBodyParser({
      disableContentTypeError: true,
      busboy: { limits: { fileSize: 0, files: 0, fields: 60 } },
    }),
  )
  .handler(lambdaHandler) as unknown as HttpHandler;
