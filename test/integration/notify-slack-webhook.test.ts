/** postToSlack against a real local HTTP server: retries, Retry-After, permanent failures. */
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '#shared/notify/slack.ts';
import { postToSlack } from '#shared/notify/slack-webhook.ts';
import { startHttpReceiver } from '#test/support/http-receiver.ts';

const message: SlackMessage = { text: 'hello', blocks: [] };

describe('postToSlack', () => {
  it('It should wait as long as Retry-After asks before retrying a 429', async () => {
    const receiver = await startHttpReceiver();
    try {
      receiver.failNext(1, { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
      const started = Date.now();

      const result = await postToSlack(`${receiver.url}/hook`, message, { backoffMs: 10 });

      expect(result).toEqual({ status: 200, attempts: 2 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(receiver.delivered()[0]?.json()).toEqual(message);
    } finally {
      await receiver.close();
    }
  });

  it('It should give up after its retries with a transient error', async () => {
    const receiver = await startHttpReceiver();
    try {
      receiver.failAlways({ status: 503, body: 'unavailable' });

      const posting = postToSlack(`${receiver.url}/hook`, message, { retries: 2, backoffMs: 10 });

      await expect(posting).rejects.toMatchObject({
        name: 'SlackDeliveryError',
        permanent: false,
        status: 503,
        attempts: 3,
      });
      expect(receiver.requests).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('It should not retry a revoked webhook (403/404/410)', async () => {
    const receiver = await startHttpReceiver();
    try {
      receiver.failAlways({ status: 403, body: 'invalid_token' });

      await expect(postToSlack(`${receiver.url}/hook`, message, { backoffMs: 10 })).rejects.toMatchObject({
        permanent: true,
        status: 403,
        message: expect.stringContaining('invalid_token'),
      });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('It should retry network errors and never put the webhook URL in the error', async () => {
    const receiver = await startHttpReceiver();
    const url = `${receiver.url}/services/T000/B000/SECRET`;
    await receiver.close();

    const error = await postToSlack(url, message, { retries: 1, backoffMs: 10 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SlackDeliveryError', permanent: false, attempts: 2 });
    expect(String((error as Error).message)).not.toContain('SECRET');
  });
});
