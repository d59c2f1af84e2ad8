/**
 * A notification found "in progress" (PRODUCT §4.4) is not done: its first attempt may have died
 * mid-way. Against DynamoDB Local, with the Powertools idempotency records of the real dedupe:
 * a retry after the first attempt's in-progress expiry delivers, and a retry while it is still
 * in progress fails (so that the delivery is retried) instead of succeeding silently.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLambdaContext } from '#local/lambda-runtime.ts';
import { parseClientConfig } from '#shared/config/load.ts';
import type { BusEnvelope, ThresholdCrossedDetail } from '#shared/events/contracts.ts';
import { NotificationDedupe, NotificationInProgressError } from '#shared/notify/dedupe.ts';
import type { SlackMessage } from '#shared/notify/slack.ts';
import { createSlackNotifier } from '#shared/notify/slack-notifier.ts';
import { freshTable, testDynamoClient } from '#test/support/dynamo.ts';
import { crossingEvent } from '#test/support/outgoing-events.ts';

const config = parseClientConfig({
  client: 'acme',
  displayName: 'Acme',
  model: { version: 'v1', fit: {}, engagement: {} },
  notifications: {
    email: { from: 'leads@acme.test' },
    routing: { default: { owner: { name: 'Sam Rivera', email: 'sam@acme.test' }, slackChannel: '#sales' } },
  },
});

const dynamo = testDynamoClient();
const dirs: string[] = [];
afterAll(async () => {
  dynamo.destroy();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

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

/** An invocation of the notifier with `timeoutMs` to live (Lambda's context). */
const invocation = (timeoutMs: number) =>
  createLambdaContext({ functionName: 'leadscore-acme-notify-slack', timeoutMs });

const never = () => new Promise<never>(() => {});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('Notifier: a delivery in progress', () => {
  let posts: SlackMessage[];
  let post: (url: string, message: SlackMessage) => Promise<unknown>;
  let outboxDir: string;
  let notify: ReturnType<typeof createSlackNotifier>;

  beforeEach(async () => {
    const tableName = await freshTable('notify-in-progress');
    outboxDir = await mkdtemp(join(tmpdir(), 'leadscore-outbox-'));
    dirs.push(outboxDir);
    posts = [];
    post = async (_url, message) => {
      posts.push(message);
    };
    notify = createSlackNotifier({
      config,
      leadUrlBase: 'http://127.0.0.1:3000',
      dedupe: new NotificationDedupe({ tableName, channel: 'slack', client: dynamo }),
      webhookUrlFor: async () => 'https://hooks.slack.test/services/T/B/X',
      outboxDir,
      post: (url, message) => post(url, message),
    });
  });

  const outboxFiles = async () => readdir(join(outboxDir, 'slack')).catch(() => [] as string[]);

  it('It should deliver on a retry once the in-progress record of an attempt that died has expired', async () => {
    // The first attempt stores its in-progress record, then dies while posting (1 s to live).
    let calls = 0;
    post = async (_url, message) => {
      calls += 1;
      if (calls === 1) return never();
      posts.push(message);
    };
    const firstDiesAt = Date.now() + 1_000;
    void notify(envelope('ld_died'), invocation(1_000)).catch(() => {});
    await until(() => calls === 1);

    const started = Date.now();
    const retry = await notify(envelope('ld_died'), invocation(10_000));

    expect(retry.status).toBe('sent');
    // It waited for the first attempt's record to expire (at its timeout), not for its own.
    expect(Date.now()).toBeGreaterThanOrEqual(firstDiesAt);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(posts).toHaveLength(1);
    expect(await outboxFiles()).toHaveLength(1);
  });

  it('It should fail a retry while the first attempt is still in progress, then send once', async () => {
    let finishFirst: (() => void) | undefined;
    post = (_url, message) =>
      new Promise((resolve) => {
        finishFirst = () => {
          posts.push(message);
          resolve(undefined);
        };
      });
    const first = notify(envelope('ld_slow'), invocation(20_000));
    await until(() => finishFirst !== undefined);

    const retry = notify(envelope('ld_slow'), invocation(1_500));

    await expect(retry).rejects.toBeInstanceOf(NotificationInProgressError);
    expect(posts).toEqual([]);
    finishFirst?.();
    expect((await first).status).toBe('sent');
    const later = await notify(envelope('ld_slow'), invocation(5_000));
    expect(later.status).toBe('duplicate');
    expect(posts).toHaveLength(1);
    expect(await outboxFiles()).toHaveLength(1);
  });

  it('It should wait for a delivery of the same change running alongside and report a duplicate', async () => {
    post = async (_url, message) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      posts.push(message);
    };

    const outcomes = await Promise.all([
      notify(envelope('ld_pair'), invocation(10_000)),
      notify(envelope('ld_pair'), invocation(10_000)),
    ]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'sent']);
    expect(posts).toHaveLength(1);
    expect(await outboxFiles()).toHaveLength(1);
  });
});
