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
