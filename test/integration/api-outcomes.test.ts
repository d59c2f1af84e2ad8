import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#shared/clients/aws.ts';
import { NotificationDedupe } from '#shared/notify/dedupe.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { LeadRepository } from '#shared/store/lead-repository.ts';
import {
  type ApiHarness,
  eventsRequest,
  type HttpHandler,
  invoke,
  leadsRequest,
  startApiHarness,
} from '#test/support/api-gateway.ts';
import { testDynamoClient } from '#test/support/dynamo.ts';

/**
 * Outcomes from sales (PRODUCT §6.2), the account view and erasure (§6.1) through the real
 * handlers on DynamoDB Local.
 */
let harness: ApiHarness;
let events: HttpHandler;
let leads: HttpHandler;
let outcomes: HttpHandler;
let erase: HttpHandler;

const DAY = 86_400_000;
const T0 = Date.now() - 40 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

const outcomeRequest = (leadId: string, body: unknown, apiKey: string | null = harness.apiKey) => ({
  method: 'POST',
  url: `/v1/leads/${leadId}/outcome`,
  routeKey: 'POST /v1/leads/{leadId}/outcome',
  pathParameters: { leadId },
  headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const deleteRequest = (leadId: string) => ({
  method: 'DELETE',
  url: `/v1/leads/${leadId}`,
  routeKey: 'DELETE /v1/leads/{leadId}',
  pathParameters: { leadId },
  headers: { 'x-api-key': harness.apiKey },
});

const accountRequest = (domain: string) => ({
  method: 'GET',
  url: `/v1/accounts/${domain}`,
  routeKey: 'GET /v1/accounts/{domain}',
  pathParameters: { domain },
  headers: { 'x-api-key': harness.apiKey },
});

/** A lead with a newsletter sign-up and a few pricing-page views spread over the month before now. */
async function seedLead(email: string) {
  const batch = [
    {
      eventId: `${email}-profile`,
      email,
      type: 'form_submit',
      occurredAt: iso(T0),
      attributes: { formId: 'newsletter' },
    },
    ...Array.from({ length: 4 }, (_, i) => ({
      eventId: `${email}-pricing-${i}`,
      email,
      type: 'page_view',
      occurredAt: iso(T0 + (i + 1) * 7 * DAY),
      attributes: { url: 'https://example.com/pricing' },
    })),
  ];
  const response = await invoke(events, eventsRequest(batch, harness.apiKey));
  expect(response.json, JSON.stringify(response.json)).toMatchObject({ accepted: batch.length });
  return leadIdFor(email);
}

beforeAll(async () => {
  harness = await startApiHarness('api-outcomes');
  events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  leads = (await import('#functions/leads/handler.ts')).handler as HttpHandler;
  outcomes = (await import('#functions/outcomes/handler.ts')).handler as HttpHandler;
  erase = (await import('#functions/erase/handler.ts')).handler as HttpHandler;
}, 240_000);

afterAll(async () => {
  await harness?.stop();
});

interface OutcomeResponse {
  status: string;
  lifecycle: string;
  outcome: { kind: string; at: string; score: number; segment: string; grade: string; value?: number };
}

describe('POST /v1/leads/{leadId}/outcome', () => {
  it('It should store a conversion with the score the lead had then, and move it to customer', async () => {
    const leadId = await seedLead('ada@outcome-one.com');
    const early = await invoke(
      outcomes,
      outcomeRequest(leadId, { outcome: 'sql', occurredAt: iso(T0 + 8 * DAY) }),
    );
    expect(early.statusCode).toBe(201);
    expect((early.json as OutcomeResponse).lifecycle).toBe('sql');

    const converted = await invoke(
      outcomes,
      outcomeRequest(leadId, {
        outcome: 'converted',
        value: 24_000,
        currency: 'EUR',
        occurredAt: iso(T0 + 30 * DAY),
      }),
    );
    expect(converted.statusCode).toBe(201);
    const body = converted.json as OutcomeResponse;
    expect(body.lifecycle).toBe('customer');
    expect(body.outcome).toMatchObject({ kind: 'converted', value: 24_000, at: iso(T0 + 30 * DAY) });

    // The SQL was reached after one pricing view, the conversion after four: scores then differ.
    const lead = await invoke(leads, leadsRequest(harness.apiKey, { leadId }));
    const view = lead.json as { lifecycle: string; outcomes: OutcomeResponse['outcome'][] };
    expect(view.lifecycle).toBe('customer');
    expect(view.outcomes.map((o) => o.kind)).toEqual(['sql', 'converted']);
    const [sql, won] = view.outcomes as [OutcomeResponse['outcome'], OutcomeResponse['outcome']];
    expect(won.score).toBeGreaterThan(sql.score);
  }, 240_000);

  it('It should answer a retried outcome with the stored one, and a different one of the same kind with 409', async () => {
    const leadId = await seedLead('bob@outcome-two.com');
    const body = { outcome: 'lost', value: 5000, currency: 'USD', occurredAt: iso(T0 + 20 * DAY) };
    const first = await invoke(outcomes, outcomeRequest(leadId, body));
    const again = await invoke(outcomes, outcomeRequest(leadId, body));
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect((again.json as OutcomeResponse).status).toBe('duplicate');
    expect((again.json as OutcomeResponse).outcome).toEqual((first.json as OutcomeResponse).outcome);
    const other = await invoke(outcomes, outcomeRequest(leadId, { ...body, value: 6000 }));
    expect(other.statusCode).toBe(409);
    expect(other.json).toMatchObject({ fields: [{ field: 'value' }] });
    // Stored once: the lead's partition holds its 5 events, one outcome, and the lead.
    expect(await harness.itemsOfLead(leadId)).toBe(7);
  }, 240_000);

  it('It should disqualify the lead on a sales disqualification, and stop counting it as open', async () => {
    const leadId = await seedLead('cy@outcome-three.com');
    const response = await invoke(
      outcomes,
      outcomeRequest(leadId, { outcome: 'disqualified', reason: 'student project' }),
    );
    expect(response.statusCode).toBe(201);
    const lead = (await invoke(leads, leadsRequest(harness.apiKey, { leadId }))).json as {
      lifecycle: string;
      segment: string;
      disqualified: { ruleId: string; reason: string };
    };
    expect(lead).toMatchObject({
      lifecycle: 'disqualified',
      segment: 'disqualified',
      disqualified: { ruleId: 'sales', reason: 'student project' },
    });
  }, 240_000);

  it.each([
    [{ outcome: 'won' }, 'outcome'],
    [{}, 'outcome'],
    [{ outcome: 'converted', value: -1 }, 'value'],
    [{ outcome: 'converted', value: 10, currency: 'euro' }, 'currency'],
    [{ outcome: 'converted', currency: 'EUR' }, 'currency'],
    [{ outcome: 'sql', value: 10 }, 'value'],
    [{ outcome: 'lost', occurredAt: 'yesterday' }, 'occurredAt'],
    [{ outcome: 'lost', occurredAt: iso(Date.now() + 2 * DAY) }, 'occurredAt'],
    [{ outcome: 'lost', stage: 'closed' }, 'stage'],
    ['{"outcome":', 'body'],
  ])('It should refuse %j with a 400 naming %s', async (body, field) => {
    const leadId = leadIdFor('nobody-yet@outcome-four.com');
    const response = await invoke(outcomes, outcomeRequest(leadId, body));
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json)).toContain(`"field":"${field}"`);
  });

  it('It should answer 404 for an unknown lead, 400 for a malformed id and 401 without the key', async () => {
    const unknown = await invoke(
      outcomes,
      outcomeRequest(leadIdFor('ghost@outcome-five.com'), { outcome: 'sql' }),
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json).toMatchObject({ fields: [{ field: 'leadId' }] });
    const malformed = await invoke(outcomes, outcomeRequest('not-a-lead', { outcome: 'sql' }));
    expect(malformed.statusCode).toBe(400);
    const anonymous = await invoke(outcomes, outcomeRequest(leadIdFor('x@y.com'), { outcome: 'sql' }, null));
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /v1/accounts/{domain}', () => {
  it('It should roll the leads of a company up into one account score, highest lead first', async () => {
    await seedLead('dee@acct-roll.com');
    const small = await invoke(
      events,
      eventsRequest(
        {
          eventId: 'acct-small',
          email: 'eve@acct-roll.com',
          type: 'page_view',
          attributes: { url: '/blog' },
        },
        harness.apiKey,
      ),
    );
    expect(small.statusCode).toBe(200);
    const response = await invoke(leads, accountRequest('ACCT-ROLL.com'));
    expect(response.statusCode).toBe(200);
    const account = response.json as {
      domain: string;
      score: number;
      segment: string;
      members: { email: string; score: number }[];
    };
    expect(account.domain).toBe('acct-roll.com');
    expect(account.members.map((m) => m.email)).toEqual(['dee@acct-roll.com', 'eve@acct-roll.com']);
    expect(account.score).toBeCloseTo(
      account.members.reduce((s, m) => s + Math.max(0, m.score), 0),
      1,
    );
    expect((await invoke(leads, accountRequest('nobody-here.com'))).statusCode).toBe(404);
    const bad = await invoke(leads, accountRequest('not a domain'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json).toMatchObject({ fields: [{ field: 'domain' }] });
  }, 240_000);
});

describe('DELETE /v1/leads/{leadId}', () => {
  it('It should erase the lead, its events, its outcome and its notification records, idempotently', async () => {
    const leadId = await seedLead('fay@erase-me.com');
    expect((await invoke(outcomes, outcomeRequest(leadId, { outcome: 'sql' }))).statusCode).toBe(201);
    // A notification was delivered about the lead: its log entry and the Slack dedupe record.
    const client = testDynamoClient();
    const repo = new LeadRepository(documentClient(client), harness.tableName);
    const dedupe = new NotificationDedupe({ tableName: harness.tableName, channel: 'slack', client });
    const notificationId = `${leadId}:v3`;
    const sent = await dedupe.once(notificationId, async () => ({
      delivered: ['outbox'],
      sentAt: iso(Date.now()),
    }));
    expect(sent.status).toBe('delivered');
    await repo.logNotification(
      leadId,
      'slack',
      notificationId,
      iso(Date.now()),
      Math.floor(Date.now() / 1000) + 3600,
    );
    const before = await harness.countItems();

    const first = await invoke(erase, deleteRequest(leadId));
    expect(first.statusCode).toBe(200);
    expect(first.json).toMatchObject({ leadId, erased: true, deleted: 8, notifications: 1 });
    expect(await harness.itemsOfLead(leadId)).toBe(0);
    expect(await harness.countItems()).toBe(before - 9); // 8 items of the lead + the dedupe record
    expect((await invoke(leads, leadsRequest(harness.apiKey, { leadId }))).statusCode).toBe(404);
    // The dedupe record is gone: the same notification would be delivered again, not deduped.
    const resent = await dedupe.once(notificationId, async () => ({
      delivered: ['outbox'],
      sentAt: iso(Date.now()),
    }));
    expect(resent.status).toBe('delivered');

    const again = await invoke(erase, deleteRequest(leadId));
    expect(again.statusCode).toBe(200);
    expect(again.json).toMatchObject({ deleted: 0 });

    // Nothing of the lead is remembered: the same events sent again make a new lead, and are
    // not answered as duplicates of erased ones.
    expect(await seedLead('fay@erase-me.com')).toBe(leadId);
    expect((await invoke(leads, leadsRequest(harness.apiKey, { leadId }))).statusCode).toBe(200);
    client.destroy();
  }, 240_000);
});
