import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM_POSTS_PER_LEAD_PER_HOUR } from '#shared/app/ingest.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { PROFILE_LIMITS } from '#shared/scoring/profile.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import {
  type ApiHarness,
  eventsRequest,
  formRequest,
  type HttpHandler,
  invoke,
  leadsRequest,
  startApiHarness,
} from '#test/support/api-gateway.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';

/*
 * The public form as an attacker uses it (PRODUCT §3.7): anyone who knows an email can post for
 * it. No post may break, hijack or inflate the lead.
 */

const SITE = 'https://www.example-analytics.com';
const JSON_POST = { 'content-type': 'application/json', origin: SITE };
/** The lead item's size budget: DynamoDB's limit is 400 KB; the profile alone is held to 16 KiB. */
const ITEM_BUDGET_BYTES = 64 * 1024;
const HOUR = 3_600_000;

let harness: ApiHarness;
let forms: HttpHandler;
let events: HttpHandler;
let leads: HttpHandler;

beforeAll(async () => {
  harness = await startApiHarness('form-abuse');
  forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
  events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  leads = (await import('#functions/leads/handler.ts')).handler as HttpHandler;
});

afterAll(async () => {
  await harness?.stop();
});

const kib = (seed: number) => `${seed}-`.padEnd(1000, 'x');

/** One hostile submission of a kind: a new 1 KiB custom field, the honeypot, a new submission id, a hijack. */
function hostile(email: string, i: number): Record<string, string> {
  switch (i % 4) {
    case 0:
      return { email, [`custom${i}`]: kib(i), submissionId: `s-${i}` };
    case 1:
      return { email, website: 'http://spam.example', jobTitle: 'Student', submissionId: `s-${i}` };
    case 2:
      return { email, submissionId: `s-${i}`, company: `Hijack ${i}` };
    default:
      return { email, [`f${i}`]: 'y'.repeat(2000) };
  }
}

async function leadItemBytes(store: Leadscore, email: string) {
  const item = await store.repo.getLead(leadIdFor(email));
  return Buffer.byteLength(JSON.stringify(item));
}

describe('POST /v1/forms/{formId} under attack', () => {
  it('It should survive thousands of hostile submissions for one email: no 5xx, a bounded lead, and normal events still scored', async () => {
    const email = 'victim@analytical-engines.com';
    const clean = await invoke(
      events,
      eventsRequest({ eventId: 'victim-1', email, type: 'webinar_attended', attributes: {} }, harness.apiKey),
    );
    expect(clean.statusCode).toBe(200);
    const statuses = new Map<number, number>();
    const total = 2000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < total; i = next++) {
          const response = await invoke(
            forms,
            formRequest(i % 3 === 0 ? 'newsletter' : 'contact', JSON.stringify(hostile(email, i)), JSON_POST),
          );
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode >= 400) expect(response.headers['content-type']).toMatch(/json/);
        }
      }),
    );
    // Past the per-lead rate, posts are refused with 429; the rest are accepted (spam silently) or 400.
    expect([...statuses.keys()].sort()).toEqual([200, 400, 429]);
    expect(statuses.get(429)).toBeGreaterThan(total / 3);
    const lead = await invoke(leads, leadsRequest(harness.apiKey, { leadId: leadIdFor(email) }));
    expect(lead.statusCode).toBe(200);
    const body = lead.json as {
      disqualified: unknown;
      segment: string;
      lifecycle: string;
      profile: Record<string, unknown>;
    };
    expect(body.disqualified).toBeNull();
    expect(body.lifecycle).toBe('lead');
    // A normal event is accepted and scored.
    const later = await invoke(
      events,
      eventsRequest({ eventId: 'victim-2', email, type: 'demo_request', attributes: {} }, harness.apiKey),
    );
    expect(later.statusCode).toBe(200);
    expect(later.json).toMatchObject({ status: 'accepted', leadId: leadIdFor(email) });
  }, 240_000);

  it('It should refuse a custom field past the per-lead limit with a 400 naming the field the page sent', async () => {
    const email = 'many-fields@analytical-engines.com';
    // Two posts of 20 new custom fields each fill the lead's allowance of 40.
    for (const part of [0, 1]) {
      const fields: Record<string, string> = { email, submissionId: `part-${part}` };
      for (let i = 0; i < PROFILE_LIMITS.customFields / 2; i++) fields[`extra${part}x${i}`] = `v${i}`;
      const accepted = await invoke(forms, formRequest('contact', JSON.stringify(fields), JSON_POST));
      expect(accepted.statusCode).toBe(200);
    }
    const past = await invoke(
      forms,
      formRequest('contact', JSON.stringify({ email, oneTooMany: 'x', submissionId: 'other' }), JSON_POST),
    );
    expect(past.statusCode).toBe(400);
    expect((past.json as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['oneTooMany']);
  }, 240_000);
});

describe('the lead store under a slow, long attack', () => {
  it('It should keep the lead item within its budget over days of hostile posts, earn the form once per window, and keep authenticated fields', async () => {
    const config = loadClientConfig('example');
    const store = Leadscore.forTable({
      doc: wrapDocument(testDynamoClient()),
      tableName: await freshTable('abuse-store'),
      config,
    });
    const email = 'slow-victim@analytical-engines.com';
    const T0 = Date.parse('2026-11-02T09:00:00Z');
    await store.ingest(
      {
        eventId: 'crm',
        email,
        type: 'crm_sync',
        occurredAt: T0,
        attributes: {},
        profile: { company: 'Analytical Engines', jobTitle: 'VP Engineering' },
        trusted: true,
      },
      T0,
    );
    let accepted = 0;
    for (let i = 0; i < 1200; i++) {
      const now = T0 + Math.floor(i / FORM_POSTS_PER_LEAD_PER_HOUR) * HOUR + (i % 20) * 1000;
      const { website: _, submissionId, ...profile } = hostile(email, i);
      const result = await store.ingest(
        {
          eventId: `form:${submissionId ?? i}`,
          email,
          type: 'form_submit',
          occurredAt: now,
          attributes: { formId: 'contact' },
          profile,
          ...(i % 4 === 1 ? { spam: true } : {}),
        },
        now,
      );
      if (result.status === 'accepted') accepted++;
      else expect(result.status).toBe('rejected');
    }
    expect(accepted).toBeGreaterThan(500);
    expect(await leadItemBytes(store, email)).toBeLessThan(ITEM_BUDGET_BYTES);
    const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
    // Authenticated fields stand; the contact form earned its points once (one 30-day window).
    expect(state.profile).toMatchObject({ company: 'Analytical Engines', jobTitle: 'VP Engineering' });
    expect(state.tallies['contact-form']).toMatchObject({ awarded: 25 });
    expect(state.disqualified).toBeNull();
  }, 240_000);
});
