import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DeadLetter, type DeliveryReport, LocalEventBus } from '#local/event-bus.ts';
import {
  type BusEnvelope,
  DETAIL_TYPES,
  notificationPatterns,
  type SegmentChangedDetail,
  segmentChangedDetail,
  sourceFor,
  type ThresholdCrossedDetail,
  thresholdCrossedDetail,
} from '#shared/events/contracts.ts';

const CLIENT = 'example';
const BUS_NAME = 'leadscore-example';

const lead = {
  id: 'evt-1',
  leadId: 'lead-ada',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  company: 'Analytical Engines',
  oldScore: 90,
  newScore: 120,
  oldSegment: 'warm',
  newSegment: 'hot',
  grade: 'A',
  lifecycle: 'mql',
  owner: { name: 'Sam Rivera', email: 'sam@example-analytics.com' },
  topReasons: ['Demo request form +30', 'Senior title +20'],
  modelVersion: '2026-11-01',
  time: '2026-11-25T12:00:00.000Z',
  cause: 'form_submit',
};

const crossed = (direction: 'up' | 'down'): ThresholdCrossedDetail =>
  thresholdCrossedDetail.parse({ ...lead, threshold: 'mql', thresholdScore: 100, direction });
const segmentChanged = (newSegment: string): SegmentChangedDetail =>
  segmentChangedDetail.parse({ ...lead, newSegment });

function entry(detailType: string, detail: unknown, overrides: Partial<PutEventsRequestEntry> = {}) {
  return {
    EventBusName: BUS_NAME,
    Source: sourceFor(CLIENT),
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    ...overrides,
  } satisfies PutEventsRequestEntry;
}

describe('Local event bus', () => {
  let dataDir: string;
  let bus: LocalEventBus;
  let client: EventBridgeClient;
  let thresholdInbox: BusEnvelope[];
  let segmentInbox: BusEnvelope[];
  let failingCalls: number;
  let reports: DeliveryReport[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadscore-bus-'));
    // The very pattern objects the CDK stack deploys as EventBridge rules.
    const patterns = notificationPatterns(CLIENT, { thresholds: ['mql'], segments: ['hot'] });
    bus = new LocalEventBus({
      name: BUS_NAME,
      dataDir,
      retry: { attempts: 3, baseDelayMs: 5 },
      onDelivery: (report) => reports.push(report),
      rules: [
        {
          name: 'threshold-crossed',
          pattern: patterns.thresholdCrossed,
          targets: [{ name: 'notify-slack', invoke: async (envelope) => void thresholdInbox.push(envelope) }],
        },
        {
          name: 'segment-changed',
          pattern: patterns.segmentChanged,
          targets: [
            { name: 'notify-email', invoke: async (envelope) => void segmentInbox.push(envelope) },
            {
              name: 'broken-webhook',
              invoke: async () => {
                failingCalls += 1;
                throw new Error('webhook answered 500');
              },
            },
          ],
        },
      ],
    });
    const endpoint = await bus.listen();
    client = new EventBridgeClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  beforeEach(() => {
    thresholdInbox = [];
    segmentInbox = [];
    failingCalls = 0;
    reports = [];
  });

  afterAll(async () => {
    client.destroy();
    await bus.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('It should accept PutEvents from the real SDK client and deliver envelopes to matching rules only', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(DETAIL_TYPES.thresholdCrossed, crossed('up'), { Time: new Date('2026-11-25T12:00:00Z') }),
          entry(DETAIL_TYPES.thresholdCrossed, crossed('down')),
          entry(DETAIL_TYPES.scored, { ...lead }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries).toHaveLength(3);
    await bus.whenIdle();

    expect(thresholdInbox).toHaveLength(1);
    const envelope = thresholdInbox[0] as BusEnvelope;
    expect(envelope).toEqual({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      'detail-type': 'Lead Threshold Crossed',
      source: 'leadscore.example',
      account: '000000000000',
      time: '2026-11-25T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: crossed('up'),
    });
    // A downward crossing and a plain "Lead Scored" match no notification rule.
    expect(segmentInbox).toHaveLength(0);
  });

  it('It should retry a failing target and then keep the event in the dead-letter file', async () => {
    const result = await client.send(
      new PutEventsCommand({ Entries: [entry(DETAIL_TYPES.segmentChanged, segmentChanged('hot'))] }),
    );
    const eventId = result.Entries?.[0]?.EventId;
    await bus.whenIdle();

    expect(segmentInbox.map((e) => e.id)).toEqual([eventId]);
    expect(failingCalls).toBe(3);
    expect(reports.filter((r) => r.target === 'broken-webhook').map((r) => r.outcome)).toEqual([
      'retrying',
      'retrying',
      'dead-lettered',
    ]);

    const lines = (await readFile(bus.deadLetterFile, 'utf8')).trim().split('\n');
    const deadLetter = JSON.parse(lines.at(-1) ?? '{}') as DeadLetter;
    expect(deadLetter).toMatchObject({
      rule: 'segment-changed',
      target: 'broken-webhook',
      attempts: 3,
      error: { message: 'webhook answered 500' },
      envelope: { id: eventId, 'detail-type': 'Lead Segment Changed', detail: { newSegment: 'hot' } },
    });
  });

  it('It should not deliver a segment change to a segment that does not notify', async () => {
    await client.send(
      new PutEventsCommand({ Entries: [entry(DETAIL_TYPES.segmentChanged, segmentChanged('warm'))] }),
    );
    await bus.whenIdle();
    expect(segmentInbox).toHaveLength(0);
    expect(failingCalls).toBe(0);
  });

  it('It should reject invalid entries one by one and count them in FailedEntryCount', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(DETAIL_TYPES.thresholdCrossed, crossed('up')),
          { ...entry(DETAIL_TYPES.scored, {}), Detail: '[1, 2]' },
          { ...entry(DETAIL_TYPES.scored, {}), Detail: 'not json' },
          { ...entry(DETAIL_TYPES.scored, {}), Source: undefined },
          entry(DETAIL_TYPES.scored, {}, { Source: 'aws.ec2' }),
          entry(DETAIL_TYPES.scored, {}, { EventBusName: 'someone-elses-bus' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(5);
    expect(result.Entries?.[0]?.EventId).toBeTruthy();
    expect(result.Entries?.slice(1).map((e) => e.ErrorCode)).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
    ]);
    await bus.whenIdle();
    expect(thresholdInbox).toHaveLength(1);
  });

  it('It should reject a request over EventBridge limits as a whole', async () => {
    const eleven = Array.from({ length: 11 }, () => entry(DETAIL_TYPES.scored, { ...lead }));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const huge = entry(DETAIL_TYPES.scored, { padding: 'x'.repeat(256 * 1024) });
    await expect(client.send(new PutEventsCommand({ Entries: [huge] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('It should accept events put from the same process', async () => {
    const result = bus.put([entry(DETAIL_TYPES.thresholdCrossed, crossed('up'))]);
    expect(result.FailedEntryCount).toBe(0);
    await bus.whenIdle();
    expect(thresholdInbox).toHaveLength(1);
    expect(reports).toContainEqual(expect.objectContaining({ target: 'notify-slack', outcome: 'delivered' }));
  });
});
