import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '#local/dynamodb-local.ts';
import { launchChromium, type NpmStart, startNpmStart, waitForHealth } from '#test/support/npm-start.ts';

/**
 * The new user's path through the README's first command: `npm start`, the demo page in a real
 * headless Chromium, a form submitted, a scored lead in the API, and — past the threshold —
 * exactly one Slack and one email notification in the outbox.
 */
const API_KEY = 'e2e-test-key-0123456789';

let stack: NpmStart;
let browser: Browser;
let baseUrl: string;
let dataDir: string;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...init.headers },
  });

function outboxFiles(channel: 'slack' | 'email'): string[] {
  try {
    return readdirSync(join(dataDir, 'outbox', channel));
  } catch {
    return [];
  }
}

async function waitFor<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describe('npm start, tried in Chromium as a new user would', () => {
  beforeAll(async () => {
    const port = await findFreePort();
    baseUrl = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'leadscore-e2e-'));
    stack = startNpmStart({
      port,
      env: {
        LEADSCORE_DATA_DIR: dataDir,
        LEADSCORE_API_KEY: API_KEY,
        // Reuse the test run's DynamoDB Local instead of starting a second JVM.
        LEADSCORE_DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      },
    });
    await waitForHealth(baseUrl, 90_000, stack);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('It should score a lead submitted through the demo form and notify once per change (fast track, then hot)', async () => {
    const email = `jane.doe.${Date.now()}@growthco.io`;
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.fill('#email', email);
    await page.fill('#firstName', 'Jane');
    await page.fill('#lastName', 'Doe');
    await page.fill('#company', 'GrowthCo');
    await page.fill('#jobTitle', 'VP Marketing');
    await page.fill('#phone', '+1 555 0100');
    await page.selectOption('#country', 'US');
    await page.selectOption('#industry', 'software');
    await page.fill('#employees', '800');
    await Promise.all([page.waitForURL('**/thanks.html'), page.click('button[type="submit"]')]);
    expect(new URL(page.url()).pathname).toBe('/thanks.html');

    const list = await (await api('/v1/leads?limit=100')).json();
    const lead = list.items.find((l: { email: string }) => l.email === email);
    expect(lead).toBeDefined();
    // demo form 30 + fit: target industry 15, size 10, senior title 20.
    expect(lead.score).toBeGreaterThanOrEqual(70);
    expect(lead.grade).toBe('A');
    // An A-grade demo request is an MQL by fast track (PRODUCT §2.13).

    // Enough activity to cross the MQL threshold (100).
    const activity = [
      { eventId: 'e2e-demo', email, type: 'demo_request', attributes: {} },
      { eventId: 'e2e-webinar', email, type: 'webinar_attended', attributes: { webinar: 'Q4 launch' } },
    ];
    const posted = await api('/v1/events', { method: 'POST', body: JSON.stringify({ events: activity }) });
    expect(posted.status).toBe(200);
    // A duplicate delivery changes nothing and notifies no one again.
    await api('/v1/events', { method: 'POST', body: JSON.stringify({ events: activity }) });

    const detail = await (await api(`/v1/leads/${lead.leadId}`)).json();
    expect(detail.score).toBeGreaterThanOrEqual(100);
    expect(detail.segment).toBe('hot');
    expect(detail.lifecycle).toBe('mql');

    // Two changes sales hear of: MQL by fast track at the form, then entering `hot`.
    await waitFor(
      () => outboxFiles('slack'),
      (files) => files.length >= 2,
    );
    await waitFor(
      () => outboxFiles('email'),
      (files) => files.length >= 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // late duplicates would show up here
    // One message per change and channel; the duplicate delivery added none.
    expect(outboxFiles('slack')).toHaveLength(2);
    expect(outboxFiles('email')).toHaveLength(2);
    const posts = outboxFiles('slack').map((f) => readFileSync(join(dataDir, 'outbox', 'slack', f), 'utf8'));
    expect(posts.join('\n')).toContain('Jane Doe');
    expect(posts.join('\n')).toContain('fast track');
    const eml = readFileSync(join(dataDir, 'outbox', 'email', outboxFiles('email')[0]!), 'utf8');
    expect(eml).toMatch(/^Subject: .+/m);
    expect(eml).toContain('Jane');

    // The leads page, explained, as sales would see it.
    const leadsPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await leadsPage.goto(`${baseUrl}/leads.html`);
    await leadsPage.fill('#api-key', API_KEY);
    await leadsPage.click('#key-form button[type="submit"]');
    await leadsPage.waitForSelector(`text=${email}`);
    mkdirSync('test-results', { recursive: true });
    await leadsPage.screenshot({ path: 'test-results/leads-page.png', fullPage: true });
  }, 90_000);
});
