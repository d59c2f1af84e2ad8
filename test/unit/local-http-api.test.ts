import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHandlerResult, type RawHttpRequest, toHttpApiEvent } from '#local/api-gateway-event.ts';
import {
  type HealthReport,
  type HttpApiServer,
  type HttpRoute,
  PortInUseError,
  startHttpApi,
} from '#local/http-api.ts';
import { compileRoute, matchRoute } from '#local/routes.ts';
import { PNG_SIGNATURE } from '#test/fixtures/echo-handler.ts';

const echo = () => import('#test/fixtures/echo-handler.ts');

function rawRequest(overrides: Partial<RawHttpRequest>): RawHttpRequest {
  return {
    method: 'GET',
    url: '/',
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'test-agent'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    localPort: 3000,
    protocol: 'HTTP/1.1',
    ...overrides,
  };
}

describe('API Gateway payload 2.0 event mapping', () => {
  it('It should name the route, keep the raw path and query, and decode path and query parameters', () => {
    const event = toHttpApiEvent(
      rawRequest({ method: 'POST', url: '/v1/forms/demo%2Drequest?utm=a%20b&tag=x&tag=y' }),
      { routeKey: 'POST /v1/forms/{formId}', pathParameters: { formId: 'demo-request' } },
      new Date('2026-11-25T12:05:09.123Z'),
      'req-1',
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/forms/{formId}',
      rawPath: '/v1/forms/demo%2Drequest',
      rawQueryString: 'utm=a%20b&tag=x&tag=y',
      queryStringParameters: { utm: 'a b', tag: 'x,y' },
      pathParameters: { formId: 'demo-request' },
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'POST /v1/forms/{formId}',
        stage: '$default',
        requestId: 'req-1',
        time: '25/Nov/2026:12:05:09 +0000',
        timeEpoch: Date.parse('2026-11-25T12:05:09.123Z'),
        http: {
          method: 'POST',
          path: '/v1/forms/demo%2Drequest',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test-agent',
        },
      },
    });
    expect(event.body).toBeUndefined();
  });

  it('It should lower-case headers, join repeated ones with commas and move cookies to their own list', () => {
    const event = toHttpApiEvent(
      rawRequest({
        rawHeaders: ['X-Tag', 'a', 'x-tag', 'b', 'Cookie', 'session=abc; theme=dark', 'cookie', 'lang=en'],
      }),
      { routeKey: 'GET /', pathParameters: {} },
    );
    expect(event.headers['x-tag']).toBe('a,b');
    expect(event.cookies).toEqual(['session=abc', 'theme=dark', 'lang=en']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
  });

  it('It should pass JSON and text bodies as text, and base64-encode multipart and form posts', () => {
    const json = toHttpApiEvent(
      rawRequest({ rawHeaders: ['Content-Type', 'application/json'], body: Buffer.from('{"a":"é"}') }),
      { routeKey: 'POST /x', pathParameters: {} },
    );
    expect(json).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });

    for (const contentType of ['multipart/form-data; boundary=xyz', 'application/x-www-form-urlencoded']) {
      const body = Buffer.from('email=a%40b.com');
      const event = toHttpApiEvent(rawRequest({ rawHeaders: ['Content-Type', contentType], body }), {
        routeKey: 'POST /x',
        pathParameters: {},
      });
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64').equals(body)).toBe(true);
    }
  });

  it('It should map a structured result, infer 200 JSON for a plain object, and reject a malformed one', () => {
    const structured = fromHandlerResult(
      { statusCode: 303, headers: { Location: '/thanks.html' }, cookies: ['a=1', 'b=2'], body: '' },
      'rid',
    );
    expect(structured.statusCode).toBe(303);
    expect(structured.headers).toMatchObject({ location: '/thanks.html', 'set-cookie': ['a=1', 'b=2'] });

    const inferred = fromHandlerResult({ ok: true }, 'rid');
    expect(inferred.statusCode).toBe(200);
    expect(inferred.headers['content-type']).toBe('application/json');
    expect(JSON.parse(inferred.body.toString())).toEqual({ ok: true });

    const malformed = fromHandlerResult({ statusCode: 'two hundred' }, 'rid');
    expect(malformed.statusCode).toBe(500);
    expect(JSON.parse(malformed.body.toString())).toEqual({ message: 'Internal Server Error' });
  });
});

describe('Route matching', () => {
  const routes = [
    'GET /v1/leads',
    'GET /v1/leads/{leadId}',
    'GET /v1/leads/export',
    'ANY /files/{path+}',
  ].map((routeKey) => ({ compiled: compileRoute(routeKey), route: routeKey }));

  it('It should prefer literal segments over path variables and decode parameters', () => {
    expect(matchRoute(routes, 'GET', '/v1/leads/export')?.route).toBe('GET /v1/leads/export');
    expect(matchRoute(routes, 'GET', '/v1/leads/lead%20one')).toMatchObject({
      route: 'GET /v1/leads/{leadId}',
      pathParameters: { leadId: 'lead one' },
    });
    expect(matchRoute(routes, 'GET', '/files/a/b.txt')?.pathParameters).toEqual({ path: 'a/b.txt' });
    expect(matchRoute(routes, 'POST', '/v1/leads')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/v1/leads/a/b')).toBeUndefined();
  });
});

describe('Local HTTP API server', () => {
  let api: HttpApiServer;
  let siteDir: string;
  let health: HealthReport = { status: 'ok', components: { http: 'ok' } };
  const errors: unknown[] = [];

  beforeAll(async () => {
    siteDir = await mkdtemp(join(tmpdir(), 'leadscore-site-'));
    await writeFile(join(siteDir, 'index.html'), '<!doctype html><title>Demo</title>');
    const routes: HttpRoute[] = [
      { routeKey: 'POST /v1/forms/{formId}', handler: echo, functionName: 'leadscore-test-forms' },
      ...['/throw', '/binary', '/cookies', '/inferred', '/malformed'].map((path) => ({
        routeKey: `GET ${path}`,
        handler: echo,
      })),
      { routeKey: 'GET /slow', handler: echo, timeoutMs: 50 },
    ];
    api = await startHttpApi({
      port: 0,
      routes,
      siteDir,
      maxBodyBytes: 1024,
      health: () => health,
      onRequest: (entry) => {
        if (entry.error !== undefined) errors.push(entry.error);
      },
    });
  });

  afterAll(async () => {
    await api.close();
    await rm(siteDir, { recursive: true, force: true });
  });

  it('It should invoke the handler with a payload 2.0 event and a Lambda-like context', async () => {
    const response = await fetch(`${api.url}/v1/forms/demo-request?ref=ad`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'ls=1' },
      body: JSON.stringify({ email: 'ada@example.com' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    const { event, context } = (await response.json()) as {
      event: APIGatewayProxyEventV2;
      context: { functionName: string; awsRequestId: string; remainingMs: number };
    };
    expect(event).toMatchObject({
      routeKey: 'POST /v1/forms/{formId}',
      pathParameters: { formId: 'demo-request' },
      queryStringParameters: { ref: 'ad' },
      cookies: ['ls=1'],
      body: '{"email":"ada@example.com"}',
      isBase64Encoded: false,
    });
    expect(event.requestContext.requestId).toBe(response.headers.get('apigw-requestid'));
    expect(context.functionName).toBe('leadscore-test-forms');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.remainingMs).toBeGreaterThan(0);
  });

  it('It should base64-encode a multipart body, as API Gateway does', async () => {
    const form = new FormData();
    form.set('email', 'ada@example.com');
    form.set('company', 'Analytical Engines');
    const response = await fetch(`${api.url}/v1/forms/contact`, { method: 'POST', body: form });
    const { event } = (await response.json()) as { event: APIGatewayProxyEventV2 };
    expect(event.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(event.isBase64Encoded).toBe(true);
    const decoded = Buffer.from(event.body ?? '', 'base64').toString('utf8');
    expect(decoded).toContain('name="company"');
    expect(decoded).toContain('Analytical Engines');
  });

  it('It should answer an unknown route with 404 {"message":"Not Found"}', async () => {
    const response = await fetch(`${api.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    const wrongMethod = await fetch(`${api.url}/v1/forms/demo-request`);
    expect(wrongMethod.status).toBe(404);
  });

  it('It should answer 500 without internals when the handler throws, and report the cause', async () => {
    const response = await fetch(`${api.url}/throw`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toContain('secret');
    expect(errors.some((error) => error instanceof Error && error.message === 'secret internal detail')).toBe(
      true,
    );
  });

  it('It should answer 500 for a malformed result and 503 when the handler times out', async () => {
    expect((await fetch(`${api.url}/malformed`)).status).toBe(500);
    const slow = await fetch(`${api.url}/slow`);
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('It should write cookies, multi-value headers and base64 bodies back as HTTP', async () => {
    const cookies = await fetch(`${api.url}/cookies`);
    expect(cookies.status).toBe(201);
    expect(cookies.headers.getSetCookie()).toEqual(['session=abc; HttpOnly', 'theme=dark']);
    expect(cookies.headers.get('x-multi')).toBe('a, b');
    expect(cookies.headers.get('x-count')).toBe('2');
    expect(await cookies.text()).toBe('ok');

    const binary = await fetch(`${api.url}/binary`);
    expect(binary.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await binary.arrayBuffer()).equals(PNG_SIGNATURE)).toBe(true);

    const inferred = await fetch(`${api.url}/inferred`);
    expect(inferred.headers.get('content-type')).toBe('application/json');
    expect(await inferred.json()).toEqual({ hello: 'world' });
  });

  it('It should refuse bodies over the limit with 413 before invoking the handler', async () => {
    const response = await fetch(`${api.url}/v1/forms/demo-request`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(2048),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('It should serve the demo site, and nothing outside it', async () => {
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>Demo</title>');
    expect((await fetch(`${api.url}/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${api.url}/missing.html`)).status).toBe(404);
  });

  it('It should fail with PortInUseError when the port is taken', async () => {
    const second = startHttpApi({ port: api.port, routes: [] });
    await expect(second).rejects.toBeInstanceOf(PortInUseError);
    await expect(second).rejects.toThrow(`port ${api.port} is in use; set PORT=...`);
  });

  it('It should report health: 503 while starting, 200 once every component is ok', async () => {
    health = { status: 'starting', components: { dynamodb: 'starting', http: 'ok' } };
    const starting = await fetch(`${api.url}/health`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual(health);
    health = { status: 'ok', components: { dynamodb: 'ok', http: 'ok' } };
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });
});
