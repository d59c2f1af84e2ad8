import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import type { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { createLambdaContext } from '#local/lambda-runtime.ts';
import { coalescingPublisher } from '#shared/events/publisher.ts';
import { createOutboxRelay } from '#shared/events/relay.ts';
import { crossingEvent, scoredEvent } from '#test/support/outgoing-events.ts';
import { leadRecord, streamEvent } from '#test/support/stream-records.ts';

/*
 * The relay's batching and partial-failure logic, over a stand-in EventBridge client (no I/O):
 * which PutEvents requests go out, which records are reported failed, what reaches the bus.
 */

type Verdict = 'accept' | 'refuse' | 'throw';

/** A PutEvents stand-in: `decide` judges each entry of each call (calls count from 1). */
function fakeBus(decide: (detailId: string, call: number) => Verdict = () => 'accept') {
  const requests: string[][] = [];
  const delivered: string[] = [];
  let calls = 0;
  const client = {
    send: async (command: PutEventsCommand) => {
      calls += 1;
      const entries: PutEventsRequestEntry[] = command.input.Entries ?? [];
      const ids = entries.map((entry) => JSON.parse(entry.Detail ?? '{}').id as string);
      requests.push(ids);
      if (ids.some((id) => decide(id, calls) === 'throw')) throw new Error('Service unavailable');
      const results = ids.map((id) => {
        if (decide(id, calls) === 'refuse') return { ErrorCode: 'InternalFailure', ErrorMessage: 'refused' };
        delivered.push(id);
        return { EventId: `ev-${delivered.length}` };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
  } as unknown as EventBridgeClient;
  return { client, requests, delivered, calls: () => calls };
}

function relayOver(client: EventBridgeClient) {
  return createOutboxRelay({
    publish: coalescingPublisher(client, {
      busName: 'leadscore-test',
      source: 'leadscore.test',
      attempts: 2,
      baseDelayMs: 1,
    }),
    reserveMs: 100,
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
  });
}

const context = (timeoutMs = 5_000) =>
  createLambdaContext({ functionName: 'leadscore-test-outbox-relay', timeoutMs });
const sequenceOf = (record: ReturnType<typeof leadRecord>) => record.dynamodb?.SequenceNumber as string;

describe('Outbox relay', () => {
  it('It should put the events of 25 records on the bus in requests of at most 10 entries', async () => {
    const bus = fakeBus();
    const records = Array.from({ length: 25 }, (_, i) =>
      leadRecord(`ld_${i}`, [crossingEvent(`ld_${i}`, 1)]),
    );

    const response = await relayOver(bus.client)(streamEvent(records), context());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.requests.map((ids) => ids.length).sort((a, b) => b - a)).toEqual([10, 10, 5]);
    expect(new Set(bus.delivered)).toEqual(new Set(records.map((_, i) => `ld_${i}:v1:threshold:mql:up`)));
    expect(bus.delivered).toHaveLength(25);
  });

  it('It should put all events of one write, in order of the records of each lead', async () => {
    const bus = fakeBus();
    const records = [
      leadRecord('ld_a', [scoredEvent('ld_a', 1), crossingEvent('ld_a', 1)]),
      leadRecord('ld_a', [scoredEvent('ld_a', 2)]),
      leadRecord('ld_b', [scoredEvent('ld_b', 1)]),
    ];

    await relayOver(bus.client)(streamEvent(records), context());

    expect(bus.delivered).toEqual([
      'ld_a:v1:scored',
      'ld_a:v1:threshold:mql:up',
      'ld_b:v1:scored',
      'ld_a:v2:scored',
    ]);
  });

  it('It should report a record whose events keep failing, and hold back the later records of its lead', async () => {
    const bus = fakeBus((id) => (id.startsWith('ld_a:v1') ? 'refuse' : 'accept'));
    const a1 = leadRecord('ld_a', [crossingEvent('ld_a', 1)]);
    const b1 = leadRecord('ld_b', [crossingEvent('ld_b', 1)]);
    const a2 = leadRecord('ld_a', [crossingEvent('ld_a', 2)]);
    const c1 = leadRecord('ld_c', [crossingEvent('ld_c', 1)]);

    const response = await relayOver(bus.client)(streamEvent([a1, b1, a2, c1]), context(400));

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: sequenceOf(a1) },
      { itemIdentifier: sequenceOf(a2) },
    ]);
    expect(bus.delivered.sort()).toEqual(['ld_b:v1:threshold:mql:up', 'ld_c:v1:threshold:mql:up']);
    expect(bus.requests.flat()).not.toContain('ld_a:v2:threshold:mql:up');
  });

  it('It should retry while PutEvents fails for a while and then deliver every event exactly once', async () => {
    const bus = fakeBus((_id, call) => (call <= 4 ? 'throw' : 'accept'));
    const records = Array.from({ length: 12 }, (_, i) =>
      leadRecord(`ld_${i}`, [crossingEvent(`ld_${i}`, 1)]),
    );

    const response = await relayOver(bus.client)(streamEvent(records), context());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.delivered.sort()).toEqual(records.map((_, i) => `ld_${i}:v1:threshold:mql:up`).sort());
  });

  it('It should resend only the entries PutEvents refused', async () => {
    const refusedOnce = new Set<string>();
    const bus = fakeBus((id) => {
      if (!id.endsWith(':scored') || refusedOnce.has(id)) return 'accept';
      refusedOnce.add(id);
      return 'refuse';
    });
    const records = [
      leadRecord('ld_a', [scoredEvent('ld_a', 1), crossingEvent('ld_a', 1)]),
      leadRecord('ld_b', [scoredEvent('ld_b', 1), crossingEvent('ld_b', 1)]),
    ];

    const response = await relayOver(bus.client)(streamEvent(records), context());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.delivered.sort()).toEqual([
      'ld_a:v1:scored',
      'ld_a:v1:threshold:mql:up',
      'ld_b:v1:scored',
      'ld_b:v1:threshold:mql:up',
    ]);
  });

  it('It should fail the whole invocation when every record fails, so that the stream bisects the batch', async () => {
    const bus = fakeBus(() => 'throw');
    const records = [
      leadRecord('ld_a', [crossingEvent('ld_a', 1)]),
      leadRecord('ld_b', [crossingEvent('ld_b', 1)]),
    ];

    await expect(relayOver(bus.client)(streamEvent(records), context(300))).rejects.toBeInstanceOf(
      FullBatchFailureError,
    );
    expect(bus.delivered).toEqual([]);
  });

  it('It should pass over records without an outbox and report an unreadable outbox as failed', async () => {
    const bus = fakeBus();
    const silent = leadRecord('ld_a', []);
    const removal = { ...leadRecord('ld_b', [crossingEvent('ld_b', 1)]), eventName: 'REMOVE' as const };
    const eventItem = leadRecord('ld_c', [crossingEvent('ld_c', 1)]);
    if (eventItem.dynamodb?.NewImage) eventItem.dynamodb.NewImage.sk = { S: 'EVT#2026-11-25#e1' };
    const corrupt = leadRecord('ld_d', [crossingEvent('ld_d', 1)]);
    if (corrupt.dynamodb?.NewImage)
      corrupt.dynamodb.NewImage.outbox = { B: Buffer.from('not deflated').toString('base64') };
    const good = leadRecord('ld_e', [crossingEvent('ld_e', 1)]);

    const response = await relayOver(bus.client)(
      streamEvent([silent, removal, eventItem, corrupt, good]),
      context(),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(corrupt) }]);
    expect(bus.delivered).toEqual(['ld_e:v1:threshold:mql:up']);
  });
});
