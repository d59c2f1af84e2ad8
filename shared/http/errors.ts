import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A problem with one field of a request, named by its path (`events[3].occurredAt`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** An error whose status and message may be shown to the caller (4xx). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends HttpError {
  override name = 'ValidationError';
  constructor(fields: readonly FieldIssue[], message = `invalid ${fields.map((f) => f.field).join(', ')}`) {
    super(400, 'validation_failed', message, fields);
  }
}

export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

/** A JSON response. */
export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The JSON body of an error response: `{ error, message, fields }`, fields naming paths. */
export function errorBody(error: HttpError) {
  return {
    error: error.code,
    message: error.message,
    ...(error.fields.length > 0 ? { fields: error.fields } : {}),
  };
}

/**
 * The shape every HTTP function exports. middy's body-parser typings rewrite the event type
 * (a v1 REST event with a parsed body), so handlers state their real v2 contract with this.
 */
export type HttpHandler = (
  event: import('aws-lambda').APIGatewayProxyEventV2,
  context: import('aws-lambda').Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
