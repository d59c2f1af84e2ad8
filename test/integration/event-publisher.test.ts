import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBus } from '#local/event-bus.ts';
import { countRequests } from '#shared/clients/request-counter.ts';
import { type BusEnvelope, DETAIL_TYPES, type OutgoingEvent, sourceFor } from '#shared/events/contracts.ts';
import { coalescingPublisher } from '#shared/events/publisher.ts';
import { injectPutEventsFailures } from '#test/support/fault-injection.ts';

const BUS_NAME = 'leadscore-example';
const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

const scored = (leadId: string): OutgoingEvent => ({
  detailType: DETAIL_TYPES.scored,
  detail: {
    id: `${leadId}:v1:scored`,
    leadId,
    email: null,
    name: null,
    company: null,
    oldScore: 0,
    newScore: 10,
    oldSegment: null,
    newSegment: 'cold',
    grade: 'C',
    lifecycle: 'lead',
    owner: null,
    topReasons: ['pricing-page: 10 (1×)'],
    modelVersion: '2026-11-01',
    time: '2026-11-25T12:00:00.000Z',
    cause: 'page_view',
  },
});

describe('Coalescing publisher', () => {
  let dataDir: string;
  let bus: LocalEventBus;
  let endpoint: string;
  const received: BusEnvelope[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadscore-publisher-'));
    bus = new LocalEventBus({ name: BUS_NAME, dataDir, onEvent: (envelope) => received.push(envelope) });
    endpoint = await bus.listen();
  });

  afterAll(async () => {
    await bus.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('It should put the events of concurrent callers on the bus in shared PutEvents requests', async () => {
    const client = new EventBridgeClient({ ...LOCAL, endpoint });
    const requests = countRequests(client);
    const publish = coalescingPublisher(client, { busName: BUS_NAME, source: sourceFor('example') });
    const leads = Array.from({ length: 12 }, (_, i) => `lead-${i}`);

    const results = await Promise.all(leads.map((leadId) => publish([scored(leadId)])));

    expect(results.map((r) => r.published)).toEqual(leads.map(() => 1));
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect(received.map((e) => (e.detail as { leadId: string }).leadId).sort()).toEqual([...leads].sort());
    expect(requests.total()).toBe(2); // 12 entries: PutEvents takes at most 10 per request
    client.destroy();
  });

  it('It should give each caller back exactly its own failed events', async () => {
    const client = new EventBridgeClient({ ...LOCAL, endpoint });
    const faults = injectPutEventsFailures(client, { rate: 0.5, seed: 11 });
    const publish = coalescingPublisher(client, {
      busName: BUS_NAME,
      source: sourceFor('example'),
      attempts: 1,
    });
    const batches = Array.from({ length: 6 }, (_, c) => [scored(`c${c}-a`), scored(`c${c}-b`)]);

    const results = await Promise.all(batches.map((events) => publish(events)));

    results.forEach((result, caller) => {
      expect(result.published + result.failed.length).toBe(2);
      for (const { event } of result.failed) expect(batches[caller]).toContain(event);
    });
    const failedIds = results.flatMap((r) => r.failed.map((f) => f.event.detail.id)).sort();
    expect(failedIds).toEqual(faults.failed.map((entry) => JSON.parse(entry.Detail ?? '{}').id).sort());
    expect(failedIds.length).toBeGreaterThan(0);
    client.destroy();
  });
});
