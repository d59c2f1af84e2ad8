import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousLeadIdFor, leadIdFor } from '#shared/store/identity.ts';
import {
  type ApiHarness,
  eventsRequest,
  formRequest,
  type HttpHandler,
  invoke,
  leadsRequest,
  startApiHarness,
  urlencoded,
} from '#test/support/api-gateway.ts';

/** POST /v1/events through the real handler (PRODUCT §3.2–3.4, §8.4). */
let harness: ApiHarness;
let events: HttpHandler;
let forms: HttpHandler;
let leads: HttpHandler;

beforeAll(async () => {
  harness = await startApiHarness('api-events');
  events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
  leads = (await import('#functions/leads/handler.ts')).handler as HttpHandler;
});

afterAll(async () => {
  await harness?.stop();
});

const MIN = 60_000;
const minutesAgo = (n: number) => new Date(Date.now() - n * MIN).toISOString();
const pricingView = (email: string, eventId: string, at = minutesAgo(5)) => ({
  eventId,
  email,
  type: 'page_view',
  occurredAt: at,
  attributes: { url: 'https://example-analytics.com/pricing' },
});

interface EventResultBody {
  index?: number;
  status: 'accepted' | 'duplicate' | 'rejected' | 'failed';
  eventId?: string;
  leadId?: string;
  score?: number;
  reason?: string;
  fields?: { field: string; message: string }[];
}

const post = (body: unknown, apiKey: string | null = harness.apiKey, headers: Record<string, string> = {}) =>
  invoke(events, eventsRequest(body, apiKey, headers));

const leadScore = async (leadId: string) => {
  const response = await invoke(leads, leadsRequest(harness.apiKey, { leadId }));
  expect(response.statusCode).toBe(200);
  return (response.json as { score: number }).score;
};

describe('POST /v1/events: API key', () => {
  it('It should answer 401 naming x-api-key when the key is missing, and store nothing', async () => {
    const before = await harness.countItems();
    const response = await post(pricingView('nokey@acme-corp.com', 'nokey-1'), null);
    expect(response.statusCode).toBe(401);
    expect(response.json).toMatchObject({ error: 'unauthorized', fields: [{ field: 'x-api-key' }] });
    expect(await harness.countItems()).toBe(before);
  });

  it('It should answer 403 for a wrong key, and store nothing', async () => {
    const before = await harness.countItems();
    const response = await post(pricingView('badkey@acme-corp.com', 'badkey-1'), 'not-the-key');
    expect(response.statusCode).toBe(403);
    expect(response.json).toMatchObject({ error: 'forbidden', fields: [{ field: 'x-api-key' }] });
    expect(await harness.countItems()).toBe(before);
  });
});

describe('POST /v1/events: one event', () => {
  it('It should accept one event and name the lead it was attributed to', async () => {
    const email = 'Single@Acme-Corp.com';
    const response = await post(pricingView(email, 'single-1'));
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({
      status: 'accepted',
      eventId: 'single-1',
      leadId: leadIdFor(email),
      score: expect.any(Number),
    });
    expect(response.json).not.toHaveProperty('index');
  });

  it('It should answer duplicate on re-delivery of the same eventId and leave the score unchanged', async () => {
    const email = 'redelivery@acme-corp.com';
    const event = pricingView(email, 'redelivered-1');
    expect((await post(event)).json).toMatchObject({ status: 'accepted' });
    const score = await leadScore(leadIdFor(email));
    const items = await harness.itemsOfLead(leadIdFor(email));
    const again = await post(event);
    expect(again.statusCode).toBe(200);
    expect(again.json).toMatchObject({
      status: 'duplicate',
      eventId: 'redelivered-1',
      leadId: leadIdFor(email),
    });
    expect(await leadScore(leadIdFor(email))).toBe(score);
    expect(await harness.itemsOfLead(leadIdFor(email))).toBe(items);
  });

  it('It should treat the same event without eventId, delivered twice, as one (content id)', async () => {
    const email = 'noid@acme-corp.com';
    const { eventId: _, ...event } = pricingView(email, 'unused', minutesAgo(30));
    const first = (await post(event)).json as EventResultBody;
    const second = (await post(event)).json as EventResultBody;
    expect(first.status).toBe('accepted');
    expect(second).toMatchObject({ status: 'duplicate', eventId: first.eventId });
  });

  it('It should reject an event in the future with 400 naming occurredAt, and store nothing', async () => {
    const before = await harness.countItems();
    const future = new Date(Date.now() + 60 * MIN).toISOString();
    const response = await post(pricingView('future@acme-corp.com', 'future-1', future));
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({ error: 'validation_failed', fields: [{ field: 'occurredAt' }] });
    expect(await harness.countItems()).toBe(before);
  });

  it('It should reject an event older than the retention window', async () => {
    const old = new Date(Date.now() - 401 * 86_400_000).toISOString();
    const response = await post(pricingView('old@acme-corp.com', 'old-1', old));
    expect(response.statusCode).toBe(400);
    expect((response.json as { fields: { field: string }[] }).fields[0]?.field).toBe('occurredAt');
  });

  const invalid: { name: string; body: unknown; field: string }[] = [
    {
      name: 'a type that is not snake_case',
      body: { email: 'a@acme-corp.com', type: 'Page View' },
      field: 'type',
    },
    { name: 'no identity', body: { type: 'page_view' }, field: 'email' },
    { name: 'a bad email', body: { email: 'nope', type: 'page_view' }, field: 'email' },
    {
      name: 'an unknown property',
      body: { email: 'a@acme-corp.com', type: 'page_view', colour: 'red' },
      field: 'colour',
    },
    {
      name: 'an attribute of the wrong type',
      body: { email: 'a@acme-corp.com', type: 'page_view', attributes: { url: { nested: true } } },
      field: 'attributes.url',
    },
    {
      name: 'an occurredAt that is not ISO 8601',
      body: { email: 'a@acme-corp.com', type: 'page_view', occurredAt: 'yesterday' },
      field: 'occurredAt',
    },
    { name: 'a forged leadId', body: { leadId: 'ld_x', type: 'page_view' }, field: 'leadId' },
    {
      name: 'an unknown leadId',
      body: { leadId: 'ld_AAAAAAAAAAAAAAAAAAAAAA', type: 'page_view' },
      field: 'leadId',
    },
    { name: 'a JSON string body', body: '"page_view"', field: 'body' },
    { name: 'a JSON null body', body: 'null', field: 'body' },
    { name: 'malformed JSON', body: '{"type": "page_view",', field: 'body' },
    { name: 'an empty batch', body: { events: [] }, field: 'events' },
    { name: 'events that are not an array', body: { events: { type: 'page_view' } }, field: 'events' },
  ];
  for (const c of invalid) {
    it(`It should reject ${c.name} with 400 naming "${c.field}", and store nothing`, async () => {
      const before = await harness.countItems();
      const response = await post(c.body);
      expect(response.statusCode).toBe(400);
      const body = response.json as { error: string; fields: { field: string }[] };
      expect(typeof body.error).toBe('string');
      expect(body.fields.map((f) => f.field)).toContain(c.field);
      expect(await harness.countItems()).toBe(before);
    });
  }

  it('It should read a JSON content type however it is spelled', async () => {
    for (const [i, contentType] of ['Application/JSON', 'application/json;charset=UTF-8'].entries()) {
      const response = await post(pricingView('spelling@acme-corp.com', `spelling-${i}`), harness.apiKey, {
        'content-type': contentType,
      });
      expect(response.statusCode, contentType).toBe(200);
    }
  });

  it('It should answer 415 to a body that is not JSON', async () => {
    const response = await post('type=page_view', harness.apiKey, { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(response.json).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('It should reject an attribute number DynamoDB cannot store with 400, not fail with 5xx', async () => {
    const before = await harness.countItems();
    for (const value of [1e200, -1e130, 1e-200]) {
      const response = await post({
        email: 'huge@acme-corp.com',
        type: 'page_view',
        attributes: { n: value },
      });
      expect(response.statusCode).toBe(400);
      expect((response.json as { fields: { field: string }[] }).fields[0]?.field).toBe('attributes.n');
    }
    expect(await harness.countItems()).toBe(before);
  });
});

describe('POST /v1/events: batches', () => {
  it('It should answer a mixed batch per event: accepted, duplicate, rejected with reason and field path', async () => {
    const email = 'batch@acme-corp.com';
    await post(pricingView(email, 'batch-0'));
    const before = await harness.countItems();
    const response = await post({
      events: [
        pricingView(email, 'batch-1'),
        pricingView(email, 'batch-0'),
        { ...pricingView(email, 'batch-2'), type: 'Pricing View' },
        { ...pricingView(email, 'batch-3'), occurredAt: new Date(Date.now() + 3_600_000).toISOString() },
        { eventId: 'batch-4', type: 'email_open' },
        { email: 'second@acme-corp.com', type: 'email_open', attributes: { campaign: 'nov' } },
      ],
    });
    expect(response.statusCode).toBe(200);
    const body = response.json as {
      accepted: number;
      duplicate: number;
      rejected: number;
      results: EventResultBody[];
    };
    expect(body).toMatchObject({ accepted: 2, duplicate: 1, rejected: 3 });
    const [ok, dup, badType, future, noIdentity, other] = body.results;
    expect(ok).toMatchObject({ index: 0, status: 'accepted', eventId: 'batch-1', leadId: leadIdFor(email) });
    expect(dup).toMatchObject({
      index: 1,
      status: 'duplicate',
      eventId: 'batch-0',
      leadId: leadIdFor(email),
    });
    expect(badType).toMatchObject({ index: 2, status: 'rejected', eventId: 'batch-2' });
    expect(badType?.fields?.map((f) => f.field)).toEqual(['events[2].type']);
    expect(badType?.reason).toContain('events[2].type');
    expect(future).toMatchObject({
      index: 3,
      status: 'rejected',
      fields: [{ field: 'events[3].occurredAt' }],
    });
    expect(future?.reason).toContain('future');
    expect(noIdentity).toMatchObject({
      index: 4,
      status: 'rejected',
      fields: [{ field: 'events[4].email' }],
    });
    expect(other).toMatchObject({ index: 5, status: 'accepted', leadId: leadIdFor('second@acme-corp.com') });
    // Only the accepted ones are stored: two events and one new lead.
    expect(await harness.countItems()).toBe(before + 3);
  });

  it('It should accept a bare array as a batch', async () => {
    const response = await post([pricingView('array@acme-corp.com', 'array-1')]);
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ accepted: 1, results: [{ index: 0, status: 'accepted' }] });
  });

  it('It should take a batch of 500 and refuse one of 501 with 400 naming events', async () => {
    const bad = (i: number) => ({ eventId: `b${i}`, email: 'limit@acme-corp.com', type: 'Not Snake' });
    const full = await post({ events: Array.from({ length: 500 }, (_, i) => bad(i)) });
    expect(full.statusCode).toBe(200);
    expect(full.json).toMatchObject({ rejected: 500 });
    const before = await harness.countItems();
    const over = await post({
      events: Array.from({ length: 501 }, (_, i) => pricingView('limit@acme-corp.com', `l${i}`)),
    });
    expect(over.statusCode).toBe(400);
    expect(over.json).toMatchObject({ error: 'validation_failed', fields: [{ field: 'events' }] });
    expect(await harness.countItems()).toBe(before);
  });

  it('It should count every event of one lead in a batch once, whatever the order they are stored in', async () => {
    const email = 'busy@acme-corp.com';
    const batch = Array.from({ length: 20 }, (_, i) => ({
      eventId: `open-${i}`,
      email,
      type: 'email_click',
      occurredAt: minutesAgo(100 - i),
      attributes: { campaign: `c${i}` },
    }));
    const response = await post(batch);
    expect(response.json).toMatchObject({ accepted: 20 });
    const again = await post(batch);
    expect(again.json).toMatchObject({ accepted: 0, duplicate: 20 });
    expect(await harness.itemsOfLead(leadIdFor(email))).toBe(21);
  });
});

describe('POST /v1/events: anonymous visitors', () => {
  it('It should merge an anonymous visitor’s page views into the lead when a form carries the same anonymousId', async () => {
    const anonymousId = 'cookie-7f3a9c';
    const views = [0, 1, 2].map((i) => ({
      eventId: `anon-pv-${i}`,
      anonymousId,
      type: 'page_view',
      occurredAt: minutesAgo(30 - i),
      attributes: { url: 'https://example-analytics.com/pricing' },
    }));
    const anon = await post(views);
    expect(anon.json).toMatchObject({ accepted: 3 });
    const anonId = anonymousLeadIdFor(anonymousId);
    expect((anon.json as { results: EventResultBody[] }).results.every((r) => r.leadId === anonId)).toBe(
      true,
    );

    const email = 'visitor@acme-corp.com';
    const form = await invoke(
      forms,
      formRequest('demo-request', urlencoded({ work_email: email, company: 'Acme Corp', anonymousId }), {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      }),
    );
    expect(form.json).toEqual({ status: 'accepted', leadId: leadIdFor(email) });

    const lead = (await invoke(leads, leadsRequest(harness.apiKey, { leadId: leadIdFor(email) }))).json as {
      explanation: { lines: { ruleId?: string; count?: number; points: number }[] };
    };
    const pricing = lead.explanation.lines.find((l) => l.ruleId === 'pricing-page');
    expect(pricing?.count).toBe(3);
    expect(pricing?.points).toBeGreaterThanOrEqual(30);

    // Later anonymous events go straight to the lead; the visitor record is gone from reads.
    const later = await post({ ...views[0], eventId: 'anon-pv-3', occurredAt: minutesAgo(1) });
    expect(later.json).toMatchObject({ status: 'accepted', leadId: leadIdFor(email) });
    const visitor = await invoke(leads, leadsRequest(harness.apiKey, { leadId: anonId }));
    expect(visitor.statusCode).toBe(404);
  });
});
