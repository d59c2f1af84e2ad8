/**
 * The Slack notifier handler, run for real: DynamoDB Local for the dedupe records, a real
 * local HTTP server as the webhook, the outbox on disk.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-runtime.ts';
import { parseClientConfig } from '#shared/config/load.ts';
import type { BusEnvelope, ThresholdCrossedDetail } from '#shared/events/contracts.ts';
import type { NotificationOutcome } from '#shared/notify/outcome.ts';
import type { SlackMessage } from '#shared/notify/slack.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';
import { type HttpReceiver, startHttpReceiver } from '#test/support/http-receiver.ts';

const config = parseClientConfig({
  client: 'acme',
  displayName: 'Acme',
  model: { version: 'v1', fit: {}, engagement: {} },
  notifications: {
    email: { from: 'leads@acme.test' },
    routing: {
      rules: [
        {
          id: 'emea',
          when: [{ op: 'oneOf', field: 'country', values: ['DE'] }],
          owner: { name: 'Erika Mustermann', email: 'erika@acme.test' },
          slackChannel: '#sales-emea',
          emailTo: ['erika@acme.test'],
        },
      ],
      default: { owner: { name: 'Sam Rivera', email: 'sam@acme.test' }, slackChannel: '#sales' },
    },
  },
});

const envelope = (overrides: Partial<ThresholdCrossedDetail> = {}): BusEnvelope<ThresholdCrossedDetail> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Lead Threshold Crossed',
  source: 'leadscore.acme',
  account: '000000000000',
  time: '2025-03-01T06:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    id: `evt-${randomUUID()}`,
    leadId: 'ld_42',
    email: 'jane@bigcorp.test',
    name: 'Jane <b>Doe</b>',
    company: 'BigCorp',
    oldScore: 80,
    newScore: 105,
    oldSegment: 'warm',
    newSegment: 'hot',
    grade: 'A',
    lifecycle: 'mql',
    owner: { name: 'Erika Mustermann', email: 'erika@acme.test' },
    topReasons: ['Visited pricing 3 times (+30)', 'Requested a demo (+40)'],
    modelVersion: 'v1',
    time: '2025-03-01T06:00:00.000Z',
    cause: 'form_submit',
    threshold: 'mql',
    thresholdScore: 100,
    direction: 'up',
    ...overrides,
  },
});

const lambdaContext = (): Context =>
  createLambdaContext({ functionName: 'leadscore-acme-notify-slack', memoryLimitInMB: 256 });

type Handler = (event: unknown, context: Context) => Promise<NotificationOutcome>;

let receiver: HttpReceiver;
const dynamo = testDynamoClient();
const outboxDirs: string[] = [];

/**
 * Loads the handler module afresh with this environment (it reads its env at cold start).
 * Logs and metrics stay quiet unless the test looks at them (`observe`).
 */
async function coldStart({ webhook = true, observe = false } = {}) {
  const tableName = await freshTable('notify-slack');
  const outboxDir = await mkdtemp(join(tmpdir(), 'leadscore-outbox-'));
  outboxDirs.push(outboxDir);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    CLIENT_NAME: 'acme',
    LEAD_URL_BASE: 'http://127.0.0.1:3000',
    LEADSCORE_OUTBOX_DIR: outboxDir,
    LEADSCORE_DYNAMODB_ENDPOINT: testDynamoEndpoint(),
    LEADSCORE_CLIENT_CONFIG: JSON.stringify(config),
    POWERTOOLS_SERVICE_NAME: 'notify-slack',
    POWERTOOLS_METRICS_NAMESPACE: 'leadscore',
    POWERTOOLS_LOG_LEVEL: observe ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: observe ? 'false' : 'true',
  });
  if (webhook) process.env.LEADSCORE_SLACK_WEBHOOK_URL = `${receiver.url}/services/T000/B000/XXXX`;
  else delete process.env.LEADSCORE_SLACK_WEBHOOK_URL;
  vi.resetModules();
  const module = await import('#functions/notify-slack/handler.ts');
  return { handler: module.handler as unknown as Handler, tableName, outboxDir };
}

/** Dedupe records of the Slack channel in a table. */
async function dedupeRecords(tableName: string) {
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'NOTIFY#slack' } },
    }),
  );
  return Items.map((item) => ({
    pk: item.pk?.S,
    status: item.status?.S,
    expiresAt: Number(item.expiresAt?.N),
  }));
}

/** Everything the process writes to stdout/stderr while `run` runs, as parsed JSON log lines. */
async function capturingLogs<T>(
  run: () => Promise<T>,
): Promise<{ logs: Record<string, unknown>[]; result: PromiseSettledResult<T> }> {
  // Captured, not printed: a passing run shows no log of the failures it provokes on purpose.
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const [result] = await Promise.allSettled([run()]);
    const lines = [...out.mock.calls, ...err.mock.calls].flatMap(([chunk]) => String(chunk).split('\n'));
    const logs = lines.flatMap((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
    return { logs, result: result as PromiseSettledResult<T> };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function outboxFiles(outboxDir: string) {
  const dir = join(outboxDir, 'slack');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.map(async (name) => ({ name, content: await readFile(join(dir, name), 'utf8') })));
}

beforeAll(async () => {
  receiver = await startHttpReceiver();
});

afterEach(() => {
  receiver.reset({ clear: true });
});

afterAll(async () => {
  await receiver.close();
  dynamo.destroy();
  await Promise.all(outboxDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('notify-slack handler', () => {
  it('It should post a Block Kit message about the lead to the routed webhook and the outbox', async () => {
    const { handler, outboxDir } = await coldStart();
    const event = envelope();

    const outcome = await handler(event, lambdaContext());

    expect(outcome).toMatchObject({ status: 'sent', delivered: ['webhook', 'outbox'], ruleId: 'emea' });
    const [post] = await receiver.waitForDelivered(1);
    expect(post?.path).toBe('/services/T000/B000/XXXX');
    expect(post?.headers['content-type']).toBe('application/json');
    const message = post?.json<SlackMessage>();
    expect(message?.channel).toBe('#sales-emea');
    expect(message?.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: ':dart: Jane <b>Doe</b> (BigCorp) crossed the mql threshold' },
    });
    expect(JSON.stringify(message?.blocks)).toContain('*Name*\\nJane &lt;b&gt;Doe&lt;/b&gt;');
    expect(JSON.stringify(message?.blocks)).toContain('Requested a demo (+40)');
    expect(message?.blocks).toContainEqual(
      expect.objectContaining({
        type: 'actions',
        elements: [expect.objectContaining({ url: 'http://127.0.0.1:3000/v1/leads/ld_42' })],
      }),
    );

    const files = await outboxFiles(outboxDir);
    expect(files).toHaveLength(1);
    expect(files[0]?.name).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z-${event.detail.id}\\.json$`));
    expect(JSON.parse(files[0]?.content ?? '')).toEqual(message);
  });

  it('It should retry a 500 and post once', async () => {
    const { handler, tableName } = await coldStart();
    receiver.failNext(1, { status: 500, body: 'oops' });

    const outcome = await handler(envelope(), lambdaContext());

    expect(outcome.status).toBe('sent');
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(receiver.delivered()).toHaveLength(1);
    const [record] = await dedupeRecords(tableName);
    expect(record).toMatchObject({ pk: 'NOTIFY#slack', status: 'COMPLETED' });
    const inDays = ((record?.expiresAt ?? 0) - Date.now() / 1000) / 86_400;
    expect(inDays).toBeGreaterThan(2.9);
    expect(inDays).toBeLessThan(3.1);
  });

  it('It should report a 404 (error logged, thrown for the dead-letter queue) and resend on a later retry', async () => {
    const { handler, tableName, outboxDir } = await coldStart({ observe: true });
    const event = envelope();
    receiver.failAlways({ status: 404, body: 'no_service' });

    const { logs, result } = await capturingLogs(() => handler(event, lambdaContext()));

    expect(result.status).toBe('rejected');
    expect(result.status === 'rejected' && result.reason).toMatchObject({
      name: 'SlackDeliveryError',
      permanent: true,
      status: 404,
    });
    expect(receiver.requests).toHaveLength(1);
    const errorLog = logs.find((log) => log.level === 'ERROR');
    expect(errorLog).toMatchObject({
      message: expect.stringContaining('Slack answered 404 no_service'),
      notification: { channel: 'slack', eventId: event.detail.id },
      error: { name: 'SlackDeliveryError', permanent: true },
    });
    expect(logs).toContainEqual(expect.objectContaining({ NotificationsFailed: 1 }));
    expect(await dedupeRecords(tableName)).toEqual([]);
    expect(await outboxFiles(outboxDir)).toEqual([]);

    receiver.reset();
    const retry = await handler(event, lambdaContext());

    expect(retry.status).toBe('sent');
    expect(receiver.delivered()).toHaveLength(1);
    expect(await outboxFiles(outboxDir)).toHaveLength(1);
  });

  it('It should post once when the same event is delivered twice in a row', async () => {
    const { handler, outboxDir } = await coldStart();
    const event = envelope();

    const first = await handler(event, lambdaContext());
    const second = await handler(structuredClone(event), lambdaContext());

    expect(first.status).toBe('sent');
    expect(second).toMatchObject({ status: 'duplicate', delivered: ['webhook', 'outbox'] });
    expect(receiver.requests).toHaveLength(1);
    expect(await outboxFiles(outboxDir)).toHaveLength(1);
  });

  it('It should post once when the same event is delivered concurrently', async () => {
    const { handler, outboxDir } = await coldStart();
    const event = envelope();
    receiver.delayAnswers(300);

    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => handler(structuredClone(event), lambdaContext())),
    );

    expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(1);
    // The others waited for the one in progress and found it done.
    expect(outcomes.filter((o) => o.status !== 'sent').map((o) => o.status)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(receiver.requests).toHaveLength(1);
    expect(await outboxFiles(outboxDir)).toHaveLength(1);
  });

  it('It should still post other events of the same lead', async () => {
    const { handler } = await coldStart();

    await handler(envelope(), lambdaContext());
    await handler(envelope(), lambdaContext());

    expect(receiver.delivered()).toHaveLength(2);
  });

  it('It should report a malformed envelope with the bad fields and post nothing', async () => {
    const { handler } = await coldStart({ observe: true });
    const event = envelope();
    const broken = { ...event, detail: { ...event.detail, newScore: 'lots', leadId: undefined } };

    const { logs, result } = await capturingLogs(() => handler(broken, lambdaContext()));

    expect(result.status === 'rejected' && result.reason).toMatchObject({ name: 'MalformedEnvelopeError' });
    expect(logs.find((log) => log.level === 'ERROR')).toMatchObject({
      error: { issues: expect.arrayContaining([expect.stringMatching(/^detail\.newScore/)]) },
    });
    expect(receiver.requests).toEqual([]);
  });

  it('It should write only the outbox when no webhook URL is configured locally', async () => {
    const { handler, outboxDir } = await coldStart({ webhook: false });
    const event = envelope({ owner: null });

    const outcome = await handler(event, lambdaContext());

    expect(outcome).toMatchObject({ status: 'sent', delivered: ['outbox'], ruleId: 'default' });
    expect(receiver.requests).toEqual([]);
    const [file] = await outboxFiles(outboxDir);
    expect(JSON.parse(file?.content ?? '')).toMatchObject({ channel: '#sales' });
  });

  it('It should log the outcome and a NotificationsSent metric', async () => {
    const { handler } = await coldStart({ observe: true });

    const { logs } = await capturingLogs(() => handler(envelope(), lambdaContext()));

    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'slack notification sent',
        function_name: 'leadscore-acme-notify-slack',
      }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ NotificationsSent: 1, channel: 'slack' }));
  });
});
