/**
 * Local = deployed for integrations (issue 15): the local bus, with the rules `integrationRules`
 * builds from a client file holding a HubSpot preset, a Salesforce preset and a signed webhook,
 * delivers to real local HTTP receivers: the payload, the auth header and the signature; a 500
 * followed by success delivered once; a permanent failure in the dead letters. The webhook goes
 * through the real notifier core with its dedupe records on DynamoDB Local.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DeadLetter, type DeliveryReport, LocalEventBus } from '#local/event-bus.ts';
import { integrationRules } from '#local/integration-rules.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import { DETAIL_TYPES, sourceFor } from '#shared/events/contracts.ts';
import { localSecretReader } from '#shared/integrations/secrets.ts';
import { verifySignature } from '#shared/integrations/signature.ts';
import { NotificationDedupe } from '#shared/notify/dedupe.ts';
import { createWebhookNotifier } from '#shared/notify/webhook-notifier.ts';
import { hubspotSimplePublicObjectInput, salesforceSObjectRecord } from '#test/support/crm-request-shapes.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { type HttpReceiver, startHttpReceiver } from '#test/support/http-receiver.ts';
import { crossingEvent, scoredEvent } from '#test/support/outgoing-events.ts';

const SECRETS = {
  'leadscore/crm/hubspot': { apiKey: 'Bearer pat-na1-test' },
  'leadscore/crm/salesforce': { clientId: 'sf-client', clientSecret: 'sf-secret' },
  'leadscore/crm/nurture-webhook': { signingSecret: 'whsec_nurture' },
  'leadscore/crm/api': { username: 'leadscore', password: 'p@ss:word' },
};

describe('Integrations on the local bus', () => {
  let dataDir: string;
  let bus: LocalEventBus;
  let hubspot: HttpReceiver;
  let salesforce: HttpReceiver;
  let token: HttpReceiver;
  let hooks: HttpReceiver;
  let api: HttpReceiver;
  const reports: DeliveryReport[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadscore-integrations-'));
    [hubspot, salesforce, token, hooks, api] = await Promise.all([
      startHttpReceiver(),
      startHttpReceiver(),
      startHttpReceiver(),
      startHttpReceiver(),
      startHttpReceiver(),
    ]);
    token.failAlways({
      status: 200,
      body: JSON.stringify({ access_token: 'sf-token-1', token_type: 'Bearer', expires_in: 3600 }),
      headers: { 'content-type': 'application/json' },
    });
    const fixture = loadClientConfig('test/fixtures/clients/crm.yaml');
    const raw = structuredClone(fixture) as unknown as { integrations: Record<string, unknown>[] };
    const local: Record<string, Record<string, unknown>> = {
      hubspot: { baseUrl: hubspot.url, retry: { attempts: 2, maxEventAgeSeconds: 60 } },
      salesforce: { instanceUrl: salesforce.url, tokenUrl: `${token.url}/services/oauth2/token` },
      nurture: { url: `${hooks.url}/leadscore` },
    };
    raw.integrations = raw.integrations.map((integration) => ({
      ...integration,
      ...local[String(integration.id)],
    }));
    // A generic HTTP API: basic auth, a path parameter, fixed query and headers, a body template.
    raw.integrations.push({
      id: 'crm-api',
      type: 'http',
      events: { 'detail-type': ['Lead Disqualified'] },
      url: `${api.url}/v2/leads/*/score`,
      method: 'PUT',
      pathParameters: ['{{detail.leadId}}'],
      query: { source: 'leadscore' },
      headers: { 'X-Client': 'crm' },
      auth: { kind: 'basic' },
      secret: 'leadscore/crm/api',
      body: {
        score: '{{detail.newScore}}',
        note: 'Disqualified by {{detail.ruleId}}',
        lead: { id: '{{detail.leadId}}', owner: '{{detail.owner}}', reasons: '{{detail.topReasons}}' },
      },
    });
    const config = parseClientConfig(raw);
    const secretsFile = join(dataDir, 'secrets.json');
    await writeFile(secretsFile, JSON.stringify(SECRETS));
    const notify = createWebhookNotifier({
      config,
      dedupe: new NotificationDedupe({
        tableName: await freshTable('integrations'),
        channel: 'webhook',
        client: testDynamoClient(),
      }),
      readSecret: localSecretReader(secretsFile),
    });
    bus = new LocalEventBus({
      name: 'leadscore-crm',
      dataDir,
      retry: { attempts: 3, baseDelayMs: 5 },
      onDelivery: (report) => reports.push(report),
      rules: integrationRules(config, {
        busName: 'leadscore-crm',
        readSecret: localSecretReader(secretsFile),
        invokeWebhook: async (input) => void (await notify(input)),
      }),
    });
  });

  afterEach(() => {
    for (const receiver of [hubspot, salesforce, hooks, api]) receiver.reset({ clear: true });
    reports.length = 0;
  });

  afterAll(async () => {
    await bus?.close();
    await Promise.all([hubspot, salesforce, token, hooks, api].map((receiver) => receiver?.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  const put = (event: ReturnType<typeof crossingEvent>) =>
    bus.put([
      {
        EventBusName: 'leadscore-crm',
        Source: sourceFor('crm'),
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      },
    ]);
  const deadLetters = async (): Promise<DeadLetter[]> => {
    const text = await readFile(bus.deadLetterFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeadLetter);
  };

  it('It should PATCH the HubSpot contact with the private app token and string properties', async () => {
    put(scoredEvent('lead-1', 1));
    await bus.whenIdle();

    const [request] = await hubspot.waitForDelivered(1);
    expect(request?.method).toBe('PATCH');
    expect(request?.path).toBe('/crm/v3/objects/contacts/lead-1%40bigcorp.test?idProperty=email');
    expect(request?.headers.authorization).toBe('Bearer pat-na1-test');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(hubspotSimplePublicObjectInput.parse(request?.json())).toEqual({
      properties: { leadscore_score: '105', leadscore_grade: 'A', leadscore_segment: 'hot' },
    });
    expect(salesforce.requests).toHaveLength(0);
  });

  it('It should get a Salesforce token by client credentials once and PATCH the Lead by its external id', async () => {
    put(crossingEvent('lead-2', 1));
    put(crossingEvent('lead-3', 1));
    await bus.whenIdle();

    const updates = await salesforce.waitForDelivered(2);
    expect(updates.map((r) => r.path).sort()).toEqual([
      '/services/data/v62.0/sobjects/Lead/Leadscore_Id__c/lead-2?updateOnly=true',
      '/services/data/v62.0/sobjects/Lead/Leadscore_Id__c/lead-3?updateOnly=true',
    ]);
    for (const update of updates) {
      expect(update.method).toBe('PATCH');
      expect(update.headers.authorization).toBe('Bearer sf-token-1');
      expect(salesforceSObjectRecord('Leadscore_Id__c').parse(update.json())).toMatchObject({
        Leadscore_Score__c: 105,
        Leadscore_Grade__c: 'A',
      });
    }
    const tokenRequests = token.requests.filter((r) => r.path === '/services/oauth2/token');
    expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(tokenRequests.length).toBeLessThanOrEqual(2);
    expect(tokenRequests[0]?.method).toBe('POST');
    expect(tokenRequests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('sf-client:sf-secret').toString('base64')}`,
    );
    expect(new URLSearchParams(tokenRequests[0]?.body).get('grant_type')).toBe('client_credentials');
  });

  it('It should sign the webhook so the receiver verifies it, with the event id as a header', async () => {
    const segment = { ...crossingEvent('lead-4', 1) };
    const event = {
      detailType: DETAIL_TYPES.segmentChanged,
      detail: { ...segment.detail, id: 'lead-4:v1:segment' },
    };
    put(event as never);
    await bus.whenIdle();

    const [request] = await hooks.waitForDelivered(1);
    expect(request?.path).toBe('/leadscore');
    expect(request?.headers['leadscore-event-id']).toBe('lead-4:v1:segment');
    expect(request?.headers['leadscore-event-type']).toBe('Lead Segment Changed');
    const signature = request?.headers['leadscore-signature'] as string;
    expect(verifySignature('whsec_nurture', request?.body ?? '', signature)).toBe('ok');
    expect(verifySignature('another-secret', request?.body ?? '', signature)).toBe('mismatch');
    expect(request?.json()).toMatchObject({
      type: 'Lead Segment Changed',
      id: 'lead-4:v1:segment',
      lead: { leadId: 'lead-4', newSegment: 'hot', newScore: 105 },
    });
  });

  it('It should deliver once after a 500, and post a redelivered webhook event only once', async () => {
    hubspot.failNext(1);
    hooks.failNext(1);
    const event = {
      detailType: DETAIL_TYPES.segmentChanged,
      detail: { ...crossingEvent('lead-5', 1).detail, id: 'lead-5:v1:segment' },
    };
    put(scoredEvent('lead-5', 1));
    put(event as never);
    await bus.whenIdle();
    put(event as never);
    await bus.whenIdle();

    expect(hubspot.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(reports.filter((r) => r.target === 'leadscore-crm-sync-hubspot').map((r) => r.outcome)).toEqual([
      'retrying',
      'delivered',
    ]);
    expect(hooks.requests.map((r) => r.status)).toEqual([500, 200]);
    const ids = new Set(hooks.requests.map((r) => r.headers['leadscore-event-id']));
    expect(ids).toEqual(new Set(['lead-5:v1:segment']));
  });

  it('It should call a generic HTTP API with basic auth, its path parameter, query, headers and templated body', async () => {
    const crossing = crossingEvent('lead-8', 1).detail;
    const disqualified = {
      detailType: DETAIL_TYPES.disqualified,
      detail: {
        ...crossing,
        id: 'lead-8:v1:disqualified',
        reason: 'Works for a competitor',
        ruleId: 'competitor',
      },
    };
    put(disqualified as never);
    await bus.whenIdle();

    const [request] = await api.waitForDelivered(1);
    expect(request?.method).toBe('PUT');
    expect(request?.path).toBe('/v2/leads/lead-8/score?source=leadscore');
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from('leadscore:p@ss:word').toString('base64')}`,
    );
    expect(request?.headers['x-client']).toBe('crm');
    expect(request?.json()).toEqual({
      score: 105,
      note: 'Disqualified by competitor',
      lead: { id: 'lead-8', owner: crossing.owner, reasons: crossing.topReasons },
    });
  });

  it('It should dead-letter a 404 at once and a lasting 503 after its retries, never silently', async () => {
    hubspot.failAlways({ status: 404, body: 'contact not found' });
    put(scoredEvent('lead-6', 1));
    await bus.whenIdle();
    expect(hubspot.requests).toHaveLength(1);

    hubspot.failAlways({ status: 503, body: 'unavailable' });
    put(scoredEvent('lead-7', 1));
    await bus.whenIdle();
    // retry.attempts 2 in this client file: the first attempt and two retries.
    expect(hubspot.requests).toHaveLength(4);

    const letters = (await deadLetters()).filter((letter) => letter.target === 'leadscore-crm-sync-hubspot');
    expect(letters.map((letter) => [letter.envelope.detail, letter.attempts, letter.error.name])).toEqual([
      [expect.objectContaining({ leadId: 'lead-6' }), 1, 'NonRetryableDeliveryError'],
      [expect.objectContaining({ leadId: 'lead-7' }), 3, 'ApiDestinationError'],
    ]);
    expect(letters[0]?.error.message).toContain('404 contact not found (not retried)');
    expect(letters[0]?.rule).toBe('leadscore-crm-sync-hubspot');
  });
});
