import { beforeAll, describe, expect, it } from 'vitest';
import type { IngestEvent } from '#shared/app/ingest.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import { scoreAt } from '#shared/scoring/engine.ts';
import { anonymousLeadIdFor, leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { injectDynamoThrottling } from '#test/support/fault-injection.ts';
import { recordOutbox } from '#test/support/outbox-recorder.ts';

const config = loadClientConfig('example');
const T0 = Date.parse('2026-11-02T09:00:00Z');
const MIN = 60_000;

function makeStore(tableName: string, options: { throttleRate?: number } = {}) {
  const dynamo = testDynamoClient();
  const throttle = options.throttleRate
    ? injectDynamoThrottling(dynamo, { rate: options.throttleRate, seed: 7 })
    : undefined;
  const store = Leadscore.forTable({ doc: wrapDocument(dynamo), tableName, config });
  // What the writes store in their outbox: what the stream's consumer puts on the bus.
  const emitted = recordOutbox(store);
  return { store, emitted, throttle };
}

const pricingView = (email: string, i: number, extra: Partial<IngestEvent> = {}): IngestEvent => ({
  eventId: `pv-${email}-${i}`,
  email,
  type: 'page_view',
  occurredAt: T0 + i * MIN,
  attributes: { url: 'https://example-analytics.com/pricing' },
  ...extra,
});

describe('LeadStore on DynamoDB Local', () => {
  let table: string;
  beforeAll(async () => {
    table = await freshTable('store');
  });

  it('It should store an event once and count a duplicate delivery zero times', async () => {
    const { store, emitted } = makeStore(table);
    const email = 'dup@acme-corp.com';
    const first = await store.ingest({ ...pricingView(email, 0), profile: { email, company: 'Acme' } }, T0);
    const again = await store.ingest(
      { ...pricingView(email, 0), profile: { email, company: 'Acme' } },
      T0 + MIN,
    );
    expect(first.status).toBe('accepted');
    expect(again).toMatchObject({ status: 'duplicate', leadId: leadIdFor(email) });
    const item = await store.repo.getLead(leadIdFor(email));
    expect(stateOf(item!).tallies['pricing-page']?.count).toBe(1);
    expect(await store.repo.listEvents(leadIdFor(email))).toHaveLength(1);
    // The duplicate wrote nothing, so it emitted nothing.
    const ids = emitted.map((e) => e.detail.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('It should lose nothing with 16 concurrent writers on one lead', async () => {
    const { store } = makeStore(table);
    const email = 'busy@acme-corp.com';
    const events = Array.from({ length: 48 }, (_, i) => ({
      eventId: `open-${i}`,
      email,
      type: 'email_open',
      occurredAt: T0 + i * 7 * 86_400_000, // a week apart: no cap interferes
      attributes: { campaign: 'nov' },
    }));
    const queue = [...events];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let e = queue.shift(); e; e = queue.shift())
          expect((await store.ingest(e, e.occurredAt)).status).toBe('accepted');
      }),
    );
    const item = await store.repo.getLead(leadIdFor(email));
    const state = stateOf(item!);
    expect(state.tallies['email-open']?.count).toBe(48);
    expect(state.eventCount).toBe(48);
    expect(item!.version).toBe(48);
    expect(await store.repo.listEvents(leadIdFor(email))).toHaveLength(48);
  }, 180_000);

  it('It should merge anonymous page views into the lead at their own times', async () => {
    const { store } = makeStore(table);
    const anonymousId = 'cookie-123';
    for (let i = 0; i < 3; i++) {
      const r = await store.ingest(
        { ...pricingView('x', i), email: undefined, anonymousId, eventId: `anon-${i}` } as IngestEvent,
        T0,
      );
      expect(r).toMatchObject({ status: 'accepted', leadId: anonymousLeadIdFor(anonymousId) });
    }
    const email = 'visitor@acme-corp.com';
    const form = await store.ingest(
      {
        eventId: 'form-1',
        email,
        anonymousId,
        type: 'form_submit',
        occurredAt: T0 + 60 * MIN,
        attributes: { formId: 'demo-request' },
        profile: { email, company: 'Acme', firstName: 'Vi' },
      },
      T0 + 60 * MIN,
    );
    expect(form).toMatchObject({ status: 'accepted', leadId: leadIdFor(email) });
    const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
    // 10 + (10+5) + (10+5) for three pricing views with repeat bonus, 30 for the demo form.
    expect(state.tallies['pricing-page']).toMatchObject({ count: 3, awarded: 40 });
    expect(state.tallies['demo-form']).toMatchObject({ count: 1, awarded: 30 });
    // The visitor's events stay in its partition and are read with the lead's when it is replayed.
    expect(await store.storedEvents(leadIdFor(email), [anonymousId])).toHaveLength(4);
    // A later anonymous event goes straight to the lead.
    const later = await store.ingest(
      { ...pricingView('x', 90), email: undefined, anonymousId, eventId: 'anon-late' } as IngestEvent,
      T0 + 90 * MIN,
    );
    expect(later).toMatchObject({ status: 'accepted', leadId: leadIdFor(email) });
    const anon = await store.repo.getLead(anonymousLeadIdFor(anonymousId));
    expect(anon?.mergedInto).toBe(leadIdFor(email));

    // A visitor's event delivered again after the merge, anonymous as before or now with the
    // email, is a duplicate: it is stored in the visitor's partition, not stored a second time.
    const before = await store.repo.getLead(leadIdFor(email));
    for (const resent of [
      { ...pricingView('x', 1), email: undefined, anonymousId, eventId: 'anon-1' },
      { ...pricingView(email, 2), anonymousId, eventId: 'anon-2' },
    ] as IngestEvent[]) {
      expect(await store.ingest(resent, T0 + 120 * MIN)).toMatchObject({
        status: 'duplicate',
        leadId: leadIdFor(email),
      });
    }
    expect(await store.storedEvents(leadIdFor(email), [anonymousId])).toHaveLength(5);
    expect((await store.repo.getLead(leadIdFor(email)))?.version).toBe(before?.version);
  });

  it('It should publish threshold and segment events once the lead is hot', async () => {
    const { store, emitted } = makeStore(table);
    const email = 'cto@growthco.io';
    const profile = {
      email,
      company: 'GrowthCo',
      jobTitle: 'CTO',
      industry: 'software',
      employees: 2000,
      phone: '+1 555',
      country: 'US',
    };
    await store.ingest(
      {
        eventId: 'f1',
        email,
        type: 'form_submit',
        occurredAt: T0,
        attributes: { formId: 'demo-request' },
        profile,
      },
      T0,
    );
    await store.ingest(
      { eventId: 'd1', email, type: 'demo_request', occurredAt: T0 + MIN, attributes: {} },
      T0 + MIN,
    );
    await store.ingest(
      { eventId: 'w1', email, type: 'webinar_attended', occurredAt: T0 + 2 * MIN, attributes: {} },
      T0 + 2 * MIN,
    );
    const mine = emitted
      .map((e) => ({
        type: e.detailType,
        detail: e.detail as typeof e.detail & { threshold?: string; direction?: string },
      }))
      .filter((e) => e.detail.email === email);
    const crossings = mine.filter((e) => e.type === DETAIL_TYPES.thresholdCrossed);
    expect(crossings.map((c) => c.detail.threshold)).toContain('mql');
    expect(crossings.every((c) => c.detail.direction === 'up')).toBe(true);
    const hot = mine.filter((e) => e.type === DETAIL_TYPES.segmentChanged && e.detail.newSegment === 'hot');
    expect(hot).toHaveLength(1);
    expect(hot[0]!.detail.owner).toMatchObject({ email: 'jordan@example-analytics.com' });
    expect(hot[0]!.detail.topReasons.length).toBeGreaterThan(0);
  });

  it('It should neither lose nor double count under throttling and duplicate deliveries', async () => {
    const { store, emitted, throttle } = makeStore(table, { throttleRate: 0.2 });
    const emails = Array.from({ length: 4 }, (_, i) => `fault${i}@acme-corp.com`);
    const events = emails.flatMap((email, l) =>
      Array.from({ length: 6 }, (_, i) => ({
        eventId: `f-${l}-${i}`,
        email,
        type: i % 2 === 0 ? 'webinar_attended' : 'demo_request',
        occurredAt: T0 + i * MIN,
        attributes: {},
        ...(i === 0 ? { profile: { email, company: 'Acme' } } : {}),
      })),
    );
    // Every event delivered twice, concurrently: at-least-once delivery from the caller.
    const results = await Promise.all(
      [...events, ...events].map((e) =>
        store.ingest(e, e.occurredAt).catch((error: unknown) => ({ status: 'threw', error })),
      ),
    );
    expect(throttle!.injectedTotal()).toBeGreaterThan(0);
    // Whatever threw can be retried safely; retry until everything is stored.
    for (const e of events) await store.ingest(e, e.occurredAt);
    expect(results.filter((r) => r.status === 'accepted').length).toBeLessThanOrEqual(events.length);
    for (const email of emails) {
      const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
      expect(state.tallies['webinar-attended']?.count).toBe(3);
      expect(state.tallies['demo-request']?.count).toBe(3);
      expect(state.tallies['webinar-attended']?.awarded).toBe(75);
      expect(state.tallies['demo-request']?.awarded).toBe(90);
      expect(scoreAt(state, store.model, T0 + 6 * MIN).engagement).toBeCloseTo(165, 0);
    }
    // Each lead change went out once: event ids are unique among the committed outboxes.
    const ids = emitted.map((e) => e.detail.id);
    expect(new Set(ids).size).toBe(ids.length);
    throttle!.remove();
  }, 240_000);

  it('It should reject an event for an unknown leadId without storing anything', async () => {
    const { store } = makeStore(table);
    const result = await store.ingest(
      {
        eventId: 'u1',
        leadId: 'ld_AAAAAAAAAAAAAAAAAAAAAA',
        type: 'page_view',
        occurredAt: T0,
        attributes: {},
      },
      T0,
    );
    expect(result).toMatchObject({ status: 'rejected', field: 'leadId' });
    expect(await store.repo.listEvents('ld_AAAAAAAAAAAAAAAAAAAAAA')).toHaveLength(0);
  });
});
