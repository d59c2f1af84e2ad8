import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClientConfig } from '#local/dynamodb-local.ts';
import { LOCAL_FUNCTIONS, type LocalStack, LocalStackError, startLocalStack } from '#local/stack.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { functionSpec, httpRoutes } from '#shared/manifest.ts';
import { encodeOutbox } from '#shared/store/outbox.ts';
import { testDynamoEndpoint } from '#test/support/dynamo.ts';
import { scoredEvent } from '#test/support/outgoing-events.ts';

/*
 * The local stack wired to stand-in handlers (test/fixtures/local-functions): proves the
 * environment contract, the routes, the notification rules, the stream and the schedule, whatever state the
 * real handlers are in. The shared DynamoDB Local of the test run stands in for the embedded one.
 */
const FIXTURE_FUNCTIONS = join(import.meta.dirname, '..', 'fixtures', 'local-functions');
const CONFIG_PATH = 'clients/example.yaml';

describe('Local stack', () => {
  let dataDir: string;
  let stack: LocalStack;
  const steps: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadscore-stack-'));
    stack = await startLocalStack({
      config: loadClientConfig(CONFIG_PATH),
      configPath: CONFIG_PATH,
      port: 0,
      dataDir,
      dynamoEndpoint: testDynamoEndpoint(),
      functionsDir: FIXTURE_FUNCTIONS,
      env: {},
      retry: { attempts: 2, baseDelayMs: 5 },
      onStep: (label) => steps.push(label),
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('It should report healthy components once started, and keep a generated API key', async () => {
    const response = await fetch(stack.urls.health);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      components: { dynamodb: 'ok', eventBus: 'ok', stream: 'ok', scheduler: 'ok', http: 'ok' },
    });
    expect(steps).toContain('functions loaded');
    expect(stack.apiKeySource).toBe('generated');
    expect((await readFile(join(dataDir, 'api-key'), 'utf8')).trim()).toBe(stack.apiKey);
  });

  it('It should run a form post through the forms function, DynamoDB and the bus to both notifiers', async () => {
    const response = await fetch(`${stack.urls.page}v1/forms/demo-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=ada%40example.com&company=Analytical+Engines',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${stack.urls.page}thanks.html`);

    const dynamo = new DynamoDBClient(localDynamoClientConfig(stack.dynamoEndpoint));
    const marker = await dynamo.send(
      new GetItemCommand({
        TableName: stack.tableName,
        Key: { pk: { S: 'FORM#demo-request' }, sk: { S: 'MARKER' } },
      }),
    );
    dynamo.destroy();
    expect(marker.Item).toBeDefined();

    await stack.bus.whenIdle();
    const outbox = (await readdir(join(dataDir, 'outbox'))).sort();
    expect(outbox).toHaveLength(2);
    expect(outbox[0]).toMatch(/^notify-email-/);
    expect(outbox[1]).toMatch(/^notify-slack-/);
    const envelope = JSON.parse(await readFile(join(dataDir, 'outbox', outbox[1] as string), 'utf8'));
    expect(envelope).toMatchObject({
      source: 'leadscore.example',
      'detail-type': 'Lead Threshold Crossed',
      detail: { formId: 'demo-request', threshold: 'mql', direction: 'up' },
    });
  });

  it('It should route the read and events APIs with the API key of the environment contract', async () => {
    const lead = await fetch(`${stack.urls.api}/leads/lead%201`);
    expect(await lead.json()).toMatchObject({
      routeKey: 'GET /v1/leads/{leadId}',
      pathParameters: { leadId: 'lead 1' },
    });
    const accepted = await fetch(`${stack.urls.api}/events`, {
      method: 'POST',
      headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(accepted.status).toBe(202);
  });

  it('It should serve the demo page with a real form posting to the forms API', async () => {
    const page = await (await fetch(stack.urls.page)).text();
    expect(page).toContain('<form id="demo-form" method="post" action="/v1/forms/demo-request">');
    expect(page).toMatch(/<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">/);
    expect((await fetch(stack.urls.leads)).status).toBe(200);
  });

  it('It should run the decay function with the input EventBridge Scheduler sends, and schedule its next run', async () => {
    await stack.runDecay(new Date('2026-11-25T05:00:00.250Z'));
    const runs = (globalThis as { __decayRuns?: unknown[] }).__decayRuns ?? [];
    // As deployed (cdk/constructs/decay.ts): { now: <aws.scheduler.scheduled-time> }, to the second.
    expect(runs.at(-1)).toEqual({ now: '2026-11-25T05:00:00Z' });
    expect(stack.schedule.nextRun()?.getTime()).toBeGreaterThan(Date.now());
  });

  it('It should invoke the stream function with the stream records of lead items written with an outbox', async () => {
    const dynamo = new DynamoDBClient(localDynamoClientConfig(stack.dynamoEndpoint));
    const leadId = `ld_fixture${Date.now()}`;
    const outbox = encodeOutbox([scoredEvent(leadId, 1)]) as Uint8Array;
    const item = (sk: string) => ({ pk: { S: `LEAD#${leadId}` }, sk: { S: sk }, outbox: { B: outbox } });
    await dynamo.send(new PutItemCommand({ TableName: stack.tableName, Item: item('EVT#e1') }));
    await dynamo.send(new PutItemCommand({ TableName: stack.tableName, Item: item('LEAD') }));
    dynamo.destroy();

    await stack.stream.whenIdle();
    const batches = (globalThis as { __relayedBatches?: DynamoDBStreamEvent[] }).__relayedBatches ?? [];
    const mine = batches
      .flatMap((b) => b.Records)
      .filter((r) => r.dynamodb?.Keys?.pk?.S === `LEAD#${leadId}`);
    // The event item is filtered out, as the deployed filter criteria do; binary arrives as base64.
    expect(mine).toEqual([
      expect.objectContaining({
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventSourceARN: stack.stream.streamArn,
        dynamodb: expect.objectContaining({
          Keys: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } },
          NewImage: expect.objectContaining({ outbox: { B: Buffer.from(outbox).toString('base64') } }),
        }),
      }),
    ]);
    const saved = JSON.parse(await readFile(stack.stream.checkpointFile, 'utf8'));
    expect(saved.streamArn).toBe(stack.stream.streamArn);
  });

  it("It should serve every route of the manifest with the manifest's function", async () => {
    const served = httpRoutes().map((route) => ({ routeKey: route.key, fn: route.fn }));
    for (const { routeKey, fn } of served) {
      const [method, path] = routeKey.split(' ') as [string, string];
      const response = await fetch(`${stack.urls.page}${path.slice(1).replace(/\{(\w+)\}/g, 'probe-$1')}`, {
        method,
        headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
        redirect: 'manual',
      });
      // Each stand-in names the function and the route key it was invoked with.
      expect(response.headers.get('x-served-by'), routeKey).toBe(`leadscore-example-${fn} ${routeKey}`);
    }
    await stack.bus.whenIdle();
  });

  it("It should invoke a function with the manifest's memory and timeout, as Lambda does deployed", async () => {
    const response = await fetch(`${stack.urls.page}thanks.html`);
    const spec = functionSpec('lead-page');
    expect(response.headers.get('x-lambda-limits')).toBe(`${spec.memoryMb} MB ${spec.timeoutSeconds} s`);
  });

  it('It should answer CORS preflights itself from the union of the forms’ origins, as API Gateway does', async () => {
    const preflight = (origin: string, path = 'v1/forms/contact') =>
      fetch(`${stack.urls.page}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    // The blog may post the newsletter form only, yet API Gateway answers from the union for every path.
    const blog = await preflight('https://blog.example-analytics.com');
    expect(blog.status).toBe(204);
    expect(blog.headers.get('access-control-allow-origin')).toBe('https://blog.example-analytics.com');
    expect(blog.headers.get('access-control-allow-methods')).toBe('POST');
    expect(blog.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(blog.headers.get('access-control-max-age')).toBe('86400');
    expect(blog.headers.get('x-served-by')).toBeNull(); // no function was invoked
    const stranger = await preflight('https://evil.example.com');
    expect(stranger.status).toBe(204);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    // An answer carries API Gateway's CORS header, not the function's.
    const posted = await fetch(`${stack.urls.page}v1/forms/contact`, {
      method: 'POST',
      headers: { origin: 'https://blog.example-analytics.com', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(posted.headers.get('access-control-allow-origin')).toBe('https://blog.example-analytics.com');
    await stack.bus.whenIdle();
  });
});

describe('Local stack without its functions', () => {
  it('It should name every missing handler module before starting anything', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leadscore-stack-'));
    try {
      const starting = startLocalStack({
        config: loadClientConfig(CONFIG_PATH),
        configPath: CONFIG_PATH,
        port: 0,
        dataDir,
        dynamoEndpoint: testDynamoEndpoint(),
        functionsDir: join(dataDir, 'no-functions-here'),
        env: {},
      });
      await expect(starting).rejects.toBeInstanceOf(LocalStackError);
      await expect(starting).rejects.toThrow(
        new RegExp(
          `${LOCAL_FUNCTIONS.length} handler module\\(s\\) missing:\\n.*no-functions-here/forms/handler\\.ts`,
        ),
      );
      await expect(starting).rejects.toThrow(/no-functions-here\/notify-email\/handler\.ts/);
      await expect(starting).rejects.toThrow(/no-functions-here\/outbox-relay\/handler\.ts/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
