/**
 * The HubSpot and Salesforce presets' requests (method, path, query, body) for a real event,
 * checked against the vendors' published request shapes (test/support/crm-request-shapes.ts).
 */
import { describe, expect, it } from 'vitest';
import { destinationUrl } from '#local/api-destination.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import type { BusEnvelope } from '#shared/events/contracts.ts';
import { applyInputTransformer } from '#shared/integrations/input-transformer.ts';
import { type ApiDestinationTarget, integrationTargets } from '#shared/integrations/targets.ts';
import {
  HUBSPOT_UPDATE_CONTACT,
  hubspotSimplePublicObjectInput,
  SALESFORCE_UPSERT_BY_EXTERNAL_ID,
  salesforceSObjectRecord,
} from '#test/support/crm-request-shapes.ts';
import { crossingEvent } from '#test/support/outgoing-events.ts';

const config = loadClientConfig('test/fixtures/clients/crm.yaml');
const crossing = crossingEvent('lead-42', 3, { email: 'jane.o+test@bigcorp.test' });
const envelope: BusEnvelope = {
  version: '0',
  id: 'envelope-1',
  'detail-type': crossing.detailType,
  source: 'leadscore.crm',
  account: '000000000000',
  time: '2026-11-25T12:00:01Z',
  region: 'us-east-1',
  resources: [],
  detail: crossing.detail,
};
const targetOf = (id: string, from = config) => {
  const target = integrationTargets(from).find((candidate) => candidate.id === id);
  if (target?.kind !== 'apiDestination') throw new Error(`${id} is not an API destination`);
  return target;
};
const request = (target: ApiDestinationTarget) => {
  const url = new URL(destinationUrl(target, envelope));
  const body = JSON.parse(applyInputTransformer(target.input, envelope, { ruleName: 'r', ruleArn: 'a' }));
  return { method: target.method, url, body };
};

describe('HubSpot preset', () => {
  it('It should PATCH the contact found by the lead email with string properties, as SimplePublicObjectInput', () => {
    const { method, url, body } = request(targetOf('hubspot'));
    expect(method).toBe(HUBSPOT_UPDATE_CONTACT.method);
    const [, contactId] = HUBSPOT_UPDATE_CONTACT.path.exec(url.pathname) ?? [];
    expect(decodeURIComponent(contactId ?? '')).toBe('jane.o+test@bigcorp.test');
    expect(url.searchParams.get('idProperty')).toBe('email');
    expect(url.origin).toBe('https://api.hubapi.com');
    expect(hubspotSimplePublicObjectInput.parse(body)).toEqual({
      properties: { leadscore_score: '105', leadscore_grade: 'A', leadscore_segment: 'hot' },
    });
  });

  it('It should authorize with the private app token as the Authorization header', () => {
    expect(targetOf('hubspot').auth).toEqual({ kind: 'apiKey', header: 'Authorization' });
  });
});

describe('Salesforce preset', () => {
  it('It should PATCH the Lead by its external id, update only, with the mapped fields as an sObject record', () => {
    const { method, url, body } = request(targetOf('salesforce'));
    expect(method).toBe(SALESFORCE_UPSERT_BY_EXTERNAL_ID.method);
    const [, version, field, value] = SALESFORCE_UPSERT_BY_EXTERNAL_ID.path.exec(url.pathname) ?? [];
    expect(Number(version)).toBeGreaterThanOrEqual(61);
    expect(field).toBe('Leadscore_Id__c');
    expect(value).toBe('lead-42');
    expect(url.searchParams.get('updateOnly')).toBe('true');
    expect(salesforceSObjectRecord('Leadscore_Id__c').parse(body)).toEqual({
      Leadscore_Score__c: 105,
      Leadscore_Grade__c: 'A',
      Leadscore_Segment__c: 'hot',
      Leadscore_Scored_At__c: '2026-11-25T12:00:00.000Z',
    });
  });

  it('It should upsert (no updateOnly) when asked to create missing Leads, and get its token by client credentials', () => {
    const raw = structuredClone(config) as unknown as { integrations: Record<string, unknown>[] };
    raw.integrations = raw.integrations.map((integration) =>
      integration.id === 'salesforce' ? { ...integration, createMissing: true } : integration,
    );
    const upserting = targetOf('salesforce', parseClientConfig(raw));
    expect(request(upserting).url.searchParams.has('updateOnly')).toBe(false);
    expect(upserting.auth).toEqual({
      kind: 'oauthClientCredentials',
      tokenUrl: 'https://crm-sync.my.salesforce.com/services/oauth2/token',
    });
  });
});
