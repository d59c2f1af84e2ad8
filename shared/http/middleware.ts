import type { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { formatPath } from '#shared/config/issues.ts';
import { maskEmailsIn } from '#shared/logging.ts';
import { errorBody, HttpError, json, ValidationError } from './errors.ts';
import { recordHandledFailure } from './handled-failures.ts';

type Request = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/** zod issues as field issues, with `prefix` before each path (`events[2]`). */
export function zodFieldIssues(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  return error.issues.map((issue) => {
    // An unknown key is named by the key itself, not by the object that holds it.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = formatPath(keys.length === 1 ? [...issue.path, keys[0]!] : issue.path);
    const field =
      prefix && path
        ? path.startsWith('[')
          ? `${prefix}${path}`
          : `${prefix}.${path}`
        : prefix || path || 'body';
    return { field, message: issue.message };
  });
}

interface MiddyHttpError {
  statusCode?: number;
  expose?: boolean;
  message: string;
}

/**
 * Turns known errors into HttpErrors: middy's body parsers (malformed bodies become 400s that
 * name the body; unsupported types 415) and zod errors (400 naming every field).
 */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof z.ZodError) return new ValidationError(zodFieldIssues(error));
  const e = error as MiddyHttpError;
  if (typeof e?.statusCode === 'number' && e.statusCode < 500 && e.expose !== false) {
    if (/malformed/i.test(e.message))
      return new HttpError(400, 'malformed_body', e.message, [{ field: 'body', message: e.message }]);
    if (e.statusCode === 415)
      return new HttpError(415, 'unsupported_media_type', e.message, [
        { field: 'content-type', message: e.message },
      ]);
    return new HttpError(e.statusCode, 'bad_request', e.message);
  }
  return undefined;
}

/**
 * The one error-mapping middleware: 4xx with a JSON body that names the field; anything else a
 * generic 500 that says nothing internal, logged with its cause and the request id, and counted
 * in the handled-failure metric an alarm watches (the function itself did not fail).
 */
export function httpErrors(
  logger: Logger,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request: Request) => {
      const mapped = toHttpError(request.error);
      const requestId = request.event?.requestContext?.requestId ?? request.context?.awsRequestId;
      if (mapped) {
        logger.info('request rejected', {
          statusCode: mapped.statusCode,
          code: mapped.code,
          fields: mapped.fields.map((f) => f.field),
        });
        request.response = json(mapped.statusCode, errorBody(mapped), mapped.headers);
        return;
      }
      const error = request.error as Error;
      logger.error('request failed', {
        requestId,
        error: { name: error?.name, message: maskEmailsIn(String(error?.message)), stack: error?.stack },
      });
      recordHandledFailure();
      request.response = json(500, { error: 'internal_error', message: 'Internal error', requestId });
    },
  };
}

/** Rejects bodies above `maxBytes` with 413 before any parser touches them. */
export function bodyLimit(
  maxBytes: number,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    before: async (request: Request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined || body === null) return;
      const size = isBase64Encoded ? Buffer.byteLength(body, 'base64') : Buffer.byteLength(body);
      if (size > maxBytes) {
        throw new HttpError(413, 'payload_too_large', `body is ${size} bytes; the limit is ${maxBytes}`, [
          { field: 'body', message: `larger than ${maxBytes} bytes` },
        ]);
      }
    },
  };
}

/**
 * One spelling of a Content-Type value: media types are case-insensitive and parameters may be
 * spaced, quoted and ordered freely (RFC 9110 §8.3.1), but middy's body parsers match a single
 * spelling (`multipart/form-data; boundary=x`). Keeps the boundary and charset parameters.
 */
export function canonicalContentType(header: string): string {
  const [type = '', ...parameters] = header.split(';');
  const kept = new Map<string, string>();
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    const name = parameter.slice(0, Math.max(equals, 0)).trim().toLowerCase();
    if ((name !== 'boundary' && name !== 'charset') || kept.has(name)) continue;
    const value = parameter.slice(equals + 1).trim();
    kept.set(name, /^".*"$/.test(value) ? value.slice(1, -1) : value);
  }
  const boundary = kept.get('boundary');
  const charset = kept.get('charset');
  return [
    type.trim().toLowerCase(),
    ...(boundary === undefined ? [] : [`boundary=${boundary}`]),
    ...(charset === undefined ? [] : [`charset=${charset}`]),
  ].join('; ');
}

/** Rewrites the request's Content-Type to {@link canonicalContentType} before any body parser. */
export function normaliseContentType(): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> {
  return {
    before: async ({ event }) => {
      const header = event.headers?.['content-type'];
      if (header) event.headers['content-type'] = canonicalContentType(header);
    },
  };
}
