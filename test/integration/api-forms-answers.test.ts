import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formErrorPages } from '#shared/api/form-pages.ts';
import { json } from '#shared/http/errors.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import {
  type ApiHarness,
  type ApiResponse,
  formRequest,
  type HttpHandler,
  httpApiEvent,
  invoke,
  multipart,
  startApiHarness,
  urlencoded,
} from '#test/support/api-gateway.ts';

/**
 * Who gets which answer from POST /v1/forms/{formId} (PRODUCT §3.1): a navigation (a plain HTML
 * form post) a 303 or an HTML page, fetch/XHR JSON whatever the body's type; errors name the
 * inputs the page sent and carry the CORS header for an allowed origin.
 */
const SITE = 'https://www.example-analytics.com';
/** What Chromium sends with a plain `<form method="post">` submit. */
const NAVIGATION = {
  origin: SITE,
  referer: `${SITE}/demo`,
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};
/** What Chromium sends with `fetch(url, { method: 'POST', body })`. */
const FETCH = {
  origin: SITE,
  referer: `${SITE}/demo`,
  'sec-fetch-mode': 'cors',
  'sec-fetch-dest': 'empty',
  accept: '*/*',
};
const URLENCODED = { 'content-type': 'application/x-www-form-urlencoded' };

let harness: ApiHarness;
let forms: HttpHandler;

beforeAll(async () => {
  harness = await startApiHarness('api-forms-answers');
  forms = (await import('#functions/forms/handler.ts')).handler as HttpHandler;
});

afterAll(async () => {
  await harness?.stop();
});

/** The inputs of a landing page that names its email input `email` (demo-request maps `work_email`). */
const pageFields = (email: string, extra: Record<string, string> = {}) => ({
  email,
  company: 'Analytical Engines',
  ...extra,
});

const post = (headers: Record<string, string>, body: string | Uint8Array, formId = 'demo-request') =>
  invoke(forms, formRequest(formId, body, headers));

const fieldsOf = (response: ApiResponse) =>
  ((response.json as { fields?: { field: string }[] }).fields ?? []).map((f) => f.field);

const expectPage = (response: ApiResponse, status: number) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  expect(response.text).not.toContain('"error"');
};

describe('POST /v1/forms/{formId}: navigation or fetch', () => {
  const cases: { name: string; headers: Record<string, string>; answer: 303 | 200 }[] = [
    { name: 'a plain HTML post (Sec-Fetch-Mode: navigate)', headers: NAVIGATION, answer: 303 },
    { name: 'fetch() (Sec-Fetch-Mode: cors)', headers: FETCH, answer: 200 },
    {
      name: 'fetch() that accepts HTML (the mode decides)',
      headers: { ...FETCH, accept: 'text/html' },
      answer: 200,
    },
    {
      name: 'a no-cors fetch or sendBeacon',
      headers: { ...FETCH, 'sec-fetch-mode': 'no-cors' },
      answer: 200,
    },
    {
      name: 'an old browser’s form post (Accept text/html, no Sec-Fetch-*)',
      headers: { accept: 'text/html,*/*' },
      answer: 303,
    },
    { name: 'curl (Accept */*)', headers: { accept: '*/*' }, answer: 200 },
    { name: 'a server without Accept', headers: {}, answer: 200 },
  ];

  for (const c of cases) {
    it(`It should answer ${c.name} with ${c.answer === 303 ? 'a 303 to redirectUrl' : '200 JSON'}, for urlencoded and FormData bodies`, async () => {
      const email = `answer.${cases.indexOf(c)}@analytical-engines.com`;
      const { contentType, body } = await multipart(pageFields(email, { jobTitle: 'CTO' }));
      for (const response of [
        await post({ ...c.headers, ...URLENCODED }, urlencoded(pageFields(email))),
        await post({ ...c.headers, 'content-type': contentType }, body),
      ]) {
        expect(response.statusCode).toBe(c.answer);
        if (c.answer === 303) expect(response.headers.location).toBe('/thanks.html');
        else expect(response.json).toEqual({ status: 'accepted', leadId: leadIdFor(email) });
      }
    });
  }

  it('It should answer a navigation to a form without redirectUrl with a thank-you page', async () => {
    const response = await post(
      { ...NAVIGATION, origin: 'https://blog.example-analytics.com', ...URLENCODED },
      urlencoded({ email: 'navigating.reader@blog-readers.io' }),
      'newsletter',
    );
    expectPage(response, 200);
    expect(response.text).toContain('Thank you');
  });
});

describe('POST /v1/forms/{formId}: errors name the inputs the page sent', () => {
  it('It should name `email` when the page posted `email` (the form maps work_email to email)', async () => {
    const response = await post({ ...FETCH, ...URLENCODED }, urlencoded(pageFields('not-an-email')));
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response)).toEqual(['email']);
    expect(response.headers['access-control-allow-origin']).toBe(SITE);
  });

  it('It should name an input the page sent empty by its own name', async () => {
    const response = await post({ ...FETCH, ...URLENCODED }, urlencoded(pageFields('', { company: ' ' })));
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response).sort()).toEqual(['company', 'email']);
  });

  it('It should name `work_email` when the page posted that, and when it posted no email input at all', async () => {
    const sent = await post({ ...FETCH, ...URLENCODED }, urlencoded({ work_email: 'nope', company: 'A' }));
    expect(fieldsOf(sent)).toEqual(['work_email']);
    const none = await post({ ...FETCH, ...URLENCODED }, urlencoded({ company: 'A' }));
    expect(fieldsOf(none)).toEqual(['work_email']);
  });
});

describe('POST /v1/forms/{formId}: the CORS header on every answer to an allowed origin', () => {
  it('It should let a fetch() read 413 and 415 answers (access-control-allow-origin set)', async () => {
    const big = await post(
      { ...FETCH, ...URLENCODED },
      urlencoded(pageFields('big@b-corp.com', { notes: 'x'.repeat(65 * 1024) })),
    );
    expect(big.statusCode).toBe(413);
    const text = await post({ ...FETCH, 'content-type': 'text/plain' }, 'email=a@b-corp.com');
    expect(text.statusCode).toBe(415);
    for (const response of [big, text]) {
      expect(response.headers['access-control-allow-origin']).toBe(SITE);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('It should let a fetch() read the 429 past 20 posts per lead per hour, naming `email`; a plain post gets a page', async () => {
    const email = 'eager.poster@analytical-engines.com';
    let response: ApiResponse | undefined;
    for (let i = 0; i < 25 && response?.statusCode !== 429; i++) {
      response = await post(
        { ...FETCH, ...URLENCODED },
        urlencoded(pageFields(email, { submissionId: `s${i}` })),
      );
    }
    expect(response?.statusCode).toBe(429);
    expect(response?.headers['access-control-allow-origin']).toBe(SITE);
    expect(fieldsOf(response!)).toEqual(['email']);
    const page = await post(
      { ...NAVIGATION, ...URLENCODED },
      urlencoded(pageFields(email, { submissionId: 'last' })),
    );
    expectPage(page, 429);
    expect(page.text).toContain('<code>email</code>');
  });
});

describe('POST /v1/forms/{formId}: a plain HTML post that fails gets a page', () => {
  it('It should answer 400 with a page listing each input to fix by its posted name, and a link back to the form', async () => {
    const response = await post(
      { ...NAVIGATION, ...URLENCODED },
      urlencoded(pageFields('not-an-email', { country: 'Narnia' })),
    );
    expectPage(response, 400);
    expect(response.text).toContain('<li><code>email</code>: not a valid email address</li>');
    expect(response.text).toContain('<code>country</code>');
    expect(response.text).not.toContain('work_email');
    expect(response.text).toContain(`<a id="back" href="${SITE}/demo">`);
    expect(response.text).not.toContain('<script');
  });

  it('It should escape what the page sent', async () => {
    const response = await post(
      { ...NAVIGATION, ...URLENCODED },
      urlencoded({ ...pageFields('a@b-corp.com'), '<b>x</b>': 'y' }),
    );
    expectPage(response, 400);
    expect(response.text).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(response.text).not.toContain('<b>x</b>');
  });

  it('It should link back only to an http(s) page of the posting origin or an allowed one', async () => {
    const bad = urlencoded(pageFields('not-an-email'));
    const otherReferer = await post(
      { ...NAVIGATION, referer: 'https://elsewhere.example/x', ...URLENCODED },
      bad,
    );
    expect(otherReferer.text).toContain(`href="${SITE}/"`);
    const scriptReferer = await post({ ...NAVIGATION, referer: 'javascript:alert(1)', ...URLENCODED }, bad);
    expect(scriptReferer.text).not.toContain('javascript:');
    expect(scriptReferer.text).toContain(`href="${SITE}/"`);
    const { origin: _o, referer: _r, ...anonymous } = NAVIGATION;
    const nowhere = await post({ ...anonymous, ...URLENCODED }, bad);
    expectPage(nowhere, 400);
    expect(nowhere.text).not.toContain('<a ');
    expect(nowhere.text).toContain('Back button');
  });

  it('It should answer a disallowed origin’s plain post with a 403 page (fetch: JSON without the CORS header) and store nothing', async () => {
    const before = await harness.countItems();
    const body = urlencoded(pageFields('stranger@analytical-engines.com'));
    const evil = 'https://evil.example.net';
    const page = await post({ ...NAVIGATION, origin: evil, referer: `${evil}/form`, ...URLENCODED }, body);
    expectPage(page, 403);
    expect(page.text).toContain(`does not accept posts from <code>${evil}</code>`);
    expect(page.text).toContain(`href="${evil}/form"`);
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    const fetched = await post({ ...FETCH, origin: evil, ...URLENCODED }, body);
    expect(fetched.statusCode).toBe(403);
    expect(fetched.headers['content-type']).toMatch(/^application\/json/);
    expect(fetched.headers['access-control-allow-origin']).toBeUndefined();
    expect(await harness.countItems()).toBe(before);
  });

  it('It should answer an unknown form, an oversized body and an unreadable encoding with pages too', async () => {
    expectPage(await post({ ...NAVIGATION, ...URLENCODED }, 'email=a@b-corp.com', 'no-such-form'), 404);
    expectPage(
      await post({ ...NAVIGATION, ...URLENCODED }, urlencoded({ notes: 'x'.repeat(65 * 1024) })),
      413,
    );
    const plain = await post({ ...NAVIGATION, 'content-type': 'text/plain' }, 'email=a@b-corp.com');
    expectPage(plain, 415);
    expect(plain.text).toContain('application/x-www-form-urlencoded');
  });
});

describe('POST /v1/forms/{formId}: a failure on our side', () => {
  it('It should show a navigation a 500 page that says nothing internal (fetch keeps the JSON 500)', async () => {
    const answer = async (headers: Record<string, string>) => {
      const request = {
        event: httpApiEvent(formRequest('demo-request', 'email=a@b-corp.com', { ...headers, ...URLENCODED })),
        error: new Error('table leadscore-example is gone'),
        response: json(500, { error: 'internal_error', message: 'Internal error', requestId: 'r-1' }),
      };
      await formErrorPages(() => [SITE]).onError!(request as never);
      return request.response;
    };
    const page = await answer(NAVIGATION);
    expect(page.statusCode).toBe(500);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Something went wrong');
    expect(page.body).not.toContain('leadscore-example');
    expect((await answer(FETCH)).headers?.['content-type']).toMatch(/^application\/json/);
  });
});
