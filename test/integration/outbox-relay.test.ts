/**
 * The transactional outbox from the table on (PRODUCT §4.1): lead items written with an outbox
 * on DynamoDB Local, its real stream read by the local poller, the relay putting the events on
 * the local bus through the real EventBridge client, the bus's rules delivering to the Slack and
 * email notifiers, which write the local outbox and dedupe in the same table.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClientConfig } from '#local/dynamodb-local.ts';
import { type BusTarget, LocalEventBus } from '#local/event-bus.ts';
import { createLambdaContext, invokeHandler } from '#local/lambda-runtime.ts';
import { type StreamPoller, startStreamPoller } from '#local/stream-poller.ts';
import { parseClientConfig } from '#shared/config/load.ts';
import {
  DETAIL_TYPES,
  notificationPatterns,
  type OutgoingEvent,
  sourceFor,
} from '#shared/events/contracts.ts';
import { OUTBOX_STREAM } from '#shared/events/outbox-stream.ts';
import { coalescingPublisher } from '#shared/events/publisher.ts';
import { createOutboxRelay } from '#shared/events/relay.ts';
import { NotificationDedupe } from '#shared/notify/dedupe.ts';
import { createEmailNotifier } from '#shared/notify/email-notifier.ts';
import { createSlackNotifier } from '#shared/notify/slack-notifier.ts';
import { encodeOutbox } from '#shared/store/outbox.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';
import { injectPutEventsOutage } from '#test/support/fault-injection.ts';
import { crossingEvent, scoredEvent } from '#test/support/outgoing-events.ts';

const config = parseClientConfig({
  client: 'acme',
  displayName: 'Acme',
  model: { version: 'v1', fit: {}, engagement: {} },
  notifications: {
    email: { from: 'leads@acme.test' },
    routing: { default: { owner: { name: 'Sam Rivera', email: 'sam@acme.test' }, slackChannel: '#sales' } },
  },
});

let dynamo: DynamoDBClient;
beforeAll(() => {
  dynamo = testDynamoClient();
});
afterAll(() => dynamo.destroy());

describe('Outbox relay over the stream', () => {
  let dataDir: string;
  let tableName: string;
  let bus: LocalEventBus;
  let eventBridge: EventBridgeClient;
  let streams: DynamoDBStreamsClient;
  let poller: StreamPoller | undefined;
  const onBus: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadscore-relay-'));
    tableName = await freshTable('outbox-relay');
    const outboxDir = join(dataDir, 'outbox');
    const dedupe = (channel: 'slack' | 'email') =>
      new NotificationDedupe({ tableName, channel, client: dynamo });
    const slack = createSlackNotifier({
      config,
      leadUrlBase: 'http://127.0.0.1:3000',
      dedupe: dedupe('slack'),
      webhookUrlFor: async () => undefined,
      outboxDir,
    });
    const email = createEmailNotifier({
      config,
      leadUrlBase: 'http://127.0.0.1:3000',
      dedupe: dedupe('email'),
      outboxDir,
    });
    const target = (name: string, notify: typeof slack): BusTarget => ({
      name,
      invoke: async (envelope) => {
        // The notifiers' timeout as deployed: a slow first attempt is waited for, not overtaken.
        await notify(envelope, createLambdaContext({ functionName: name, timeoutMs: 30_000 }));
      },
    });
    const patterns = notificationPatterns(config.client, config.notifications.notifyOn);
    const targets = [target('notify-slack', slack), target('notify-email', email)];
    bus = new LocalEventBus({
      name: 'leadscore-acme',
      dataDir,
      retry: { attempts: 3, baseDelayMs: 10 },
      rules: [
        { name: 'threshold-crossed', pattern: patterns.thresholdCrossed, targets },
        { name: 'segment-changed', pattern: patterns.segmentChanged, targets },
      ],
      onEvent: (envelope) => onBus.push((envelope.detail as { id: string }).id),
    });
    const endpoint = await bus.listen();
    eventBridge = new EventBridgeClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    streams = new DynamoDBStreamsClient(localDynamoClientConfig(testDynamoEndpoint()));
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  afterAll(async () => {
    await bus.close();
    eventBridge.destroy();
    streams.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startRelay(): Promise<StreamPoller> {
    const relay = createOutboxRelay({
      publish: coalescingPublisher(eventBridge, {
        busName: bus.name,
        source: sourceFor('acme'),
        attempts: 2,
        baseDelayMs: 5,
      }),
      reserveMs: 200,
      retryDelayMs: 20,
      maxRetryDelayMs: 100,
    });
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return startStreamPoller({
      streams,
      streamArn: Table?.LatestStreamArn as string,
      invoke: (event) =>
        invokeHandler(relay, event, { functionName: 'leadscore-acme-outbox-relay', timeoutMs: 2_000 }),
      checkpointFile: join(dataDir, 'stream-checkpoints.json'),
      filter: OUTBOX_STREAM.filter,
      beforeCheckpoint: () => bus.whenIdle(),
      pollIntervalMs: 20,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
  }

  /** Writes a lead item whole, as the lead store does, with the events of that write in its outbox. */
  async function writeLead(leadId: string, version: number, events: OutgoingEvent[]): Promise<void> {
    const outbox = encodeOutbox(events);
    await dynamo.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `LEAD#${leadId}` },
          sk: { S: 'LEAD' },
          version: { N: String(version) },
          ...(outbox ? { outbox: { B: outbox } } : {}),
        },
      }),
    );
  }

  const outboxFiles = async (channel: 'slack' | 'email') =>
    (await readdir(join(dataDir, 'outbox', channel)).catch(() => [] as string[])).filter(
      (f) => !f.endsWith('.tmp'),
    );

  it('It should deliver every event once PutEvents recovers from an outage, and notify once per change', async () => {
    const outage = injectPutEventsOutage(eventBridge);
    outage.down();
    const changes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const leadId = `ld_outage${i}`;
      const crossing = crossingEvent(leadId, 1);
      const hot: OutgoingEvent = {
        detailType: DETAIL_TYPES.segmentChanged,
        detail: { ...scoredEvent(leadId, 1).detail, id: `${leadId}:v1:segment` },
      };
      await writeLead(leadId, 1, [scoredEvent(leadId, 1), crossing, hot]);
      // A second write of some leads: its events must follow the first write's.
      if (i % 3 === 0) await writeLead(leadId, 2, [scoredEvent(leadId, 2)]);
      // A write that emitted nothing is filtered out.
      if (i % 4 === 0) await writeLead(leadId, 3, []);
      changes.push(`${leadId}:v1`);
    }

    poller = await startRelay();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(outage.injected().requests).toBeGreaterThan(1);
    expect(onBus).toEqual([]);

    outage.flaky(0.3, 7);
    await new Promise((resolve) => setTimeout(resolve, 500));
    outage.up();
    await poller.whenIdle();
    await bus.whenIdle();
    outage.remove();

    const expected = changes.flatMap((change) => [
      `${change}:scored`,
      `${change}:threshold:mql:up`,
      `${change}:segment`,
    ]);
    const second = changes.filter((_, i) => i % 3 === 0).map((change) => change.replace(':v1', ':v2:scored'));
    expect(new Set(onBus)).toEqual(new Set([...expected, ...second]));
    expect(outage.injected().entries).toBeGreaterThan(0);
    // Redelivered events are harmless downstream: one message and one email per change.
    for (const channel of ['slack', 'email'] as const) {
      const files = await outboxFiles(channel);
      expect(files).toHaveLength(changes.length);
      for (const change of changes)
        expect(files.filter((f) => f.includes(change.replace(':', '_')))).toHaveLength(1);
    }
  });
});
