import { describe, expect, it } from 'vitest';
import { parseClientConfig } from '#shared/config/load.ts';
import { parseNotifierEnv } from '#shared/notify/env.ts';
import { outboxPath } from '#shared/notify/outbox.ts';
import { webhookUrlFromSecret, webhookUrlResolver } from '#shared/notify/slack-webhook-url.ts';

const config = parseClientConfig({
  client: 'acme',
  displayName: 'Acme',
  model: { version: 'v1', fit: {}, engagement: {} },
  notifications: {
    slack: { webhookSecretName: 'config-secret' },
    email: { from: 'leads@acme.test' },
    routing: { default: { owner: { name: 'Sam', email: 'sam@acme.test' } } },
  },
});
const route = { ruleId: 'default', owner: { name: 'Sam', email: 'sam@acme.test' }, emailTo: [] };
const HOOK = 'https://hooks.slack.com/services/T000/B000/XXXX';

describe('webhookUrlFromSecret', () => {
  it('It should read a plain URL or JSON with a url', () => {
    expect(webhookUrlFromSecret('s', HOOK)).toBe(HOOK);
    expect(webhookUrlFromSecret('s', JSON.stringify({ url: HOOK }))).toBe(HOOK);
    expect(webhookUrlFromSecret('s', JSON.stringify({ webhookUrl: HOOK }))).toBe(HOOK);
  });

  it('It should refuse other values without repeating them', () => {
    expect(() => webhookUrlFromSecret('s', 'hunter2')).toThrowError(
      expect.objectContaining({
        name: 'SlackWebhookSecretError',
        message: expect.not.stringContaining('hunter2'),
      }),
    );
  });
});

describe('webhookUrlResolver', () => {
  const secrets: Record<string, string> = { 'route-secret': `${HOOK}/route`, 'env-secret': `${HOOK}/env` };
  const readSecret = async (id: string) => secrets[id] ?? `${HOOK}/${id}`;

  it('It should use the route’s secret, else SLACK_WEBHOOK_SECRET_ID, else the config’s', async () => {
    const deployed = parseNotifierEnv({ TABLE_NAME: 't', SLACK_WEBHOOK_SECRET_ID: 'env-secret' });
    const resolve = webhookUrlResolver(deployed, config, { readSecret });

    expect(await resolve({ ...route, slackWebhookSecret: 'route-secret' })).toBe(`${HOOK}/route`);
    expect(await resolve(route)).toBe(`${HOOK}/env`);
    expect(
      await webhookUrlResolver(parseNotifierEnv({ TABLE_NAME: 't' }), config, { readSecret })(route),
    ).toBe(`${HOOK}/config-secret`);
  });

  it('It should never read secrets in a local run', async () => {
    const local = parseNotifierEnv({ TABLE_NAME: 't', LEADSCORE_OUTBOX_DIR: '/tmp/outbox' });
    const resolve = webhookUrlResolver(local, config, {
      readSecret: () => Promise.reject(new Error('must not be called')),
    });

    expect(await resolve({ ...route, slackWebhookSecret: 'route-secret' })).toBeUndefined();
  });
});

describe('parseNotifierEnv', () => {
  it('It should name a bad variable without printing its value', () => {
    const bad = { TABLE_NAME: 't', LEADSCORE_SLACK_WEBHOOK_URL: 'secret-but-not-a-url' };

    expect(() => parseNotifierEnv(bad)).toThrowError(/LEADSCORE_SLACK_WEBHOOK_URL/);
    expect(() => parseNotifierEnv(bad)).not.toThrowError(/secret-but-not-a-url/);
    expect(() => parseNotifierEnv({})).toThrowError(/TABLE_NAME/);
  });

  it('It should treat empty variables as unset', () => {
    expect(parseNotifierEnv({ TABLE_NAME: 't', LEADSCORE_SMTP_URL: '' }).LEADSCORE_SMTP_URL).toBeUndefined();
  });
});

describe('outboxPath', () => {
  it('It should name outbox files by time and notification id, safely', () => {
    const date = new Date('2025-03-01T06:00:00.123Z');

    expect(outboxPath('/out', 'slack', 'evt/1 2', date)).toBe(
      '/out/slack/2025-03-01T06-00-00-123Z-evt_1_2.json',
    );
    expect(outboxPath('/out', 'email', 'evt-1', date)).toBe('/out/email/2025-03-01T06-00-00-123Z-evt-1.eml');
  });
});
