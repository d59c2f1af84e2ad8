/**
 * Done-when of issue 15, locally: on the local stack (the real handlers, DynamoDB Local, the
 * local bus, the stream relay), scoring a lead past a threshold delivers each integration's
 * payload once to receivers in the test (a HubSpot preset, a Salesforce preset and a signed
 * webhook), with the documented auth and signature.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import { verifySignature } from '#shared/integrations/signature.ts';
import { hubspotSimplePublicObjectInput, salesforceSObjectRecord } from '#test/support/crm-request-shapes.ts';
import { testDynamoEndpoint } from '#test/support/dynamo.ts';
import { type HttpReceiver, startHttpReceiver } from '#test/support/http-receiver.ts';

const CROSSING = { 'detail-type': ['Lead Threshold Crossed'], detail: { direction: ['up'] } };

describe('CRM sync on the local stack', () => {
  let dataDir: string;
  let stack: LocalStack;
  let hubspot: HttpReceiver;
  let salesforce: HttpReceiver;
  let token: HttpReceiver;
  let hooks: HttpReceiver;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadscore-crm-sync-'));
    [hubspot, salesforce, token, hooks] = await Promise.all([
      startHttpReceiver(),
      startHttpReceiver(),
      startHttpReceiver(),
      startHttpReceiver(),
    ]);
    token.failAlways({
      status: 200,
      body: JSON.stringify({ access_token: 'sf-e2e-token', token_type: 'Bearer' }),
      headers: { 'content-type': 'application/json' },
    });
    // The fixture client file, every integration on the upward crossing and pointed at a receiver.
    const raw = structuredClone(loadClientConfig('test/fixtures/clients/crm.yaml')) as unknown as {
      integrations: Record<string, unknown>[];
    };
    const local: Record<string, Record<string, unknown>> = {
      hubspot: { baseUrl: hubspot.url },
      salesforce: { instanceUrl: salesforce.url, tokenUrl: `${token.url}/oauth2/token` },
      nurture: { url: `${hooks.url}/leadscore` },
    };
    raw.integrations = raw.integrations.map((integration) => ({
      ...integration,
      events: CROSSING,
      ...local[String(integration.id)],
    }));
    const config = parseClientConfig(raw);
    const configPath = join(dataDir, 'crm.json');
    await writeFile(configPath, JSON.stringify(config));
    await writeFile(
      join(dataDir, 'secrets.json'),
      JSON.stringify({
        'leadscore/crm/hubspot': { apiKey: 'Bearer pat-e2e' },
        'leadscore/crm/salesforce': { clientId: 'e2e-client', clientSecret: 'e2e-secret' },
        'leadscore/crm/nurture-webhook': { signingSecret: 'whsec_e2e' },
      }),
    );
    stack = await startLocalStack({
      config,
      configPath,
      port: 0,
      dataDir,
      dynamoEndpoint: testDynamoEndpoint(),
      env: {},
      retry: { attempts: 3, baseDelayMs: 20 },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([hubspot, salesforce, token, hooks].map((receiver) => receiver?.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('It should deliver one HubSpot, one Salesforce and one signed webhook payload when a demo request crosses MQL', async () => {
    const email = `fox.mulder.${Date.now()}@growthco.io`;
    const form = await fetch(`${stack.urls.api}/forms/demo-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        work_email: email,
        full_name: 'Fox Mulder',
        company: 'GrowthCo',
        jobTitle: 'VP Marketing',
        phone: '+1 555 0101',
        country: 'US',
        industry: 'software',
        employees: '800',
      }),
    });
    expect(form.status).toBe(200);
    const { leadId } = (await form.json()) as { leadId: string };

    const [contact] = await hubspot.waitForDelivered(1, 20_000);
    const [lead] = await salesforce.waitForDelivered(1, 20_000);
    const [hook] = await hooks.waitForDelivered(1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a duplicate would show up here
    expect([hubspot.requests.length, salesforce.requests.length, hooks.requests.length]).toEqual([1, 1, 1]);

    expect(contact?.path).toBe(`/crm/v3/objects/contacts/${encodeURIComponent(email)}?idProperty=email`);
    expect(contact?.headers.authorization).toBe('Bearer pat-e2e');
    const properties = hubspotSimplePublicObjectInput.parse(contact?.json()).properties;
    expect(Number(properties.leadscore_score)).toBeGreaterThan(0);
    expect(properties.leadscore_grade).toBe('A');

    expect(lead?.path).toBe(`/services/data/v62.0/sobjects/Lead/Leadscore_Id__c/${leadId}?updateOnly=true`);
    expect(lead?.headers.authorization).toBe('Bearer sf-e2e-token');
    expect(salesforceSObjectRecord('Leadscore_Id__c').parse(lead?.json())).toMatchObject({
      Leadscore_Grade__c: 'A',
      Leadscore_Score__c: Number(properties.leadscore_score),
    });
    expect(token.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('e2e-client:e2e-secret').toString('base64')}`,
    );

    expect(
      verifySignature('whsec_e2e', hook?.body ?? '', hook?.headers['leadscore-signature'] as string),
    ).toBe('ok');
    const body = hook?.json() as { type: string; id: string; lead: { leadId: string; threshold: string } };
    expect(body).toMatchObject({ type: 'Lead Threshold Crossed', lead: { leadId, threshold: 'mql' } });
    expect(hook?.headers['leadscore-event-id']).toBe(body.id);
    await expect(readFile(join(dataDir, 'dead-letter.jsonl'), 'utf8')).rejects.toThrow();
  }, 60_000);
});
