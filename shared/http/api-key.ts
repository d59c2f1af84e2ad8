import { createHash, timingSafeEqual } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from './errors.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time comparison (of digests, so lengths leak nothing either). */
export function apiKeyMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Guards a route with the `x-api-key` header: 401 without a key, 403 with a wrong one. The
 * expected key comes from `loadKey` (Secrets Manager deployed, cached; an env var locally).
 */
export function apiKeyAuth(
  loadKey: () => Promise<string>,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    before: async (request) => {
      const given = request.event.headers?.['x-api-key'];
      if (!given)
        throw new HttpError(401, 'unauthorized', 'missing x-api-key header', [
          { field: 'x-api-key', message: 'required' },
        ]);
      if (!apiKeyMatches(given, await loadKey())) {
        throw new HttpError(403, 'forbidden', 'invalid API key', [
          { field: 'x-api-key', message: 'not valid' },
        ]);
      }
    },
  };
}
