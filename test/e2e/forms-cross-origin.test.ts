import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { findFreePort } from '#local/dynamodb-local.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { launchChromium, type NpmStart, startNpmStart, waitForHealth } from '#test/support/npm-start.ts';

/**
 * A client's own landing page, on another origin than the API, posting the example's
 * `demo-request` form in the three ways real sites do (PRODUCT §3.1): a plain HTML form, `fetch`
 * with JSON (preflighted), and `fetch` with `new FormData(form)`. The page names its email input
 * `email` while the form maps `work_email` to email: errors must name what the page sent.
 */
const API_KEY = 'e2e-cross-origin-key-0123456789';

let stack: NpmStart;
let browser: Browser;
let apiUrl: string;
let landing: { server: Server; origin: string };
let stranger: { server: Server; origin: string };
let configDir: string;
let dataDir: string;

/** The landing page a client builds on its own site, posting to `action`. */
const landingPage = (action: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme: book a demo</title><link rel="icon" href="data:,"></head>
<body>
  <h1>Book a demo</h1>
  <form id="demo" method="post" action="${action}" novalidate>
    <label>Email <input id="email" name="email" type="email"></label>
    <label>First name <input id="firstName" name="firstName"></label>
    <label>Company <input id="company" name="company"></label>
    <label>Country <input id="country" name="country"></label>
    <input type="hidden" name="source" value="partner-site">
    <button type="submit">Book</button>
  </form>
</body></html>`;

const THANKS_PAGE = '<!doctype html><title>Thanks</title><h1>Thanks from Acme</h1>';

/** A static site on 127.0.0.1:<free port>: another origin than the API's. */
async function startSite(action: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') res.writeHead(405).end();
    else if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(landingPage(action));
    else if (path === '/thanks.html') res.writeHead(200, { 'content-type': 'text/html' }).end(THANKS_PAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The example client, with the landing page's origin allowed and its own thank-you page. */
function writeClientConfig(landingOrigin: string): string {
  const config = parseYaml(readFileSync('clients/example.yaml', 'utf8'));
  const form = config.forms['demo-request'];
  form.allowedOrigins = [...form.allowedOrigins, landingOrigin];
  form.redirectUrl = `${landingOrigin}/thanks.html`;
  const path = join(configDir, 'example.yaml');
  writeFileSync(path, stringifyYaml(config));
  return path;
}

const getLead = async (leadId: string) => {
  const response = await fetch(`${apiUrl}/v1/leads/${leadId}`, { headers: { 'x-api-key': API_KEY } });
  return { status: response.status, lead: (await response.json()) as { profile: Record<string, unknown> } };
};

/** Runs `fetch` in the landing page and returns what the page's script can read of the answer. */
function fetchFromPage(page: Page, body: 'json' | 'formdata', fields: Record<string, string>) {
  return page.evaluate(
    async ({ url, body, fields }) => {
      const form = document.getElementById('demo') as HTMLFormElement;
      for (const [name, value] of Object.entries(fields)) {
        (form.elements.namedItem(name) as HTMLInputElement).value = value;
      }
      const data: Record<string, string> = {};
      new FormData(form).forEach((value, name) => {
        data[name] = String(value);
      });
      const init: RequestInit =
        body === 'json'
          ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) }
          : { method: 'POST', body: new FormData(form) };
      try {
        const response = await fetch(url, init);
        return { status: response.status, redirected: response.redirected, json: await response.json() };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url: `${apiUrl}/v1/forms/demo-request`, body, fields },
  );
}

async function openLanding(origin = landing.origin): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

describe('A landing page on another origin posting a form from Chromium', () => {
  beforeAll(async () => {
    const port = await findFreePort();
    apiUrl = `http://127.0.0.1:${port}`;
    landing = await startSite(`${apiUrl}/v1/forms/demo-request`);
    stranger = await startSite(`${apiUrl}/v1/forms/demo-request`);
    configDir = mkdtempSync(join(tmpdir(), 'leadscore-cross-origin-config-'));
    dataDir = mkdtempSync(join(tmpdir(), 'leadscore-cross-origin-'));
    stack = startNpmStart({
      port,
      env: {
        LEADSCORE_CLIENT: writeClientConfig(landing.origin),
        LEADSCORE_DATA_DIR: dataDir,
        LEADSCORE_API_KEY: API_KEY,
        LEADSCORE_DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      },
    });
    await waitForHealth(apiUrl, 90_000, stack);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    landing?.server.close();
    stranger?.server.close();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('It should take a plain HTML form post to the thank-you page (303 to redirectUrl) and store the lead', async () => {
    const email = 'plain.post@acme-industries.com';
    const page = await openLanding();
    await page.fill('#email', email);
    await page.fill('#firstName', 'Plain');
    await page.fill('#company', 'Acme Industries');
    await Promise.all([
      page.waitForURL(`${landing.origin}/thanks.html`),
      page.click('button[type="submit"]'),
    ]);
    expect(await page.textContent('h1')).toBe('Thanks from Acme');
    const { status, lead } = await getLead(leadIdFor(email));
    expect(status).toBe(200);
    expect(lead.profile).toMatchObject({ email, firstName: 'Plain', source: 'partner-site' });
  });

  it('It should answer fetch() with a JSON body (preflighted) with JSON the page can read', async () => {
    const email = 'fetch.json@acme-industries.com';
    const page = await openLanding();
    const answer = await fetchFromPage(page, 'json', { email, company: 'Acme Industries' });
    expect(answer).toEqual({
      status: 200,
      redirected: false,
      json: { status: 'accepted', leadId: leadIdFor(email) },
    });
    expect((await getLead(leadIdFor(email))).lead.profile).toMatchObject({ email, source: 'partner-site' });
  });

  it('It should answer fetch() with new FormData(form) with JSON, not a redirect', async () => {
    const email = 'fetch.formdata@acme-industries.com';
    const page = await openLanding();
    const answer = await fetchFromPage(page, 'formdata', { email, company: 'Acme Industries' });
    expect(answer).toEqual({
      status: 200,
      redirected: false,
      json: { status: 'accepted', leadId: leadIdFor(email) },
    });
  });

  it('It should let fetch() read a 400 that names the inputs the page sent (email, not work_email)', async () => {
    const page = await openLanding();
    for (const body of ['json', 'formdata'] as const) {
      const answer = await fetchFromPage(page, body, {
        email: 'not-an-email',
        company: '',
        country: 'Narnia',
      });
      expect(answer, body).toMatchObject({ status: 400, json: { error: 'validation_failed' } });
      const fields = (answer as { json: { fields: { field: string }[] } }).json.fields.map((f) => f.field);
      expect(fields.sort(), body).toEqual(['company', 'country', 'email']);
    }
  });

  it('It should show a plain post with bad inputs an HTML page naming them, with a link back to the form', async () => {
    const page = await openLanding();
    await page.fill('#email', 'not-an-email');
    await page.fill('#country', 'Narnia');
    const [response] = await Promise.all([
      page.waitForResponse(`${apiUrl}/v1/forms/demo-request`),
      page.click('button[type="submit"]'),
    ]);
    expect(response.status()).toBe(400);
    expect(response.headers()['content-type']).toMatch(/^text\/html/);
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain('email');
    expect(text).toContain('not a valid email address');
    expect(text).toContain('country');
    expect(text).not.toContain('work_email');
    expect(text).not.toContain('"error"');
    await Promise.all([page.waitForURL(`${landing.origin}/`), page.click('a#back')]);
    expect(await page.textContent('h1')).toBe('Book a demo');
  });

  it('It should keep an origin the form does not allow out: fetch() cannot read the 403, a plain post gets a page', async () => {
    const email = 'stranger@acme-industries.com';
    const page = await openLanding(stranger.origin);
    const answer = await fetchFromPage(page, 'formdata', { email, company: 'Acme Industries' });
    expect(answer).toEqual({ error: expect.stringContaining('Failed to fetch') });
    await page.fill('#email', email);
    await page.fill('#company', 'Acme Industries');
    const [response] = await Promise.all([
      page.waitForResponse(`${apiUrl}/v1/forms/demo-request`),
      page.click('button[type="submit"]'),
    ]);
    expect(response.status()).toBe(403);
    expect(response.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.textContent('body')).toContain('does not accept posts from');
    expect((await getLead(leadIdFor(email))).status).toBe(404);
  });
});
