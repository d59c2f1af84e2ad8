import { describe, expect, it } from 'vitest';
import { parseClientConfig } from '#shared/config/load.ts';
import { maskEmail } from '#shared/logging.ts';
import { emailRecipients, routeForDetail } from '#shared/notify/route-for-detail.ts';

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
          owner: { name: 'Erika', email: 'erika@acme.test' },
          slackChannel: '#emea',
          emailTo: ['erika@acme.test', 'emea@acme.test', 'Erika@acme.test'],
        },
        {
          id: 'quiet',
          when: [{ op: 'oneOf', field: 'country', values: ['US'] }],
          owner: { name: 'Jordan', email: 'jordan@acme.test' },
        },
      ],
      default: {
        owner: { name: 'Sam', email: 'sam@acme.test' },
        slackChannel: '#sales',
        emailTo: ['sales@acme.test'],
      },
    },
  },
});

describe('routeForDetail', () => {
  it('It should pick the rule whose owner is the event’s owner', () => {
    const route = routeForDetail({ owner: { name: 'Erika', email: 'ERIKA@acme.test' } }, config);

    expect(route.ruleId).toBe('emea');
    expect(route.slackChannel).toBe('#emea');
  });

  it('It should fall back to the default route for unknown or missing owners', () => {
    expect(routeForDetail({ owner: { name: 'X', email: 'x@acme.test' } }, config).ruleId).toBe('default');
    expect(routeForDetail({ owner: null }, config)).toMatchObject({
      ruleId: 'default',
      slackChannel: '#sales',
    });
  });
});

describe('emailRecipients', () => {
  it('It should mail the route’s recipients once each', () => {
    const detail = { owner: { name: 'Erika', email: 'erika@acme.test' } };

    expect(emailRecipients(detail, routeForDetail(detail, config))).toEqual([
      'erika@acme.test',
      'emea@acme.test',
    ]);
  });

  it('It should mail the owner when the route lists nobody', () => {
    const detail = { owner: { name: 'Jordan', email: 'jordan@acme.test' } };

    expect(emailRecipients(detail, routeForDetail(detail, config))).toEqual(['jordan@acme.test']);
  });
});

describe('maskEmail', () => {
  it('It should keep the first letter and the domain only', () => {
    expect(maskEmail('jane.doe@acme.com')).toBe('j***@acme.com');
  });
});
