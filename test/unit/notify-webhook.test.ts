/** The webhook notifier refuses what it cannot act on before any dedupe record or post. */
import { describe, expect, it } from 'vitest';
import { loadClientConfig } from '#shared/config/load.ts';
import { MalformedEnvelopeError } from '#shared/notify/envelope.ts';
import { createWebhookNotifier } from '#shared/notify/webhook-notifier.ts';
import { crossingEvent } from '#test/support/outgoing-events.ts';

const config = loadClientConfig('test/fixtures/clients/crm.yaml');
const unreachable = () => {
  throw new Error('must not be reached for a malformed delivery');
};
const notify = createWebhookNotifier({ config, dedupe: { once: unreachable }, readSecret: unreachable });
const event = (detail: unknown, detailType = 'Lead Threshold Crossed') => ({
  version: '0',
  id: 'envelope-1',
  'detail-type': detailType,
  source: 'leadscore.crm',
  account: '000000000000',
  time: '2026-11-25T12:00:01Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('Webhook notifier', () => {
  it('It should refuse an integration the client file has no webhook for, naming it', async () => {
    const delivery = { integration: 'hubspot', event: event(crossingEvent('lead-1', 1).detail) };
    await expect(notify(delivery)).rejects.toThrow(MalformedEnvelopeError);
    await expect(notify(delivery)).rejects.toThrow('no webhook integration "hubspot"');
  });

  it('It should name the bad fields of an event that breaks the contract', async () => {
    const { newScore: _dropped, ...detail } = crossingEvent('lead-1', 1).detail;
    await expect(notify({ integration: 'nurture', event: event(detail) })).rejects.toMatchObject({
      issues: [expect.stringMatching(/^event\.detail\.newScore: /)],
    });
    await expect(notify({ event: event(detail, 'Lead Rescored') })).rejects.toMatchObject({
      issues: expect.arrayContaining([
        expect.stringMatching(/^integration: /),
        expect.stringMatching(/^event\.detail-type: /),
      ]),
    });
  });
});
