/** The `integrations:` list of a client file: validated like the rest of the file, errors by path. */
import { describe, expect, it } from 'vitest';
import { loadClientConfig } from '#shared/config/load.ts';
import { ConfigError, parseClientConfig } from '#shared/config/parse.ts';

const example = loadClientConfig('clients/example.yaml');
const withIntegrations = (integrations: unknown[]) => ({ ...structuredClone(example), integrations });
const issuesOf = (integrations: unknown[]): string[] => {
  try {
    parseClientConfig(withIntegrations(integrations));
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
};

const hubspot = {
  id: 'hubspot',
  type: 'hubspot',
  events: { 'detail-type': ['Lead Scored'] },
  secret: 'leadscore/acme/hubspot',
  properties: { score: 'leadscore_score' },
};

describe('Integrations in the client file', () => {
  it('It should load the fixture with a HubSpot preset, a Salesforce preset and a signed webhook, defaults filled', () => {
    const config = loadClientConfig('test/fixtures/clients/crm.yaml');
    expect(config.integrations.map((integration) => [integration.id, integration.type])).toEqual([
      ['hubspot', 'hubspot'],
      ['salesforce', 'salesforce'],
      ['nurture', 'webhook'],
    ]);
    expect(config.integrations[0]).toMatchObject({
      baseUrl: 'https://api.hubapi.com',
      rateLimitPerSecond: 10,
      retry: { attempts: 8, maxEventAgeSeconds: 86_400 },
    });
    expect(config.integrations[1]).toMatchObject({
      apiVersion: 'v62.0',
      externalIdFrom: 'leadId',
      createMissing: false,
    });
    expect(example.integrations).toEqual([]);
  });

  it('It should name the path of every field error', () => {
    expect(
      issuesOf([
        { ...hubspot, events: { 'detail-type': ['Lead Rescored'] } },
        { ...hubspot, id: 'Has Spaces', properties: {} },
        { ...hubspot, id: 'x', type: 'pipedrive' },
        { id: 'hook', type: 'webhook', events: hubspot.events, url: 'ftp://hooks.example', secret: 'a b' },
      ]),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^integrations\[0\]\.events\.detail-type\[0\]: /),
        expect.stringMatching(/^integrations\[1\]\.id: integration ids are lower-case slugs/),
        expect.stringMatching(/^integrations\[1\]\.properties: map at least one value/),
        expect.stringMatching(/^integrations\[2\]\.type: /),
        expect.stringMatching(/^integrations\[3\]\.url: expected an http\(s\) URL/),
        expect.stringMatching(/^integrations\[3\]\.secret: a Secrets Manager secret name/),
      ]),
    );
  });

  it('It should refuse duplicate ids, a template naming no event field, and a URL whose * have no parameter', () => {
    const http = {
      id: 'api',
      type: 'http',
      events: hubspot.events,
      url: 'https://api.example.com/leads/*/score',
      secret: 'leadscore/acme/api',
      auth: { kind: 'apiKey', header: 'X-Api-Key' },
      body: { lead: { score: '{{detail.score}}' } },
    };
    expect(issuesOf([hubspot, { ...hubspot }, http])).toEqual([
      'integrations[1].id: duplicate integration id "hubspot"',
      expect.stringMatching(
        /^integrations\[2\]\.body\.lead\.score: "\{\{detail\.score\}\}": lead events have no detail field "score"/,
      ),
      'integrations[2].pathParameters: the url has 1 * but 0 path parameter(s) are given',
    ]);
    expect(
      issuesOf([{ ...http, pathParameters: ['{{detail.leadId}}'], body: { score: '{{detail.newScore}}' } }]),
    ).toEqual([]);
  });

  it('It should accept content filters on the detail and refuse an auth kind it does not know', () => {
    expect(
      issuesOf([
        { ...hubspot, events: { 'detail-type': ['Lead Segment Changed'], detail: { newSegment: ['hot'] } } },
      ]),
    ).toEqual([]);
    expect(
      issuesOf([
        {
          id: 'api',
          type: 'http',
          events: hubspot.events,
          url: 'https://api.example.com/leads',
          secret: 's',
          auth: { kind: 'digest' },
          body: {},
        },
      ]),
    ).toEqual([expect.stringMatching(/^integrations\[0\]\.auth\.kind: /)]);
  });
});
