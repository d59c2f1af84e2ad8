import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '#shared/store/identity.ts';
import {
  type ApiHarness,
  type ApiResponse,
  eventsRequest,
  formRequest,
  type HttpHandler,
  invoke,
  leadsRequest,
  multipart,
  startApiHarness,
  urlencoded,
} from '#test/support/api-gateway.ts';

/** POST /v1/forms/{formId} through the real handler (PRODUCT §3.1). */
const SITE = 'https://www.example-analytics.com';
const HTML_POST = { origin: SITE, accept: 'text/html,application/xhtml+xml' };

let harness: ApiHarness;
let forms: HttpHandler;
let events: HttpHandler;
let leads: HttpHandler;

beforeAll(async () => {
  harness = await startApiHarness('api-forms');
  forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
  events = (await import('#functions/events/handler.ts')).handler as HttpHandler;
  leads = (await import('#functions/leads/handler.ts')).handler as HttpHandler;
});

afterAll(async () => {
  await harness?.stop();
});

const demoFields = (email: string, extra: Record<string, string> = {}) => ({
  full_name: 'Ada Lovelace',
  work_email: email,
  company: 'Analytical Engines',
  jobTitle: 'VP Engineering',
  country: 'de',
  employees: '1,200',
  industry: 'software',
  ...extra,
});

const getLead = async (leadId: string) => {
  const response = await invoke(leads, leadsRequest(harness.apiKey, { leadId }));
  expect(response.statusCode).toBe(200);
  return response.json as {
    name: string | null;
    profile: Record<string, unknown>;
    segment: string;
    disqualified: { ruleId: string } | null;
    score: number;
  };
};

const expectJsonError = (response: ApiResponse, status: number, field: string) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json as { error: string; fields?: { field: string }[] };
  expect(typeof body.error).toBe('string');
  expect(body.fields?.map((f) => f.field)).toContain(field);
};

describe('POST /v1/forms/{formId}: the three body encodings', () => {
  it('It should accept a urlencoded HTML post (base64, as API Gateway sends it), map work_email to email and redirect with 303', async () => {
    const email = 'ada.urlencoded@analytical-engines.com';
    const request = formRequest('demo-request', urlencoded(demoFields(email)), {
      ...HTML_POST,
      'content-type': 'application/x-www-form-urlencoded',
    });
    const response = await invoke(forms, request);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/thanks.html');
    expect(response.headers['access-control-allow-origin']).toBe(SITE);
    const lead = await getLead(leadIdFor(email));
    expect(lead.profile).toMatchObject({
      email,
      fullName: 'Ada Lovelace',
      company: 'Analytical Engines',
      country: 'DE',
      employees: 1200,
    });
    expect(lead.profile).not.toHaveProperty('work_email');
  });

  it('It should accept a real multipart/form-data body built by FormData', async () => {
    const email = 'ada.multipart@analytical-engines.com';
    const { contentType, body } = await multipart(demoFields(email, { jobTitle: 'Head of Data' }));
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const response = await invoke(
      forms,
      formRequest('demo-request', body, { ...HTML_POST, 'content-type': contentType }),
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/thanks.html');
    const lead = await getLead(leadIdFor(email));
    expect(lead.profile).toMatchObject({ email, jobTitle: 'Head of Data', fullName: 'Ada Lovelace' });
    // The form sent a full name only: that is the lead's name in the API and the console.
    expect(lead.name).toBe('Ada Lovelace');
  });

  it('It should answer a fetch() JSON post with 200 {status, leadId}', async () => {
    const email = 'Ada.Json@Analytical-Engines.com';
    const response = await invoke(
      forms,
      formRequest('demo-request', JSON.stringify(demoFields(email)), {
        origin: 'http://localhost:3000',
        'content-type': 'application/json',
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ status: 'accepted', leadId: leadIdFor(email) });
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    const lead = await getLead(leadIdFor(email));
    expect(lead.profile.email).toBe('ada.json@analytical-engines.com');
  });

  it('It should answer JSON to a urlencoded post that asks for JSON (Accept)', async () => {
    const email = 'accept.json@analytical-engines.com';
    const response = await invoke(
      forms,
      formRequest('demo-request', urlencoded(demoFields(email)), {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ status: 'accepted', leadId: leadIdFor(email) });
  });

  it('It should answer a thank-you page (200 HTML) for an HTML post to a form without redirectUrl', async () => {
    const response = await invoke(
      forms,
      formRequest('newsletter', urlencoded({ email: 'reader@blog-readers.io' }), {
        origin: 'https://blog.example-analytics.com',
        accept: HTML_POST.accept,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('Thank you');
  });

  it('It should count the submission as a form_submit engagement event (demo-request +30)', async () => {
    const email = 'engaged@analytical-engines.com';
    await invoke(
      forms,
      formRequest('demo-request', JSON.stringify(demoFields(email)), { 'content-type': 'application/json' }),
    );
    const response = await invoke(leads, leadsRequest(harness.apiKey, { leadId: leadIdFor(email) }));
    const lead = response.json as { explanation: { lines: { ruleId?: string; points: number }[] } };
    expect(lead.explanation.lines).toContainEqual(
      expect.objectContaining({ ruleId: 'demo-form', points: 30 }),
    );
  });

  it('It should store a resent identical submission once (double click)', async () => {
    const email = 'double.click@analytical-engines.com';
    const request = formRequest('demo-request', JSON.stringify(demoFields(email)), {
      'content-type': 'application/json',
    });
    expect((await invoke(forms, request)).statusCode).toBe(200);
    const items = await harness.itemsOfLead(leadIdFor(email));
    expect((await invoke(forms, request)).statusCode).toBe(200);
    expect(await harness.itemsOfLead(leadIdFor(email))).toBe(items);
  });
  it('It should read the content type however it is spelled (case, spacing, quoted boundary)', async () => {
    const json = JSON.stringify(demoFields('spelling.json@analytical-engines.com'));
    for (const contentType of ['Application/JSON', 'application/json;charset=UTF-8']) {
      const response = await invoke(
        forms,
        formRequest('demo-request', json, { 'content-type': contentType }),
      );
      expect(response.json, contentType).toEqual({
        status: 'accepted',
        leadId: leadIdFor('spelling.json@analytical-engines.com'),
      });
    }
    const { contentType, body } = await multipart(demoFields('spelling.multipart@analytical-engines.com'));
    const boundary = contentType.split('boundary=')[1] ?? '';
    for (const spelling of [
      `multipart/form-data;boundary=${boundary}`,
      `Multipart/Form-Data; boundary="${boundary}"`,
      `multipart/form-data; charset=utf-8; boundary=${boundary}`,
    ]) {
      const response = await invoke(
        forms,
        formRequest('demo-request', body, { 'content-type': spelling, accept: 'application/json' }),
      );
      expect(response.statusCode, spelling).toBe(200);
    }
  });
});

describe('POST /v1/forms/{formId}: CORS', () => {
  it('It should refuse a browser post from an origin the form does not allow with 403 and store nothing', async () => {
    const before = await harness.countItems();
    const response = await invoke(
      forms,
      formRequest('contact', JSON.stringify({ email: 'eve@evil-site.com' }), {
        origin: 'https://evil.example.net',
        'content-type': 'application/json',
      }),
    );
    expectJsonError(response, 403, 'origin');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(await harness.countItems()).toBe(before);
  });

  it('It should answer an OPTIONS preflight from an allowed origin with 204 and the CORS headers', async () => {
    const response = await invoke(forms, {
      ...formRequest('demo-request', undefined, {
        origin: SITE,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      }),
      method: 'OPTIONS',
      routeKey: 'OPTIONS /v1/forms/{formId}',
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(SITE);
    expect(response.headers['access-control-allow-methods']).toContain('POST');
    expect(response.headers['access-control-allow-headers']).toContain('content-type');
  });

  it('It should refuse a preflight from a disallowed origin', async () => {
    const response = await invoke(forms, {
      ...formRequest('demo-request', undefined, { origin: 'https://evil.example.net' }),
      method: 'OPTIONS',
      routeKey: 'OPTIONS /v1/forms/{formId}',
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('It should add the CORS header to error responses for an allowed origin, so the page can read them', async () => {
    const response = await invoke(
      forms,
      formRequest('demo-request', JSON.stringify({ work_email: 'nope' }), {
        origin: SITE,
        'content-type': 'application/json',
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers['access-control-allow-origin']).toBe(SITE);
  });
});

describe('POST /v1/forms/{formId}: honeypot', () => {
  it('It should answer a honeypot hit exactly like a real submission, score nothing and publish nothing', async () => {
    const email = 'bot@spam-sender.com';
    const fields = demoFields(email, { website: 'http://buy-now.example' });
    const botAnswer = await invoke(
      forms,
      formRequest('demo-request', urlencoded(fields), {
        ...HTML_POST,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    const humanAnswer = await invoke(
      forms,
      formRequest('demo-request', urlencoded(demoFields('human@analytical-engines.com')), {
        ...HTML_POST,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    expect(botAnswer.statusCode).toBe(humanAnswer.statusCode);
    expect(botAnswer.headers.location).toBe(humanAnswer.headers.location);
    expect(botAnswer.text).toBe(humanAnswer.text);

    const jsonBot = await invoke(
      forms,
      formRequest('demo-request', JSON.stringify({ ...fields, full_name: 'Other Bot' }), {
        'content-type': 'application/json',
      }),
    );
    expect(jsonBot.json).toEqual({ status: 'accepted', leadId: leadIdFor(email) });
    // The spam verdict marks the submissions: no lead, no score, nothing on the bus.
    const response = await invoke(leads, leadsRequest(harness.apiKey, { leadId: leadIdFor(email) }));
    expect(response.statusCode).toBe(404);
    // Once the stream is relayed (the human's submission went out), nothing about the bot did.
    await harness.thresholdEventsFor(leadIdFor('human@analytical-engines.com'));
    expect(harness.published.length).toBeGreaterThan(0);
    expect(
      harness.published.filter((e) => (e.detail as { leadId: string }).leadId === leadIdFor(email)),
    ).toEqual([]);
  });

  it('It should never let a honeypot post for a known email disqualify or change the clean lead', async () => {
    const email = 'clean.lead@analytical-engines.com';
    const first = await invoke(
      forms,
      formRequest('demo-request', JSON.stringify(demoFields(email)), { 'content-type': 'application/json' }),
    );
    expect(first.statusCode).toBe(200);
    const before = await getLead(leadIdFor(email));
    const attack = await invoke(
      forms,
      formRequest(
        'newsletter',
        JSON.stringify({ email, website: 'http://spam.example', jobTitle: 'Student', company: 'Spam Co' }),
        { 'content-type': 'application/json', origin: SITE },
      ),
    );
    expect(attack.statusCode).toBe(200);
    const after = await getLead(leadIdFor(email));
    expect(after.disqualified).toBeNull();
    expect(after.segment).toBe(before.segment);
    expect(after.profile).toMatchObject({ jobTitle: 'VP Engineering', company: 'Analytical Engines' });
  });

  it('It should publish a threshold event for a real lead pushed the same way (the control)', async () => {
    const email = 'real.buyer@analytical-engines.com';
    await invoke(
      forms,
      formRequest('demo-request', JSON.stringify(demoFields(email)), { 'content-type': 'application/json' }),
    );
    const burst = Array.from({ length: 4 }, (_, i) => ({
      eventId: `buyer-${i}`,
      email,
      type: 'webinar_attended',
      attributes: { webinar: `w${i}` },
    }));
    await invoke(events, eventsRequest(burst, harness.apiKey));
    const crossed = await harness.thresholdEventsFor(leadIdFor(email));
    expect(crossed.map((e) => (e.detail as { threshold: string }).threshold)).toContain('mql');
  });
});

describe('POST /v1/forms/{formId}: every 4xx, with nothing stored', () => {
  const cases: {
    name: string;
    formId?: string;
    headers: Record<string, string>;
    body?: string;
    status: number;
    field: string;
  }[] = [
    {
      name: 'an unknown form (404)',
      formId: 'no-such-form',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b-corp.com' }),
      status: 404,
      field: 'formId',
    },
    {
      name: 'text/plain (415)',
      headers: { 'content-type': 'text/plain' },
      body: 'work_email=a@b-corp.com',
      status: 415,
      field: 'content-type',
    },
    {
      name: 'no content type (415)',
      headers: {},
      body: 'work_email=a@b-corp.com',
      status: 415,
      field: 'content-type',
    },
    {
      name: 'a body over 64 KiB (413)',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: urlencoded({ ...demoFields('big@b-corp.com'), notes: 'x'.repeat(65 * 1024) }),
      status: 413,
      field: 'body',
    },
    {
      name: 'an invalid email (400)',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...demoFields('not-an-email') }),
      status: 400,
      field: 'work_email',
    },
    {
      name: 'a missing email (400)',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: urlencoded({ company: 'Acme', full_name: 'No Mail' }),
      status: 400,
      field: 'work_email',
    },
    {
      name: 'a missing required company (400)',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ work_email: 'nocompany@b-corp.com' }),
      status: 400,
      field: 'company',
    },
    {
      name: 'a bad country (400)',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demoFields('country@b-corp.com', { country: 'Germany' })),
      status: 400,
      field: 'country',
    },
    {
      name: 'malformed JSON (400)',
      headers: { 'content-type': 'application/json' },
      body: '{"work_email": "a@b-corp.com",',
      status: 400,
      field: 'body',
    },
    {
      name: 'a JSON array instead of fields (400)',
      headers: { 'content-type': 'application/json' },
      body: '["a@b-corp.com"]',
      status: 400,
      field: 'body',
    },
    {
      name: 'a bad employee count (400)',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demoFields('count@b-corp.com', { employees: 'lots' })),
      status: 400,
      field: 'employees',
    },
    {
      name: 'an employee count too large to store (400, not 500)',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demoFields('hugecount@b-corp.com', { employees: '9'.repeat(400) })),
      status: 400,
      field: 'employees',
    },
    {
      name: 'an annual revenue too close to zero to store (400, not 500)',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demoFields('tiny@b-corp.com', { annualRevenue: `0.${'0'.repeat(200)}1` })),
      status: 400,
      field: 'annualRevenue',
    },
  ];

  for (const c of cases) {
    it(`It should reject ${c.name} with a JSON error naming "${c.field}"`, async () => {
      const before = await harness.countItems();
      const response = await invoke(forms, formRequest(c.formId ?? 'demo-request', c.body, c.headers));
      expectJsonError(response, c.status, c.field);
      expect(await harness.countItems()).toBe(before);
    });
  }

  it('It should name every bad field of one submission at once', async () => {
    const response = await invoke(
      forms,
      formRequest('demo-request', JSON.stringify({ work_email: 'x', country: 'Narnia' }), {
        'content-type': 'application/json',
      }),
    );
    expect(response.statusCode).toBe(400);
    const fields = (response.json as { fields: { field: string }[] }).fields.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['work_email', 'country', 'company']));
  });
});
