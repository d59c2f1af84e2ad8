import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import {
  type ApiHarness,
  type ApiRequest,
  eventsRequest,
  formRequest,
  type HttpHandler,
  invoke,
  leadsRequest,
  startApiHarness,
} from '#test/support/api-gateway.ts';
import { testDynamoClient } from '#test/support/dynamo.ts';

/**
 * GET /v1/leads/{leadId}/history through the real leads handler on DynamoDB Local (the console's
 * chart), and the listing's segment filters after a decay run for a future instant.
 */
const DAY = 86_400_000;
let harness: ApiHarness;
let leads: HttpHandler;
let forms: HttpHandler;
let events: HttpHandler;
let app: Leadscore;

interface Marker {
  at: string;
  eventId: string;
  type: string;
  scoreBefore: number;
  scoreAfter: number;
  decayedSincePrevious: number;
  rules: { ruleId: string; points: number }[];
  crossed: string[];
  attributes: Record<string, unknown>;
}
interface History {
  leadId: string;
  from: string;
  to: string;
  points: { at: string; score: number; segment: string }[];
  markers: Marker[];
  thresholds: { name: string; score: number; rearmBelow: number }[];
  bands: { name: string; min: number }[];
}

const HOT = ['ava', 'ben', 'cleo', 'dan'].map((name) => `${name}@northwind-history.io`);
const WARM = 'eve@brightpath-history.io';

async function postForm(email: string) {
  const body = JSON.stringify({
    work_email: email,
    full_name: `Lead ${email}`,
    company: 'Northwind',
    jobTitle: 'VP Marketing',
    industry: 'software',
    employees: '900',
    country: 'US',
    phone: '+1 555 0100',
  });
  const response = await invoke(
    forms,
    formRequest('demo-request', body, { 'content-type': 'application/json' }),
  );
  expect(response.statusCode, response.text).toBe(200);
}

async function postEvents(batch: object[]) {
  const response = await invoke(events, eventsRequest(batch, harness.apiKey));
  expect(response.statusCode, response.text).toBe(200);
  expect(response.json).toMatchObject({ accepted: batch.length });
}

const historyRequest = (
  leadId: string,
  query: Record<string, string> = {},
  apiKey: string | null = harness.apiKey,
): ApiRequest => {
  const search = new URLSearchParams(query).toString();
  return {
    method: 'GET',
    url: `/v1/leads/${leadId}/history${search ? `?${search}` : ''}`,
    routeKey: 'GET /v1/leads/{leadId}/history',
    pathParameters: { leadId },
    headers: apiKey === null ? {} : ({ 'x-api-key': apiKey } as Record<string, string>),
  };
};

const history = async (leadId: string, query: Record<string, string> = {}) => {
  const response = await invoke(leads, historyRequest(leadId, query));
  expect(response.statusCode, response.text).toBe(200);
  return response.json as History;
};

const list = async (query: Record<string, string>) => {
  const response = await invoke(leads, leadsRequest(harness.apiKey, { query: { limit: '100', ...query } }));
  expect(response.statusCode, response.text).toBe(200);
  return (response.json as { items: { leadId: string; segment: string; score: number }[] }).items;
};

beforeAll(async () => {
  harness = await startApiHarness('api-lead-history');
  forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
  events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  leads = (await import('#functions/leads/handler.ts')).handler as HttpHandler;
  app = Leadscore.forTable({
    doc: wrapDocument(testDynamoClient()),
    tableName: harness.tableName,
    config: loadClientConfig('example'),
  });
  const now = Date.now();
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  for (const email of HOT) {
    await postEvents([
      {
        eventId: `${email}-pricing`,
        email,
        type: 'page_view',
        occurredAt: at(20),
        attributes: { url: 'https://site/pricing' },
      },
      {
        eventId: `${email}-careers`,
        email,
        type: 'page_view',
        occurredAt: at(12),
        attributes: { url: 'https://site/careers' },
      },
      {
        eventId: `${email}-webinar`,
        email,
        type: 'webinar_attended',
        occurredAt: at(0.01),
        attributes: { webinar: 'Q4' },
      },
      { eventId: `${email}-demo`, email, type: 'demo_request', occurredAt: at(0.005), attributes: {} },
    ]);
    await postForm(email);
  }
  await postForm(WARM);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('GET /v1/leads/{leadId}/history', () => {
  it('It should replay the lead: one marker per stored event with its awards, the decay between them, ending at the score the lead page shows', async () => {
    const leadId = leadIdFor(HOT[0]!);
    const chart = await history(leadId);
    expect(chart.markers.map((m) => m.type)).toEqual([
      'page_view',
      'page_view',
      'webinar_attended',
      'demo_request',
      'form_submit',
    ]);
    const [pricing, careers, webinar, , form] = chart.markers as [Marker, Marker, Marker, Marker, Marker];
    expect(pricing.rules).toEqual([{ ruleId: 'pricing-page', points: 10 }]);
    expect(pricing.attributes).toEqual({ url: 'https://site/pricing' });
    expect(careers.rules).toEqual([{ ruleId: 'careers-page', points: -10 }]);
    expect(careers.decayedSincePrevious).toBeGreaterThan(0);
    expect(webinar.rules).toEqual([{ ruleId: 'webinar-attended', points: 25 }]);
    expect(form.rules).toEqual([{ ruleId: 'demo-form', points: 30 }]);
    expect(chart.markers.flatMap((m) => m.crossed)).toContain('mql');
    // The line decays between the pricing page and the careers page (8 days, half-life 7).
    const gap = chart.points.filter((p) => p.at > pricing.at && p.at < careers.at);
    expect(gap.length).toBeGreaterThan(5);
    for (let i = 1; i < gap.length; i++) expect(gap[i]!.score).toBeLessThan(gap[i - 1]!.score);
    expect(chart.thresholds).toContainEqual({ name: 'mql', score: 100, rearmBelow: 85 });
    expect(chart.bands.map((b) => b.name)).toEqual(['hot', 'warm']);

    const lead = await invoke(leads, leadsRequest(harness.apiKey, { leadId }));
    const shown = lead.json as { score: number; explanation: { at: string } };
    const last = chart.points.at(-1)!;
    // Read a moment apart: the same score to within the decay of those milliseconds.
    expect(Math.abs(last.score - shown.score)).toBeLessThan(0.05);
    expect(Date.parse(chart.to)).toBeLessThanOrEqual(Date.parse(shown.explanation.at));
  });

  it('It should take `samples` and answer 400 naming the field for a bad one or an unknown parameter', async () => {
    const leadId = leadIdFor(HOT[1]!);
    const few = await history(leadId, { samples: '10' });
    const many = await history(leadId, { samples: '400' });
    expect(many.points.length).toBeGreaterThan(few.points.length);
    for (const [query, field] of [
      [{ samples: '5' }, 'samples'],
      [{ samples: 'lots' }, 'samples'],
      [{ from: '2026-01-01' }, 'from'],
    ] as const) {
      const response = await invoke(leads, historyRequest(leadId, query));
      expect(response.statusCode, response.text).toBe(400);
      expect(JSON.stringify(response.json)).toContain(`"field":"${field}"`);
    }
  });

  it('It should answer 400 for a malformed lead id, 404 for an unknown one and 401 without the key', async () => {
    const malformed = await invoke(leads, historyRequest('not-a-lead'));
    expect(malformed.statusCode).toBe(400);
    expect(JSON.stringify(malformed.json)).toContain('"field":"leadId"');
    const unknown = await invoke(leads, historyRequest(leadIdFor('nobody@nowhere-history.io')));
    expect(unknown.statusCode).toBe(404);
    const anonymous = await invoke(leads, historyRequest(leadIdFor(HOT[0]!), {}, null));
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /v1/leads filters', () => {
  it('It should say which values each filter takes, from the client configuration', async () => {
    const response = await invoke(leads, leadsRequest(harness.apiKey, { query: { limit: '1' } }));
    const { filters } = response.json as {
      filters: { segments: string[]; grades: string[]; owners: { name: string; email: string }[] };
    };
    const config = loadClientConfig('example');
    expect(filters.segments).toEqual([...config.model.segments.map((s) => s.name), 'disqualified']);
    expect(filters.grades).toEqual(config.model.grades.map((g) => g.grade));
    expect(filters.owners.map((o) => o.email)).toContain(config.notifications.routing.default.owner.email);
    expect(new Set(filters.owners.map((o) => o.email)).size).toBe(filters.owners.length);
  });
});

describe('GET /v1/leads after a decay run for a future instant', () => {
  it('It should list under each segment filter exactly the leads the unfiltered listing shows in it ("Hot" is not empty while leads are hot)', async () => {
    const before = await list({});
    expect(
      before.filter((l) => HOT.map(leadIdFor).includes(l.leadId)).every((l) => l.segment === 'hot'),
    ).toBe(true);
    // The README's way to simulate another day: the decay job for an instant weeks ahead.
    const future = Date.now() + 20 * DAY;
    const run = await app.decay(future);
    expect(run.changed.length).toBeGreaterThanOrEqual(HOT.length);

    const all = await list({});
    expect(all.length).toBe(HOT.length + 1);
    for (const segment of ['hot', 'warm', 'cold', 'disqualified']) {
      const filtered = await list({ segment });
      expect(filtered.map((l) => l.leadId).sort(), segment).toEqual(
        all
          .filter((l) => l.segment === segment)
          .map((l) => l.leadId)
          .sort(),
      );
    }
    // The leads read as of the decay run that indexed them, as their history does.
    const leadId = leadIdFor(HOT[2]!);
    const lead = (await invoke(leads, leadsRequest(harness.apiKey, { leadId }))).json as {
      segment: string;
      explanation: { at: string };
    };
    expect(Date.parse(lead.explanation.at)).toBe(future);
    expect(lead.segment).not.toBe('hot');
    expect(Date.parse((await history(leadId)).to)).toBe(future);
  });
});

// Last: its lead would change the listings counted above.
describe('GET /v1/leads/{leadId}/history of a long history', () => {
  it('It should list the newest `markers` events, count the older ones, and bound what each shows of its attributes', async () => {
    const email = 'long-history@northwind-history.io';
    const now = Date.now();
    const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i}`, 'x'.repeat(2000)]));
    await postEvents(
      Array.from({ length: 6 }, (_, i) => ({
        eventId: `${email}-${i}`,
        email,
        type: 'page_view',
        occurredAt: new Date(now - (6 - i) * DAY).toISOString(),
        attributes: i === 5 ? { url: 'https://site/pricing', ...big } : { url: `https://site/p${i}` },
      })),
    );
    const leadId = leadIdFor(email);
    const all = await history(leadId);
    expect(all.markers).toHaveLength(6);
    expect(all).toMatchObject({ markersOmitted: 0 });
    const newest = await history(leadId, { markers: '2' });
    expect(newest.markers.map((m) => m.eventId)).toEqual([`${email}-4`, `${email}-5`]);
    expect(newest).toMatchObject({ markersOmitted: 4 });
    // The line still covers every event.
    expect(newest.points[0]!.at).toBe(all.points[0]!.at);
    const [plain, heavy] = newest.markers as [
      Marker & { attributesTrimmed?: true },
      Marker & { attributesTrimmed?: true },
    ];
    expect(plain.attributes).toEqual({ url: 'https://site/p4' });
    expect(plain.attributesTrimmed).toBeUndefined();
    // The first 20 names in code-point order (stored attributes keep no order).
    expect(Object.keys(heavy.attributes)).toEqual(['url', ...Object.keys(big)].sort().slice(0, 20));
    expect(heavy.attributes.a0).toBe(`${'x'.repeat(199)}…`);
    expect(heavy.attributesTrimmed).toBe(true);
    const bad = await invoke(leads, historyRequest(leadId, { markers: '0' }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('"field":"markers"');
  });
});
