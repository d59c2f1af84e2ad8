import { beforeAll, describe, expect, it } from 'vitest';
import { Leadscore } from '#shared/app/leadscore.ts';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { DETAIL_TYPES, type OutgoingEvent } from '#shared/events/contracts.ts';
import { observe } from '#shared/scoring/engine.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { recordOutbox } from '#test/support/outbox-recorder.ts';

const config = loadClientConfig('example');
const T0 = Date.parse('2026-11-02T09:00:00Z');
const DAY = 86_400_000;

describe('decay job on DynamoDB Local', () => {
  let store: Leadscore;
  let emitted: OutgoingEvent[];
  const emails = Array.from({ length: 12 }, (_, i) => `lead${i}@decayco.com`);

  beforeAll(async () => {
    const table = await freshTable('decay');
    store = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName: table, config });
    emitted = recordOutbox(store);
    // Leads with different engagement: some hot, some warm, some cold (never change by decay).
    for (const [i, email] of emails.entries()) {
      const profile = {
        email,
        company: 'DecayCo',
        phone: '1',
        jobTitle: 'VP Sales',
        industry: 'software',
        employees: 500,
        country: 'US',
      };
      await store.ingest(
        {
          eventId: `f-${i}`,
          email,
          type: 'form_submit',
          occurredAt: T0,
          attributes: { formId: 'newsletter' },
          profile,
        },
        T0,
      );
      for (let k = 0; k < i % 4; k++) {
        await store.ingest(
          { eventId: `w-${i}-${k}`, email, type: 'webinar_attended', occurredAt: T0 + k, attributes: {} },
          T0 + k,
        );
      }
    }
  });

  it('It should read only the leads due to change and find the same changes as observing every lead', async () => {
    const now = T0 + 9 * DAY;
    // Expected: observe every lead at `now` (what a full scan would find).
    const expected: string[] = [];
    for (const email of emails) {
      const item = await store.repo.getLead(leadIdFor(email));
      const { changes } = observe(stateOf(item!), store.model, now);
      if (changes.segmentChange || changes.thresholdCrossings.length > 0) expected.push(leadIdFor(email));
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(emails.length);
    emitted.length = 0;
    const report = await store.decay(now);
    expect(report.complete).toBe(true);
    expect(report.changed.map((c) => c.leadId).sort()).toEqual([...expected].sort());
    // An index key and a consistent read per lead due by now (no more than the table's leads).
    expect(report.itemsRead).toBeGreaterThanOrEqual(2 * expected.length);
    expect(report.itemsRead).toBeLessThanOrEqual(2 * emails.length);
    expect(report.itemsWritten).toBe(expected.length);
    // The events go out with the writes (the outbox the stream's consumer publishes).
    const segmentEvents = emitted.filter((e) => e.detailType === DETAIL_TYPES.segmentChanged);
    expect(segmentEvents.length).toBeGreaterThan(0);
    for (const e of segmentEvents) expect(e.detail.cause).toBe('decay');
    expect(report.eventsEmitted).toBe(emitted.length);
    // Stored scores and segments are current after the run.
    for (const leadId of expected) {
      const item = await store.repo.getLead(leadId);
      expect(item!.updatedAt).toBe(new Date(now).toISOString());
    }
  });

  it('It should do nothing when run twice for the same time', async () => {
    const now = T0 + 9 * DAY;
    emitted.length = 0;
    const again = await store.decay(now);
    expect(again.changed).toEqual([]);
    expect(again.itemsWritten).toBe(0);
    expect(emitted).toHaveLength(0);
  });

  it('It should resume where a run stopped early', async () => {
    const now = T0 + 40 * DAY;
    let budget = 1;
    const partial = await store.decay(now, { keepGoing: () => budget-- > 0 });
    expect(partial.complete).toBe(false);
    const rest = await store.decay(now);
    expect(rest.complete).toBe(true);
    // Every lead is now classified as of `now`: nothing is due any more.
    for (const email of emails) {
      const state = stateOf((await store.repo.getLead(leadIdFor(email)))!);
      const { changes } = observe(state, store.model, now);
      expect(changes.segmentChange).toBeNull();
      expect(changes.thresholdCrossings).toEqual([]);
    }
  });

  it('It should record a failing lead, decay the others and retry it on the next run', async () => {
    const at = T0 + 50 * DAY;
    const now = at + 10 * DAY;
    const fresh = ['again0@decayco.com', 'again1@decayco.com', 'again2@decayco.com'];
    for (const [i, email] of fresh.entries()) {
      for (let k = 0; k < 3; k++) {
        const e = {
          eventId: `again-${i}-${k}`,
          email,
          type: 'webinar_attended',
          occurredAt: at + k,
          attributes: {},
        };
        await store.ingest(e, at + k);
      }
    }
    const due: string[] = [];
    for (const email of fresh) {
      const item = await store.repo.getLead(leadIdFor(email));
      if (item?.nextChangeAt && Date.parse(item.nextChangeAt) <= now) due.push(item.leadId);
    }
    expect(due.length).toBeGreaterThan(1);
    const broken = due[0]!;
    const replaceLead = store.repo.replaceLead.bind(store.repo);
    store.repo.replaceLead = async (item, version) => {
      if (item.leadId === broken) throw new Error('injected: the write failed');
      return replaceLead(item, version);
    };
    const first = await store.decay(now);
    expect(first.failed.map((f) => f.leadId)).toEqual([broken]);
    expect(first.complete).toBe(false);
    expect(first.itemsWritten).toBe(due.length - 1);
    store.repo.replaceLead = replaceLead;
    const second = await store.decay(now);
    expect(second.failed).toEqual([]);
    expect(second.complete).toBe(true);
    expect(second.itemsWritten).toBe(1);
  });

  it('It should find, on a first run two months ahead, the leads that fell due in between', async () => {
    const table = await freshTable('decay-first-run');
    const first = Leadscore.forTable({ doc: wrapDocument(testDynamoClient()), tableName: table, config });
    const email = 'far-ahead@decayco.com';
    const profile = { email, company: 'DecayCo', jobTitle: 'VP Sales', industry: 'software', employees: 500 };
    await first.ingest(
      {
        eventId: 'far-f',
        email,
        type: 'form_submit',
        occurredAt: T0,
        attributes: { formId: 'newsletter' },
        profile,
      },
      T0,
    );
    for (let k = 0; k < 3; k++)
      await first.ingest(
        { eventId: `far-w-${k}`, email, type: 'webinar_attended', occurredAt: T0 + k, attributes: {} },
        T0 + k,
      );
    const item = await first.repo.getLead(leadIdFor(email));
    // Due within the month: more than 31 days before a run 60 days ahead.
    expect(Date.parse(item!.nextChangeAt!)).toBeLessThan(T0 + 29 * DAY);
    const now = T0 + 60 * DAY;
    const report = await first.decay(now, { wallClock: T0 + 3 });
    expect(report.days[0]).toBe(new Date(T0 - 31 * DAY).toISOString().slice(0, 10));
    expect(report.changed.map((c) => c.leadId)).toEqual([leadIdFor(email)]);
    const after = stateOf((await first.repo.getLead(leadIdFor(email)))!);
    expect(observe(after, first.model, now).changes.segmentChange).toBeNull();
  });
});
