/**
 * Helpers for HTTP-level tests of the API handlers: API Gateway HTTP API (payload 2.0) events built
 * by the same translation the local HTTP API uses (`toHttpApiEvent`: lower-cased headers, bodies
 * base64-encoded unless text, as API Gateway sends them), a Lambda context, and a harness that
 * gives each test file its own table, a recording local event bus and the functions' environment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { toHttpApiEvent } from '#local/api-gateway-event.ts';
import { localDynamoClientConfig } from '#local/dynamodb-local.ts';
import { LocalEventBus } from '#local/event-bus.ts';
import { applyFunctionEnvironment, localFunctionEnvironment } from '#local/function-env.ts';
import { createLambdaContext } from '#local/lambda-runtime.ts';
import { type StreamPoller, startStreamPoller } from '#local/stream-poller.ts';
import { type BusEnvelope, DETAIL_TYPES, sourceFor } from '#shared/events/contracts.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from './dynamo.ts';

/** The HTTP handlers' contract, as `functions/<name>/handler.ts` exports them. */
export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One HTTP request as a browser, a landing page or another system would send it. */
export interface ApiRequest {
  method?: string;
  /** Request target, query included: `/v1/leads?limit=5`. */
  url: string;
  /** The matched route, e.g. `POST /v1/forms/{formId}`. */
  routeKey: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** A handler's answer, with the body read back. */
export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** The payload 2.0 event API Gateway would hand the function for `request`. */
export function httpApiEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const rawHeaders = Object.entries(request.headers ?? {}).flat();
  const body =
    request.body === undefined
      ? Buffer.alloc(0)
      : typeof request.body === 'string'
        ? Buffer.from(request.body, 'utf8')
        : Buffer.from(request.body);
  return toHttpApiEvent(
    {
      method: request.method ?? 'POST',
      url: request.url,
      rawHeaders: ['host', 'api.test', ...rawHeaders, 'content-length', String(body.length)],
      body,
      sourceIp: '203.0.113.7',
      localPort: 443,
      protocol: 'HTTP/1.1',
    },
    { routeKey: request.routeKey, pathParameters: request.pathParameters ?? {} },
  );
}

/** A fresh Lambda context, as the runtime gives each invocation. */
export function lambdaContext(functionName = 'leadscore-test'): Context {
  return createLambdaContext({ functionName, timeoutMs: 30_000 });
}

/** Invokes `handler` with a raw payload 2.0 event (for events no HTTP client could send). */
export async function invokeEvent(handler: HttpHandler, event: APIGatewayProxyEventV2): Promise<ApiResponse> {
  const result = await handler(event, lambdaContext());
  const text = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64').toString('utf8')
    : (result.body ?? '');
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  return { statusCode: result.statusCode ?? 200, headers, text, json };
}

/** Invokes `handler` with the event API Gateway would build for `request`. */
export function invoke(handler: HttpHandler, request: ApiRequest): Promise<ApiResponse> {
  return invokeEvent(handler, httpApiEvent(request));
}

/** `application/x-www-form-urlencoded` body of a plain HTML form post. */
export function urlencoded(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** A real `multipart/form-data` body (boundary and all), as a browser builds it from a form. */
export async function multipart(
  fields: Record<string, string>,
): Promise<{ contentType: string; body: Uint8Array }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const request = new Request('http://form.test/', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type') ?? '';
  return { contentType, body: new Uint8Array(await request.arrayBuffer()) };
}

/** POST /v1/forms/{formId}. */
export function formRequest(
  formId: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
): ApiRequest {
  return {
    url: `/v1/forms/${encodeURIComponent(formId)}`,
    routeKey: 'POST /v1/forms/{formId}',
    pathParameters: { formId },
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

/** POST /v1/events with a JSON body and (unless `apiKey` is null) the API key. */
export function eventsRequest(body: unknown, apiKey: string | null, headers: Record<string, string> = {}) {
  return {
    url: '/v1/events',
    routeKey: 'POST /v1/events',
    headers: {
      'content-type': 'application/json',
      ...(apiKey === null ? {} : { 'x-api-key': apiKey }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  } satisfies ApiRequest;
}

/** GET /v1/leads (with query) or GET /v1/leads/{leadId}. */
export function leadsRequest(
  apiKey: string | null,
  options: { leadId?: string; query?: Record<string, string> } = {},
): ApiRequest {
  const headers: Record<string, string> = apiKey === null ? {} : { 'x-api-key': apiKey };
  if (options.leadId !== undefined) {
    return {
      method: 'GET',
      url: `/v1/leads/${encodeURIComponent(options.leadId)}`,
      routeKey: 'GET /v1/leads/{leadId}',
      pathParameters: { leadId: options.leadId },
      headers,
    };
  }
  const query = new URLSearchParams(options.query ?? {}).toString();
  return { method: 'GET', url: `/v1/leads${query ? `?${query}` : ''}`, routeKey: 'GET /v1/leads', headers };
}

const EMPTY_METRICS_WARNING = 'No application metrics to publish';

/**
 * Powertools Metrics warns on stderr after every invocation that added no metric (most 4xx
 * paths): thousands of identical lines in a fuzz run. Drops those lines only; returns the undo.
 */
export function muteEmptyMetricsWarnings(): () => void {
  const original = process.stderr.write;
  const filtered = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (String(chunk).includes(EMPTY_METRICS_WARNING)) return true;
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  process.stderr.write = filtered as typeof process.stderr.write;
  return () => {
    process.stderr.write = original;
  };
}

/** What a test file gets: the functions' environment is set, so handlers may now be imported. */
export interface ApiHarness {
  tableName: string;
  apiKey: string;
  bus: LocalEventBus;
  /** Every envelope the handlers put on the bus, in arrival order. */
  published: BusEnvelope[];
  /** Threshold-crossed envelopes for one lead (after in-flight deliveries settle). */
  thresholdEventsFor(leadId: string): Promise<BusEnvelope[]>;
  /** Number of items in the table (every lead, visitor, event and outbox item). */
  countItems(): Promise<number>;
  /** Items stored under one lead's partition (the lead and its events). */
  itemsOfLead(leadId: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Creates a fresh table, starts a local event bus whose catch-all rule records every envelope,
 * and sets the environment contract of the functions (PRODUCT §7.1) in `process.env`.
 */
export async function startApiHarness(prefix: string): Promise<ApiHarness> {
  const client = testDynamoClient();
  const tableName = await freshTable(prefix, client);
  const dataDir = await mkdtemp(join(tmpdir(), `leadscore-${prefix}-`));
  const published: BusEnvelope[] = [];
  const bus = new LocalEventBus({
    name: `leadscore-example-${prefix}`,
    dataDir,
    rules: [
      {
        name: 'record-everything',
        pattern: { source: [sourceFor('example')] },
        targets: [{ name: 'recorder', invoke: async (envelope) => void published.push(envelope) }],
      },
    ],
  });
  const eventBridgeEndpoint = await bus.listen();
  // The events of each write go out as deployed: the table's stream, read by the relay.
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient(localDynamoClientConfig(testDynamoEndpoint()));
  let poller: StreamPoller | undefined;
  const startRelay = async () => {
    const relay = (await import('#functions/outbox-relay/handler.ts')).handler as (
      event: DynamoDBStreamEvent,
      context: Context,
    ) => Promise<unknown>;
    return startStreamPoller({
      streams,
      streamArn: Table!.LatestStreamArn!,
      invoke: (event) =>
        relay(event, createLambdaContext({ functionName: 'outbox-relay', timeoutMs: 60_000 })),
      checkpointFile: join(dataDir, 'stream-checkpoints.json'),
      pollIntervalMs: 50,
      beforeCheckpoint: () => bus.whenIdle(),
    });
  };
  const apiKey = `test-key-${prefix}`;
  const unmute = muteEmptyMetricsWarnings();
  applyFunctionEnvironment(
    localFunctionEnvironment({
      client: 'example',
      configPath: 'clients/example.yaml',
      tableName,
      eventBusName: bus.name,
      dynamoEndpoint: testDynamoEndpoint(),
      eventBridgeEndpoint,
      apiKey,
      outboxDir: join(dataDir, 'outbox'),
      leadUrlBase: 'http://127.0.0.1:3000',
      // Thousands of rejected requests would each log a line; errors still show.
      inherited: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    }),
  );
  const countItems = async () => {
    let count = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return count;
  };
  const itemsOfLead = async (leadId: string) => {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `LEAD#${leadId}` } },
        Select: 'COUNT',
      }),
    );
    return page.Count ?? 0;
  };
  return {
    tableName,
    apiKey,
    bus,
    published,
    async thresholdEventsFor(leadId) {
      poller ??= await startRelay();
      await poller.whenIdle();
      await bus.whenIdle();
      return published.filter(
        (e) =>
          e['detail-type'] === DETAIL_TYPES.thresholdCrossed &&
          (e.detail as { leadId?: string }).leadId === leadId,
      );
    },
    countItems,
    itemsOfLead,
    async stop() {
      await poller?.stop();
      streams.destroy();
      unmute();
      await bus.close();
      client.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
