import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from 'vitest';
import { wrapDocument } from '#shared/clients/aws.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { DETAIL_TYPES } from '#shared/events/contracts.ts';
import { observe } from '#shared/scoring/engine.ts';
import { runDecay } from '#shared/store/decay-job.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { LeadStore } from '#shared/store/lead-store.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { injectPutEventsFailures } from '#test/support/fault-injection.ts';

const config = loadClientConfig('example');
const T0 = Date.parse('2026-11-02T09:00:00Z');
const DAY = 86_400_000;

describe('decay job on DynamoDB Local', () => {
  let store: LeadStore;
  let bus: ReturnType<typeof injectPutEventsFailures>;
  const emails = Array.from({ length: 12 }, (_, i) => `lead${i}@decayco.com`);

  beforeAll(async () => {
    const table = await freshTable('decay');
    const eventBridge = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    bus = injectPutEventsFailures(eventBridge, { rate: 0 });
    store = new LeadStore({
      doc: wrapDocument(testDynamoClient()),
      tableName: table,
      config,
      eventBridge,
      busName: 'b',
    });
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
      const item = await store.getLeadItem(leadIdFor(email));
      const { changes } = observe(stateOf(item!), store.model, now);
      if (changes.segmentChange || changes.thresholdCrossings.length > 0) expected.push(leadIdFor(email));
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(emails.length);
    bus.delivered.length = 0;
    const report = await runDecay(store, now);
    expect(report.complete).toBe(true);
    expect(report.changed.map((c) => c.leadId).sort()).toEqual([...expected].sort());
    expect(report.itemsRead).toBe(expected.length);
    expect(report.itemsWritten).toBe(expected.length);
    const segmentEvents = bus.delivered.filter((e) => e.DetailType === DETAIL_TYPES.segmentChanged);
    expect(segmentEvents.length).toBeGreaterThan(0);
    for (const e of segmentEvents) expect(JSON.parse(e.Detail!).cause).toBe('decay');
    // Stored scores and segments are current after the run.
    for (const leadId of expected) {
      const item = await store.getLeadItem(leadId);
      expect(item!.updatedAt).toBe(new Date(now).toISOString());
    }
  });

  it('It should do nothing when run twice for the same time', async () => {
    const now = T0 + 9 * DAY;
    bus.delivered.length = 0;
    const again = await runDecay(store, now);
    expect(again.changed).toEqual([]);
    expect(again.itemsRead).toBe(0);
    expect(bus.delivered).toHaveLength(0);
  });

  it('It should resume where a run stopped early', async () => {
    const now = T0 + 40 * DAY;
    let budget = 1;
    const partial = await runDecay(store, now, { keepGoing: () => budget-- > 0 });
    expect(partial.complete).toBe(false);
    const rest = await runDecay(store, now);
    expect(rest.complete).toBe(true);
    // Every lead is now classified as of `now`: nothing is due any more.
    for (const email of emails) {
      const state = stateOf((await store.getLeadItem(leadIdFor(email)))!);
      const { changes } = observe(state, store.model, now);
      expect(changes.segmentChange).toBeNull();
      expect(changes.thresholdCrossings).toEqual([]);
    }
  });
});
