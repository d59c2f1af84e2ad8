import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '#shared/api/events.ts';
import { formFor } from '#shared/api/form-post.ts';
import { parseFormSubmission } from '#shared/api/forms.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { formCors } from '#shared/http/cors.ts';

const config = loadClientConfig('example');
const form = config.forms['demo-request']!;
const NOW = Date.parse('2026-11-20T10:00:00Z');

describe('request parsing', () => {
  it('It should refuse a form input named like an Object.prototype member (the marshaller would 500)', () => {
    const parsed = parseFormSubmission(
      'demo-request',
      { work_email: 'a@acme-corp.com', company: 'Acme', constructor: 'x' },
      form,
      NOW,
    );
    expect(parsed).toEqual({ issues: [expect.objectContaining({ field: 'constructor' })] });
  });

  it('It should refuse an event attribute named constructor, naming it', () => {
    const result = validateEvent(
      { email: 'a@acme-corp.com', type: 'page_view', attributes: { constructor: 'x' } },
      0,
      NOW,
      400,
      'events[0]',
    );
    expect(result).toMatchObject({
      rejected: {
        status: 'rejected',
        fields: [expect.objectContaining({ field: expect.stringContaining('attributes') })],
      },
    });
  });

  it('It should map form inputs to profile fields and normalise the email', () => {
    const parsed = parseFormSubmission(
      'demo-request',
      { work_email: ' Jane@Acme-Corp.com ', company: 'Acme', employees: '1,200', country: 'de' },
      form,
      NOW,
    );
    expect(parsed).toMatchObject({
      submission: {
        profile: { email: 'jane@acme-corp.com', company: 'Acme', employees: 1200, country: 'DE' },
        spamReasons: [],
      },
    });
  });
});

describe('form lookup', () => {
  it('It should not find Object.prototype members as forms', () => {
    expect(formFor(config, 'constructor')).toBeUndefined();
    expect(formFor(config, '__proto__')).toBeUndefined();
    expect(formFor(config, 'demo-request')).toBe(form);
  });
});

describe('form CORS', () => {
  const middleware = formCors(() => ['https://www.example-analytics.com']);
  const request = (origin: string, host: string) =>
    ({
      event: {
        headers: { origin, host },
        requestContext: { http: { method: 'POST' } },
      } as unknown as APIGatewayProxyEventV2,
    }) as Parameters<NonNullable<typeof middleware.before>>[0];

  it('It should let a page served by the API host post to it (same origin), on any port', async () => {
    await expect(
      middleware.before!(request('http://127.0.0.1:4123', '127.0.0.1:4123')),
    ).resolves.toBeUndefined();
  });

  it('It should refuse another origin the form does not list', async () => {
    await expect(middleware.before!(request('https://evil.example', '127.0.0.1:4123'))).rejects.toMatchObject(
      { statusCode: 403 },
    );
  });
});
