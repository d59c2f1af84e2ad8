/**
 * The two translations API Gateway HTTP APIs (payload format 2.0) make around a Lambda handler:
 * an HTTP request into an `APIGatewayProxyEventV2`, and the handler's result back into an HTTP
 * response. Pure functions, so the local HTTP API and its tests share them, and a handler sees
 * locally exactly the event shape it sees deployed (lower-cased headers joined with commas, cookies
 * split out, bodies base64-encoded unless their content type is text).
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What the local HTTP server knows about one request. */
export interface RawHttpRequest {
  method: string;
  /** Request target as received: path plus optional query, e.g. `/v1/leads?limit=5`. */
  url: string;
  /** Node's `req.rawHeaders`: `[name, value, name, value, ...]` in arrival order. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  /** Port the server listens on (for `x-forwarded-port`). */
  localPort: number;
  /** e.g. `HTTP/1.1`. */
  protocol: string;
}

/** The HTTP response to write for a handler result. */
export interface HttpResponseParts {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** Set when the handler's result was malformed (the client only sees a generic 500). */
  problem?: string;
}

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_API_ID = 'local';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Content types API Gateway passes as text; every other body (multipart, form-urlencoded, binary,
 * or no content type at all) reaches the handler base64-encoded with `isBase64Encoded: true`.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/javascript' ||
    type === 'application/xml' ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

/** `requestContext.time` format: `25/Nov/2025:12:05:09 +0000`. */
export function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** An id shaped like API Gateway's (`JKJaXmPLvHcESHA=`). */
export function newApiRequestId(): string {
  return randomBytes(11).toString('base64');
}

function traceId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}

/** Lower-cased headers, duplicates joined with commas; `cookie` headers become the cookies list. */
export function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (name === 'cookie') {
      for (const cookie of value.split(';')) {
        const trimmed = cookie.trim();
        if (trimmed) cookies.push(trimmed);
      }
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Query parameters, URL-decoded, repeated names joined with commas (payload format 2.0). */
export function parseQueryString(rawQueryString: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return params;
}

/** Splits a request target into its raw path and raw query string (fragment dropped). */
export function splitTarget(url: string): { rawPath: string; rawQueryString: string } {
  const withoutFragment = url.split('#')[0] ?? '';
  const question = withoutFragment.indexOf('?');
  if (question < 0) return { rawPath: withoutFragment || '/', rawQueryString: '' };
  return {
    rawPath: withoutFragment.slice(0, question) || '/',
    rawQueryString: withoutFragment.slice(question + 1),
  };
}

/**
 * Builds the payload format 2.0 event API Gateway would send for `request` on the matched route.
 * Optional fields (cookies, queryStringParameters, pathParameters, body) are left out when empty,
 * as API Gateway leaves them out.
 */
export function toHttpApiEvent(
  request: RawHttpRequest,
  match: { routeKey: string; pathParameters: Record<string, string> },
  now: Date = new Date(),
  requestId: string = newApiRequestId(),
): APIGatewayProxyEventV2 {
  const { rawPath, rawQueryString } = splitTarget(request.url);
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);
  const host = headers.host ?? `127.0.0.1:${request.localPort}`;
  const domainName = host.replace(/:\d+$/, '');

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: match.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (rawQueryString !== '') event.queryStringParameters = parseQueryString(rawQueryString);
  if (Object.keys(match.pathParameters).length > 0) event.pathParameters = { ...match.pathParameters };
  if (request.body.length > 0) {
    const asText = isTextContentType(headers['content-type']);
    event.body = request.body.toString(asText ? 'utf8' : 'base64');
    event.isBase64Encoded = !asText;
  }
  return event;
}

/** API Gateway's own JSON error responses (`{"message":"Not Found"}` and friends). */
export function gatewayError(statusCode: number, message: string, requestId?: string): HttpResponseParts {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestId) headers['apigw-requestid'] = requestId;
  return { statusCode, headers, body: Buffer.from(JSON.stringify({ message })) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalarHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Adds `value` to a response header, keeping repeated headers (set-cookie) as a list. */
function appendHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const key = name.toLowerCase();
  const existing = headers[key];
  if (existing === undefined) headers[key] = value;
  else headers[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
}

/**
 * Turns a handler's return value into the HTTP response API Gateway would send. A result without
 * `statusCode` is inferred as 200 JSON (payload format 2.0); a malformed structured result becomes
 * API Gateway's 500, with the reason in `problem` for the local log.
 */
export function fromHandlerResult(result: unknown, requestId: string): HttpResponseParts {
  if (!isRecord(result) || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'apigw-requestid': requestId },
      body: Buffer.from(body),
    };
  }
  const malformed = (problem: string) => ({
    ...gatewayError(500, 'Internal Server Error', requestId),
    problem,
  });
  const { statusCode, body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return malformed(`statusCode must be an integer HTTP status, got ${JSON.stringify(statusCode)}`);
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return malformed(`body must be a string, got ${typeof body}`);
  }
  const headers: Record<string, string | string[]> = {};
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) {
      const text = scalarHeader(value);
      if (text !== undefined) appendHeader(headers, name, text);
    }
  }
  if (isRecord(result.multiValueHeaders)) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      for (const value of Array.isArray(values) ? values : [values]) {
        const text = scalarHeader(value);
        if (text !== undefined) appendHeader(headers, name, text);
      }
    }
  }
  if (Array.isArray(result.cookies)) {
    for (const cookie of result.cookies) {
      if (typeof cookie === 'string') appendHeader(headers, 'set-cookie', cookie);
    }
  }
  headers['apigw-requestid'] = requestId;
  const text = typeof body === 'string' ? body : '';
  return {
    statusCode,
    headers,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}
