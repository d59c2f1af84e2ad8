import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '#local/dynamodb-local.ts';
import { LEAD_LINK_TTL_SECONDS, leadLinkKey, signedLeadUrl } from '#shared/http/lead-link.ts';
import { launchChromium, type NpmStart, startNpmStart, waitForHealth } from '#test/support/npm-start.ts';

/**
 * The links deployed pages depend on, in `npm start` and a real Chromium: the demo form's
 * redirect lands on the thank-you page the API serves (the same route deployed), and the
 * "Open lead" link of the Slack message and the email opens the lead's signed page; a tampered,
 * foreign or expired link gets a 403 page with nothing of the lead on it.
 */
const API_KEY = 'e2e-lead-link-key-0123456789';
const SIGNED_LINK = /https?:\/\/[^\s"'<>|]+\/v1\/leads\/(ld_[\w-]+)\/view\?exp=\d+&(?:amp;)?sig=[\w-]+/;

let stack: NpmStart;
let browser: Browser;
let baseUrl: string;
let dataDir: string;

const outboxFiles = (channel: 'slack' | 'email'): string[] => {
  try {
    return readdirSync(join(dataDir, 'outbox', channel)).map((file) =>
      join(dataDir, 'outbox', channel, file),
    );
  } catch {
    return [];
  }
};

/** The signed link of the first notification of a channel, once its outbox file is whole. */
async function linkInOutbox(channel: 'slack' | 'email'): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [file] = outboxFiles(channel);
    if (file) {
      const raw = readFileSync(file, 'utf8');
      // A file may still be being written: read it again until its link is there.
      const text = channel === 'email' ? ((await simpleParser(raw)).text ?? '') : raw;
      const link = SIGNED_LINK.exec(text)?.[0];
      if (link) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no ${channel} notification with a signed link in the outbox:\n${stack.output()}`);
}

beforeAll(async () => {
  const port = await findFreePort();
  baseUrl = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'leadscore-e2e-links-'));
  stack = startNpmStart({
    port,
    env: {
      LEADSCORE_DATA_DIR: dataDir,
      LEADSCORE_API_KEY: API_KEY,
      LEADSCORE_DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    },
  });
  await waitForHealth(baseUrl, 90_000, stack);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('thank-you page and signed lead links, locally as deployed', () => {
  it('It should land a demo form post on the API’s thank-you page, then open the lead from Slack and email', async () => {
    const email = `dana.lee.${Date.now()}@northwind-analytics.com`;
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.fill('#email', email);
    await page.fill('#firstName', 'Dana');
    await page.fill('#lastName', 'Lee');
    await page.fill('#company', 'Northwind <Analytics>');
    await page.fill('#jobTitle', 'VP Marketing');
    await page.fill('#phone', '+1 555 0100');
    await page.selectOption('#country', 'US');
    await page.selectOption('#industry', 'software');
    await page.fill('#employees', '850');
    const [thanks] = await Promise.all([
      page.waitForResponse((response) => new URL(response.url()).pathname === '/thanks.html'),
      page.click('button[type="submit"]'),
    ]);
    // Served by the manifest's GET /thanks.html (the lead-page function), as API Gateway does deployed.
    expect(thanks.status()).toBe(200);
    expect(thanks.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForURL('**/thanks.html');
    expect(await page.textContent('h1')).toBe('Thank you!');
    expect(await page.textContent('main')).toContain('Example Analytics Inc. has your request');

    // An A-grade demo request is an MQL by fast track: Slack and email are told, with a signed link.
    const slackLink = await linkInOutbox('slack');
    const mailLink = await linkInOutbox('email');
    const [emlFile = ''] = outboxFiles('email');
    expect((await simpleParser(readFileSync(emlFile, 'utf8'))).html || '').toContain('/view?exp=');

    for (const link of [slackLink, mailLink]) {
      const response = await page.goto(link);
      expect(response?.status()).toBe(200);
      expect(await page.textContent('h1')).toBe('Dana Lee');
      const text = (await page.textContent('main')) ?? '';
      expect(text).toContain('Northwind <Analytics>'); // escaped, shown as text
      expect(text).toContain('A / ');
      expect(text).toContain('Why this score');
      expect(await page.locator('table tbody tr').count()).toBeGreaterThan(3);
      expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    }
  }, 120_000);

  it('It should answer a tampered, foreign or expired link with a 403 page that shows nothing of the lead', async () => {
    const link = await linkInOutbox('slack');
    const leadId = SIGNED_LINK.exec(link)?.[1] ?? '';
    const url = new URL(link);
    const sig = url.searchParams.get('sig') ?? '';
    const tampered = new URL(url);
    tampered.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    const later = new URL(url);
    later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 60));
    const foreign = new URL(url.href.replace(leadId, `ld_${'x'.repeat(22)}`));
    const unsigned = new URL(url);
    unsigned.search = '';
    // Signed with the stack's key, three days and a minute ago: expired.
    const key = leadLinkKey(API_KEY);
    const expired = signedLeadUrl(baseUrl, leadId, key, Date.now() - (LEAD_LINK_TTL_SECONDS + 60) * 1000);

    const page = await browser.newPage();
    for (const [bad, heading] of [
      [tampered.href, 'This link is not valid'],
      [later.href, 'This link is not valid'],
      [foreign.href, 'This link is not valid'],
      [unsigned.href, 'This link is not valid'],
      [expired, 'This link has expired'],
    ] as const) {
      const response = await page.goto(bad);
      expect(response?.status(), bad).toBe(403);
      expect(await page.textContent('h1'), bad).toBe(heading);
      const html = await page.content();
      for (const secret of ['Dana', 'Northwind', 'northwind-analytics.com', 'Why this score'])
        expect(html, bad).not.toContain(secret);
    }
    // The same signature, re-signed by the test with the stack's key, opens the page: the key is the local one.
    const resigned = await page.goto(signedLeadUrl(baseUrl, leadId, key, Date.now()));
    expect(resigned?.status()).toBe(200);
  }, 60_000);
});
