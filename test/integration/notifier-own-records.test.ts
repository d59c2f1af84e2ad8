/**
 * What IAM lets a notifier write (`dynamodb:LeadingKeys`, `cdk/constructs/leadscore-function.ts`)
 * is what it writes: both notifiers run for real on DynamoDB Local (dedupe records, delivery log),
 * and every item they leave has a partition key the grant's patterns allow; erasing the lead
 * then removes those records.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '#local/lambda-runtime.ts';
import { documentClient } from '#shared/clients/aws.ts';
import { parseClientConfig } from '#shared/config/load.ts';
import type { BusEnvelope, ThresholdCrossedDetail } from '#shared/events/contracts.ts';
import { NotificationDedupe, notificationForgetter } from '#shared/notify/dedupe.ts';
import { notificationLogger } from '#shared/notify/delivery-log.ts';
import { createEmailNotifier } from '#shared/notify/email-notifier.ts';
import { createSlackNotifier } from '#shared/notify/slack-notifier.ts';
import { LeadRepository } from '#shared/store/lead-repository.ts';
import { notifierLeadingKeys } from '#shared/store/notification-keys.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { crossingEvent } from '#test/support/outgoing-events.ts';

const config = parseClientConfig({
  client: 'acme',
  displayName: 'Acme',
  model: { version: 'v1', fit: {}, engagement: {} },
  notifications: {
    email: { from: 'leads@acme.test' },
    routing: {
      default: {
        owner: { name: 'Sam Rivera', email: 'sam@acme.test' },
        slackChannel: '#sales',
        emailTo: ['sam@acme.test'],
      },
    },
  },
});
const dynamo = testDynamoClient();
const doc = documentClient(dynamo);
const dirs: string[] = [];
afterAll(async () => {
  dynamo.destroy();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** IAM's StringLike on one value: `*` matches any run of characters. */
const stringLike = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

const envelope = (leadId: string): BusEnvelope<ThresholdCrossedDetail> => ({
  version: '0',
  id: `envelope-${leadId}`,
  'detail-type': 'Lead Threshold Crossed',
  source: 'leadscore.acme',
  account: '000000000000',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: crossingEvent(leadId, 1).detail as ThresholdCrossedDetail,
});

describe('the notifiers’ own records', () => {
  it('It should write only partitions the LeadingKeys grant allows, all erased with the lead', async () => {
    const tableName = await freshTable('notifier-own-records');
    const outboxDir = await mkdtemp(join(tmpdir(), 'leadscore-outbox-'));
    dirs.push(outboxDir);
    const leadId = 'ld_0123456789abcdefghijkl';
    const context = createLambdaContext({ functionName: 'leadscore-acme-notify', timeoutMs: 10_000 });
    const slack = createSlackNotifier({
      config,
      leadUrlBase: 'http://127.0.0.1:3000',
      dedupe: new NotificationDedupe({ tableName, channel: 'slack', client: dynamo }),
      webhookUrlFor: async () => undefined,
      outboxDir,
      logDelivery: notificationLogger(doc, tableName, 'slack', config),
    });
    const email = createEmailNotifier({
      config,
      leadUrlBase: 'http://127.0.0.1:3000',
      dedupe: new NotificationDedupe({ tableName, channel: 'email', client: dynamo }),
      outboxDir,
      logDelivery: notificationLogger(doc, tableName, 'email', config),
    });
    expect((await slack(envelope(leadId), context)).status).toBe('sent');
    expect((await email(envelope(leadId), context)).status).toBe('sent');

    const scan = async () => (await doc.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    const items = await scan();
    const byChannel = {
      slack: items.filter((i) => String(i.pk).includes('slack') || i.channel === 'slack'),
      email: items.filter((i) => String(i.pk).includes('email') || i.channel === 'email'),
    };
    for (const [channel, written] of Object.entries(byChannel)) {
      expect(written.length, channel).toBe(2); // the dedupe record and the delivery-log entry
      for (const item of written) {
        const allowed = notifierLeadingKeys(channel).some((pattern) => stringLike(pattern, String(item.pk)));
        expect(allowed, `${channel} wrote ${item.pk}`).toBe(true);
      }
    }
    // Never the lead's own partition.
    expect(items.map((i) => String(i.pk))).not.toContain(`LEAD#${leadId}`);

    const erased = await new LeadRepository(doc, tableName).eraseLead(
      leadId,
      notificationForgetter({ tableName, client: dynamo }),
    );
    expect(erased.notifications).toHaveLength(2);
    expect(await scan()).toEqual([]);
  }, 60_000);
});
