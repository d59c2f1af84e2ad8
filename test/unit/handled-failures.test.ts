import { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '#shared/http/errors.ts';

type Request = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

const ENV = {
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_SERVICE_NAME: 'forms',
  POWERTOOLS_METRICS_NAMESPACE: 'leadscore',
  CLIENT_NAME: 'acme',
};
let saved: Record<string, string | undefined>;
let printed: string[];

/** The EMF documents the function printed (CloudWatch reads metrics from these log lines). */
const emfDocuments = () =>
  printed.flatMap((line) => {
    try {
      const doc = JSON.parse(line) as { _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
      return doc._aws ? [doc as Record<string, unknown> & typeof doc] : [];
    } catch {
      return [];
    }
  });

async function answer(error: unknown) {
  const { httpErrors } = await import('#shared/http/middleware.ts');
  const request = {
    event: { requestContext: { requestId: 'req-1' } },
    context: { awsRequestId: 'aws-1' },
    error,
    response: undefined,
  } as unknown as Request;
  await httpErrors(new Logger({ logLevel: 'SILENT' })).onError?.(request);
  return request.response as APIGatewayProxyStructuredResultV2;
}

beforeEach(() => {
  saved = Object.fromEntries(Object.keys(ENV).map((key) => [key, process.env[key]]));
  Object.assign(process.env, ENV);
  vi.resetModules();
  printed = [];
  const capture = (chunk: unknown) => {
    printed.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => capture(line));
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('the handled-failure metric', () => {
  it('It should count a 500 the error middleware answered, with the function and client as dimensions', async () => {
    const response = await answer(new Error('Secrets Manager is unreachable'));
    expect(response.statusCode).toBe(500);
    const [doc] = emfDocuments();
    expect(doc?._aws?.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual(['HandledFailures']);
    expect(doc).toMatchObject({ HandledFailures: 1, service: 'forms', client: 'acme' });
    expect(doc?._aws?.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'leadscore',
      Dimensions: [expect.arrayContaining(['service', 'client'])],
    });
  });

  it('It should not count bad input: a 4xx is the client’s mistake, not a failure', async () => {
    const response = await answer(new HttpError(400, 'bad_request', 'email is missing'));
    expect(response.statusCode).toBe(400);
    expect(emfDocuments()).toEqual([]);
  });
});
