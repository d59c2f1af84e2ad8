import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from './errors.ts';

/**
 * Per-form CORS (PRODUCT §3.1): the allowed origins come from the form's configuration.
 * Requests without an Origin header (servers, curl) pass; a browser request from an origin the
 * form does not allow is refused with 403 before anything is parsed or stored. Preflights are
 * answered here. Headers are added to every response, errors included.
 */
/** A page served by the API's own host posting to it is same-origin: CORS does not apply. */
function isSameOrigin(event: APIGatewayProxyEventV2, origin: string): boolean {
  const host = event.headers?.host ?? event.requestContext?.domainName;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function formCors(
  allowedOriginsFor: (event: APIGatewayProxyEventV2) => readonly string[] | undefined,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const headersFor = (origin: string) => ({
    'access-control-allow-origin': origin,
    vary: 'Origin',
  });
  const decorate = (request: middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>) => {
    const origin = request.event.headers?.origin;
    const allowed = allowedOriginsFor(request.event);
    if (!origin || !allowed?.includes(origin) || !request.response) return;
    request.response.headers = { ...request.response.headers, ...headersFor(origin) };
  };
  return {
    before: async (request) => {
      const origin = request.event.headers?.origin;
      const allowed = allowedOriginsFor(request.event);
      if (allowed === undefined) return; // unknown form: the handler answers 404
      if (origin && !allowed.includes(origin) && !isSameOrigin(request.event, origin)) {
        throw new HttpError(403, 'origin_not_allowed', `origin ${origin} may not post to this form`, [
          { field: 'origin', message: 'not in the form’s allowedOrigins' },
        ]);
      }
      if (request.event.requestContext?.http?.method === 'OPTIONS') {
        return {
          statusCode: 204,
          headers: {
            ...(origin ? headersFor(origin) : {}),
            'access-control-allow-methods': 'POST, OPTIONS',
            'access-control-allow-headers': 'content-type',
            'access-control-max-age': '600',
          },
        };
      }
    },
    after: async (request) => decorate(request),
    onError: async (request) => decorate(request),
  };
}

/**
 * The API's CORS configuration, one object for both sides: the CDK gives it to API Gateway
 * (`cdk/constructs/api.ts`), and the local API answers preflights and decorates answers with it
 * (`local/http-api.ts`) as API Gateway does. The union of every form's `allowedOrigins`, for POST
 * with `content-type` only (a browser can post a form, never send an API key cross-origin).
 * Undefined when no form allows any origin: then API Gateway has no CORS configuration at all.
 */
export interface ApiCors {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/** {@link ApiCors} of a client: every form's origins, sorted and without duplicates. */
export function apiCors(config: {
  forms: Record<string, { allowedOrigins: readonly string[] }>;
}): ApiCors | undefined {
  const origins = [...new Set(Object.values(config.forms).flatMap((form) => form.allowedOrigins))].sort();
  if (origins.length === 0) return undefined;
  return {
    allowOrigins: origins,
    allowMethods: ['POST'],
    allowHeaders: ['content-type'],
    maxAgeSeconds: 86_400,
  };
}

type Headers = Record<string, string | undefined>;

/**
 * API Gateway's answer to a CORS preflight (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`), which never reaches a function: 204, with the CORS headers only
 * for an allowed origin asking for an allowed method and headers.
 */
export function preflightAnswer(
  cors: ApiCors,
  headers: Headers,
): { statusCode: 204; headers: Record<string, string> } {
  const origin = headers.origin ?? '';
  const method = (headers['access-control-request-method'] ?? '').toUpperCase();
  const requested = (headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter(Boolean);
  const allowed =
    cors.allowOrigins.includes(origin) &&
    cors.allowMethods.includes(method) &&
    requested.every((header) => cors.allowHeaders.includes(header));
  if (!allowed) return { statusCode: 204, headers: {} };
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': cors.allowMethods.join(','),
      'access-control-allow-headers': cors.allowHeaders.join(','),
      'access-control-max-age': String(cors.maxAgeSeconds),
      vary: 'origin',
    },
  };
}

/**
 * The CORS headers of an answer as API Gateway sends them: the function's own `access-control-*`
 * headers are dropped (API Gateway ignores them once the API has a CORS configuration), and an
 * allowed origin gets `access-control-allow-origin`.
 */
export function withGatewayCors<V extends string | string[]>(
  cors: ApiCors,
  origin: string | undefined,
  headers: Record<string, V>,
): Record<string, V | string> {
  const kept = Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')),
  );
  if (!origin || !cors.allowOrigins.includes(origin)) return kept;
  return { ...kept, 'access-control-allow-origin': origin, vary: 'origin' };
}
