/**
 * The email notifier handler, run for real: DynamoDB Local for the dedupe records, a real
 * SMTP server (smtp-server + mailparser), the outbox on disk.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-runtime.ts';
import { parseClientConfig } from '#shared/config/load.ts';
import type { BusEnvelope, SegmentChangedDetail } from '#shared/events/contracts.ts';
import type { NotificationOutcome } from '#shared/notify/outcome.ts';
import { freshTable, testDynamoClient, testDynamoEndpoint } from '#test/support/dynamo.ts';
import { type SmtpReceiver, startSmtpReceiver } from '#test/support/smtp-receiver.ts';

const config = parseClientConfig({
  client: 'acme',
  displayName: 'Acme',
  model: { version: 'v1', fit: {}, engagement: {} },
  notifications: {
    email: { from: 'leads@acme.test' },
    routing: {
      rules: [
        {
          id: 'healthcare',
          when: [{ op: 'equals', field: 'industry', value: 'healthcare' }],
          owner: { name: 'Priya Shah', email: 'priya@acme.test' },
          emailTo: ['priya@acme.test', 'health-team@acme.test'],
        },
      ],
      default: { owner: { name: 'Sam Rivera', email: 'sam@acme.test' }, emailTo: ['sales@acme.test'] },
    },
  },
});

const envelope = (overrides: Partial<SegmentChangedDetail> = {}): BusEnvelope<SegmentChangedDetail> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Lead Segment Changed',
  source: 'leadscore.acme',
  account: '000000000000',
  time: '2025-03-01T06:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    id: `evt-${randomUUID()}`,
    leadId: 'ld_7',
    email: 'jane@clinic.test',
    name: 'Jane <script>x</script> Doe',
    company: 'Clinic & Co',
    oldScore: 40,
    newScore: 110,
    oldSegment: 'warm',
    newSegment: 'hot',
    grade: 'A',
    lifecycle: 'mql',
    owner: { name: 'Priya Shah', email: 'priya@acme.test' },
    topReasons: ['Requested a demo (+40)'],
    modelVersion: 'v1',
    time: '2025-03-01T06:00:00.000Z',
    cause: 'evt_123',
    ...overrides,
  },
});

const lambdaContext = (): Context =>
  createLambdaContext({ functionName: 'leadscore-acme-notify-email', memoryLimitInMB: 256 });

type Handler = (event: unknown, context: Context) => Promise<NotificationOutcome>;

let smtp: SmtpReceiver;
const dynamo = testDynamoClient();
const outboxDirs: string[] = [];

/** Loads the handler module afresh with this environment (it reads its env at cold start). */
async function coldStart({ smtpServer = true } = {}) {
  const tableName = await freshTable('notify-email');
  const outboxDir = await mkdtemp(join(tmpdir(), 'leadscore-outbox-'));
  outboxDirs.push(outboxDir);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    CLIENT_NAME: 'acme',
    LEAD_URL_BASE: 'http://127.0.0.1:3000',
    LEADSCORE_OUTBOX_DIR: outboxDir,
    LEADSCORE_DYNAMODB_ENDPOINT: testDynamoEndpoint(),
    LEADSCORE_CLIENT_CONFIG: JSON.stringify(config),
    POWERTOOLS_SERVICE_NAME: 'notify-email',
    POWERTOOLS_METRICS_NAMESPACE: 'leadscore',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  if (smtpServer) process.env.LEADSCORE_SMTP_URL = smtp.url;
  else delete process.env.LEADSCORE_SMTP_URL;
  vi.resetModules();
  const module = await import('#functions/notify-email/handler.ts');
  return { handler: module.handler as unknown as Handler, tableName, outboxDir };
}

async function outboxFiles(outboxDir: string) {
  const dir = join(outboxDir, 'email');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.map(async (name) => ({ name, content: await readFile(join(dir, name)) })));
}

async function dedupeRecordCount(tableName: string) {
  const { Count = 0 } = await dynamo.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'NOTIFY#email' } },
      Select: 'COUNT',
    }),
  );
  return Count;
}

beforeAll(async () => {
  smtp = await startSmtpReceiver();
});

afterEach(() => {
  smtp.messages.length = 0;
  smtp.rejectNext(0);
});

afterAll(async () => {
  await smtp.close();
  dynamo.destroy();
  await Promise.all(outboxDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('notify-email handler', () => {
  it('It should mail the routed recipients a text and HTML message about the lead', async () => {
    const { handler } = await coldStart();

    const outcome = await handler(envelope(), lambdaContext());

    expect(outcome).toMatchObject({
      status: 'sent',
      delivered: ['smtp', 'outbox'],
      ruleId: 'healthcare',
      recipients: ['p***@acme.test', 'h***@acme.test'],
    });
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.envelope).toEqual({
      from: 'leads@acme.test',
      to: ['priya@acme.test', 'health-team@acme.test'],
    });
    expect(mail?.parsed.subject).toBe(
      '[leadscore] Jane <script>x</script> Doe (Clinic & Co) is now hot (score 110)',
    );
    expect(mail?.parsed.text).toContain('Score: 110 (was 40)');
    expect(mail?.parsed.text).toContain('Open the lead: http://127.0.0.1:3000/v1/leads/ld_7');
    expect(mail?.parsed.html).toContain(
      'Jane &lt;script&gt;x&lt;/script&gt; Doe (Clinic &amp; Co) is now hot',
    );
    expect(mail?.parsed.html).not.toContain('<script>');
    expect(mail?.parsed.html).toContain('<li>Requested a demo (+40)</li>');
  });

  it('It should write a parseable .eml to the outbox', async () => {
    const { handler, outboxDir } = await coldStart();
    const event = envelope();

    await handler(event, lambdaContext());

    const files = await outboxFiles(outboxDir);
    expect(files).toHaveLength(1);
    expect(files[0]?.name).toMatch(new RegExp(`Z-${event.detail.id}\\.eml$`));
    const eml = await simpleParser(files[0]?.content ?? Buffer.alloc(0));
    const [mail] = await smtp.waitForMessages(1);
    expect(eml.subject).toBe(mail?.parsed.subject);
    expect(eml.messageId).toBe(mail?.parsed.messageId);
    expect(eml.text).toContain('Grade / segment: A / hot');
    expect(eml.html).toContain('<table>');
    expect(eml.to && !Array.isArray(eml.to) && eml.to.value.map((a) => a.address)).toEqual([
      'priya@acme.test',
      'health-team@acme.test',
    ]);
  });

  it('It should mail once when the same event is delivered twice in a row and concurrently', async () => {
    const { handler, outboxDir } = await coldStart();
    const event = envelope();

    const first = await handler(event, lambdaContext());
    const again = await handler(structuredClone(event), lambdaContext());
    const concurrent = envelope();
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => handler(structuredClone(concurrent), lambdaContext())),
    );

    expect(first.status).toBe('sent');
    expect(again.status).toBe('duplicate');
    expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(1);
    await smtp.waitForMessages(2);
    await new Promise((done) => setTimeout(done, 200));
    expect(smtp.messages).toHaveLength(2);
    expect(await outboxFiles(outboxDir)).toHaveLength(2);
  });

  it('It should throw when the mail server refuses, keep no dedupe record, and send on the retry', async () => {
    const { handler, tableName, outboxDir } = await coldStart();
    const event = envelope();
    smtp.rejectNext(1);

    await expect(handler(event, lambdaContext())).rejects.toThrow(/451/);

    expect(smtp.messages).toHaveLength(0);
    expect(await dedupeRecordCount(tableName)).toBe(0);
    expect(await outboxFiles(outboxDir)).toHaveLength(0);

    const retry = await handler(event, lambdaContext());

    expect(retry.status).toBe('sent');
    expect(await smtp.waitForMessages(1)).toHaveLength(1);
    expect(await dedupeRecordCount(tableName)).toBe(1);
  });

  it('It should mail the default route’s recipients for an owner without a rule', async () => {
    const { handler } = await coldStart();

    await handler(envelope({ owner: { name: 'Someone', email: 'someone@acme.test' } }), lambdaContext());

    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.envelope.to).toEqual(['sales@acme.test']);
  });

  it('It should write only the outbox when no SMTP server is configured locally', async () => {
    const { handler, outboxDir } = await coldStart({ smtpServer: false });

    const outcome = await handler(envelope(), lambdaContext());

    expect(outcome).toMatchObject({ status: 'sent', delivered: ['outbox'] });
    expect(await outboxFiles(outboxDir)).toHaveLength(1);
    expect(smtp.messages).toHaveLength(0);
  });
});
