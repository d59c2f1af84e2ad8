import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IngestEvent } from '#shared/app/ingest.ts';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import { foldEvents } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { anonymousLeadIdFor, leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { folded } from '#test/fixtures/scoring.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { recordOutbox } from '#test/support/outbox-recorder.ts';

/*
 * Scores a sales team can trust (PRODUCT §2.12, §2.13, §3.3, §3.5) on DynamoDB Local: the same
 * events give the same lead whatever the order and the number of writers, replaying the stored
 * events gives the stored state, every route carries the email, a merge carries every event,
 * and a hand-raiser is told about once.
 */

const config = loadClientConfig('example');
const T0 = Date.parse('2026-10-01T09:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;

function makeStore(tableName: string) {
  const store = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName, config });
  // What the writes store in their outbox: what the stream's consumer puts on the bus.
  const published = recordOutbox(store);
  return { store, published };
}

/** A lead's month: pricing views (repeat bonus, cap), email opens (category cap), clicks, a penalty, forms. */
function monthOfEvents(email: string): IngestEvent[] {
  const events: IngestEvent[] = [];
  const at = (day: number, minute: number) => T0 + day * DAY + minute * MIN;
  for (let i = 0; i < 12; i++)
    events.push({
      eventId: `pv-${i}`,
      email,
      type: 'page_view',
      occurredAt: at(i * 2, i),
      attributes: { url: i % 3 === 0 ? '/pricing' : `/blog/${i}` },
    });
  for (let i = 0; i < 10; i++)
    events.push({ eventId: `open-${i}`, email, type: 'email_open', occurredAt: at(i, 30), attributes: {} });
  for (let i = 0; i < 4; i++)
    events.push({
      eventId: `click-${i}`,
      email,
      type: 'email_click',
      occurredAt: at(i * 3, 31),
      attributes: {},
    });
  events.push({ eventId: 'unsub', email, type: 'unsubscribe', occurredAt: at(12, 0), attributes: {} });
  events.push({
    eventId: 'form-1',
    email,
    type: 'form_submit',
    occurredAt: at(1, 0),
    attributes: { formId: 'newsletter' },
    profile: { email, company: 'Acme', jobTitle: 'Engineer', industry: 'software' },
  });
  events.push({
    eventId: 'form-2',
    email,
    type: 'form_submit',
    occurredAt: at(9, 0),
    attributes: { formId: 'contact' },
    profile: { email, jobTitle: 'Manager', employees: 700 },
  });
  events.push({ eventId: 'webinar', email, type: 'webinar_attended', occurredAt: at(14, 0), attributes: {} });
  return events;
}

async function deliver(store: Leadscore, events: readonly IngestEvent[], writers: number, now: number) {
  const queue = [...events];
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const result = await store.ingest(e, now);
        expect(result.status).toBe('accepted');
      }
    }),
  );
}

const inTimeOrder = (events: readonly IngestEvent[]) =>
  [...events].sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1));

describe('order independence on DynamoDB Local (PRODUCT §2.12)', () => {
  it('It should store the same lead from 16 parallel writers in random order as from one writer in time order, and replaying its stored events gives it back', async () => {
    const email = 'order@acme-corp.com';
    const events = monthOfEvents(email);
    const now = T0 + 20 * DAY;
    const sequential = makeStore(await freshTable('order-seq'));
    await deliver(sequential.store, inTimeOrder(events), 1, now);
    const shuffles = fc.sample(fc.shuffledSubarray(events, { minLength: events.length }), {
      numRuns: 2,
      seed: 42,
    });
    for (const [n, arrival] of shuffles.entries()) {
      const parallel = makeStore(await freshTable(`order-par-${n}`));
      await deliver(parallel.store, arrival, 16, now);
      const a = stateOf((await sequential.store.repo.getLead(leadIdFor(email)))!);
      const b = stateOf((await parallel.store.repo.getLead(leadIdFor(email)))!);
      expect(folded(b)).toEqual(folded(a));
      const later = now + 3 * DAY;
      expect(explain(b, parallel.store.model, later)).toEqual(explain(a, sequential.store.model, later));
      // Replay of the stored events, in time order, through the engine equals the stored state.
      const stored = await parallel.store.storedEvents(leadIdFor(email), []);
      expect(stored).toHaveLength(events.length);
      expect(folded(foldEvents(b.leadId, stored, parallel.store.model))).toEqual(folded(b));
    }
  }, 240_000);

  it('It should give a late event its place in history: repeat bonuses and cap room go by event time', async () => {
    const { store } = makeStore(await freshTable('late'));
    const email = 'late@acme-corp.com';
    const view = (id: string, day: number): IngestEvent => ({
      eventId: id,
      email,
      type: 'page_view',
      occurredAt: T0 + day * DAY,
      attributes: { url: '/pricing' },
    });
    await store.ingest(view('second', 2), T0 + 3 * DAY);
    await store.ingest(view('first', 1), T0 + 3 * DAY); // arrives late
    const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
    expect(state.tallies['pricing-page']).toMatchObject({ count: 2, awarded: 25, bonus: 5 });
    // The bonus went to the later view (day 2), as if they had arrived in order.
    expect(state.history.map((h) => [h.eventId, h.rules[0]?.points])).toEqual([
      ['first', 10],
      ['second', 15],
    ]);
  });
});

describe('identity on every route (PRODUCT §3.3, §3.5)', () => {
  let table: string;
  beforeAll(async () => {
    table = await freshTable('identity');
  });

  it('It should disqualify a competitor who arrives only through the events API, and never alert about them', async () => {
    const { store, published } = makeStore(table);
    const email = 'Eve@RivalMetrics.com';
    for (let i = 0; i < 8; i++) {
      const type = i % 2 ? 'webinar_attended' : 'demo_request';
      await store.ingest({
        eventId: `eve-${i}`,
        email,
        type,
        occurredAt: T0 + i * MIN,
        attributes: {},
        trusted: true,
      });
    }
    const item = (await store.repo.getLead(leadIdFor(email)))!;
    const state = stateOf(item);
    expect(state.profile).toMatchObject({ email: 'eve@rivalmetrics.com', emailDomain: 'rivalmetrics.com' });
    expect(item.email).toBe('eve@rivalmetrics.com');
    expect(state.disqualified?.ruleId).toBe('competitor');
    expect(item.segment).toBe('disqualified');
    const up = published.filter(
      (e) =>
        e.detailType === DETAIL_TYPES.thresholdCrossed &&
        e.detail.leadId === state.leadId &&
        'direction' in e.detail &&
        e.detail.direction === 'up',
    );
    expect(up).toEqual([]);
  });

  it('It should apply the personal and disposable email penalties to leads that arrive only through the events API', async () => {
    const { store } = makeStore(table);
    for (const [email, rule] of [
      ['someone@gmail.com', 'personal-email'],
      ['someone@mailinator.com', 'disposable-email'],
    ] as const) {
      await store.ingest({
        eventId: `x-${email}`,
        email,
        type: 'email_open',
        occurredAt: T0,
        attributes: {},
      });
      const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
      expect(state.fit.rules.map((r) => r.ruleId)).toContain(rule);
    }
  });

  it('It should carry every event of an anonymous visitor into the lead, however many (read page by page)', async () => {
    const { store } = makeStore(table);
    const anonymousId = 'cookie-many';
    const count = 300;
    for (let i = 0; i < count; i++) {
      await store.ingest(
        {
          eventId: `anon-${i}`,
          anonymousId,
          type: 'page_view',
          occurredAt: T0 + i * MIN,
          attributes: { url: `/docs/${i}` },
        },
        T0 + count * MIN,
      );
    }
    const email = 'many@acme-corp.com';
    const form = await store.ingest(
      {
        eventId: 'form-many',
        email,
        anonymousId,
        type: 'form_submit',
        occurredAt: T0 + count * MIN,
        attributes: { formId: 'newsletter' },
        profile: { email, company: 'Acme' },
      },
      T0 + count * MIN,
    );
    expect(form.status).toBe('accepted');
    const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
    expect(state.eventCount).toBe(count + 1);
    expect(state.tallies['other-page']?.count).toBe(count);
    expect((await store.repo.getLead(anonymousLeadIdFor(anonymousId)))?.mergedInto).toBe(leadIdFor(email));
    // The lead's stored events replay to its state.
    const stored = await store.storedEvents(leadIdFor(email), [anonymousId]);
    expect(folded(foldEvents(state.leadId, stored, store.model))).toEqual(folded(state));
  }, 240_000);
});

describe('fast track (PRODUCT §2.13)', () => {
  it('It should make an A-grade director who requests a demo an MQL at 75 points, with exactly one crossing', async () => {
    const { store, published } = makeStore(await freshTable('fast-track'));
    const email = 'director@northwind-analytics.com';
    const profile = {
      email,
      company: 'Northwind',
      jobTitle: 'Director of Sales',
      industry: 'software',
      employees: 800,
    };
    const first = await store.ingest(
      {
        eventId: 'demo-1',
        email,
        type: 'form_submit',
        occurredAt: T0,
        attributes: { formId: 'demo-request' },
        profile,
      },
      T0,
    );
    expect(first).toMatchObject({ status: 'accepted', segment: 'warm' });
    // A second demo request a day later, and a page view: still one crossing.
    await store.ingest(
      { eventId: 'demo-2', email, type: 'demo_request', occurredAt: T0 + DAY, attributes: {} },
      T0 + DAY,
    );
    const item = (await store.repo.getLead(leadIdFor(email)))!;
    expect(item.lifecycle).toBe('mql');
    const crossings = published.filter(
      (e) => e.detailType === DETAIL_TYPES.thresholdCrossed && e.detail.leadId === item.leadId,
    );
    expect(crossings).toHaveLength(1);
    expect(crossings[0]!.detail).toMatchObject({ threshold: 'mql', direction: 'up', fastTrack: 'demo-form' });
    const explanation = explain(stateOf(item), store.model, T0 + DAY);
    expect(explanation.fastTrack.map((f) => f.ruleId)).toEqual(['demo-request']);
  });

  it('It should not fast-track a C-grade lead', async () => {
    const { store, published } = makeStore(await freshTable('fast-track-c'));
    const email = 'student@gmail.com';
    await store.ingest({
      eventId: 'demo-c',
      email,
      type: 'form_submit',
      occurredAt: T0,
      attributes: { formId: 'demo-request' },
      profile: { email, jobTitle: 'Student' },
    });
    expect(published.filter((e) => e.detailType === DETAIL_TYPES.thresholdCrossed)).toEqual([]);
    expect((await store.repo.getLead(leadIdFor(email)))?.lifecycle).toBe('lead');
  });
});
