import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { findFreePort } from '#local/dynamodb-local.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { launchChromium, type NpmStart, startNpmStart, waitForHealth } from '#test/support/npm-start.ts';

/**
 * The sales console as sales use it, in headless Chromium against `npm start`: the ranked list
 * and its filters, a lead with the engine's chart, its explanation and timeline, an outcome
 * recorded with a button, the account view; no horizontal overflow at 390 px; axe-core finds no
 * serious or critical violation on any view. Screenshots go to test-results/ and the README's
 * docs/console.png.
 */
const API_KEY = 'e2e-console-key-0123456789';
const DAY = 86_400_000;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let stack: NpmStart;
let browser: Browser;
let baseUrl: string;

const HOT = ['ava', 'ben', 'cleo', 'dan'].map((name) => `${name}@northwind-console.io`);
const WARM = 'eve@brightpath-console.io';
const COMPETITOR = 'spy@rivalmetrics.com';
const PERSONAL = 'jon.smith.console@gmail.com';

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...init.headers },
  });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300);
  return response.json();
};

async function postForm(email: string, jobTitle: string) {
  await api('/v1/forms/demo-request', {
    method: 'POST',
    body: JSON.stringify({
      work_email: email,
      full_name: `${email.split('@')[0]} Example`,
      company: email.split('@')[1],
      jobTitle,
      industry: 'software',
      employees: '900',
      country: 'US',
      phone: '+1 555 0100',
    }),
  });
}

/**
 * The example client under its own name (so its own table, `leadscore-console-e2e`): the e2e
 * suites share one DynamoDB Local, and each stack relays its table's stream to its notifiers.
 */
function writeClientConfig(dir: string): string {
  const config = parseYaml(readFileSync('clients/example.yaml', 'utf8'));
  config.client = 'console-e2e';
  const path = join(dir, 'console-e2e.yaml');
  writeFileSync(path, stringifyYaml(config));
  return path;
}

/** Four hot leads of one company with a month of activity, a warm one, a competitor, a gmail student. */
async function seed() {
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
  const events = HOT.flatMap((email) => [
    {
      eventId: `${email}-pricing`,
      email,
      type: 'page_view',
      occurredAt: at(24),
      attributes: { url: 'https://site/pricing' },
    },
    {
      eventId: `${email}-careers`,
      email,
      type: 'page_view',
      occurredAt: at(16),
      attributes: { url: 'https://site/careers' },
    },
    {
      eventId: `${email}-webinar`,
      email,
      type: 'webinar_attended',
      occurredAt: at(6),
      attributes: { webinar: 'Q4 launch' },
    },
    { eventId: `${email}-demo`, email, type: 'demo_request', occurredAt: at(3), attributes: {} },
  ]);
  events.push(
    {
      eventId: 'spy-webinar',
      email: COMPETITOR,
      type: 'webinar_attended',
      occurredAt: at(1),
      attributes: { webinar: 'Q4 launch' },
    },
    {
      eventId: 'jon-careers',
      email: PERSONAL,
      type: 'page_view',
      occurredAt: at(3),
      attributes: { url: 'https://site/careers' },
    },
  );
  await api('/v1/events', { method: 'POST', body: JSON.stringify({ events }) });
  for (const email of HOT) await postForm(email, 'VP Marketing');
  await postForm(WARM, 'Marketing Manager');
  await postForm(COMPETITOR, 'VP Marketing');
  await postForm(PERSONAL, 'Student');
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's violations of impact serious or critical on the page as it is now. */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not block.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    return (await axe.run(document)).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) }));
}

/** The page is no wider than the window (nothing scrolls sideways). */
const horizontalOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const rowSegments = (page: Page) =>
  page.$$eval('#lead-rows tr .badge', (badges) => badges.map((b) => b.textContent));

/** Waits until ECharts has drawn the lead's chart (both series) in the page. */
async function waitForChart(page: Page) {
  await page.waitForFunction(() => {
    const charts = (window as unknown as { echarts?: { getInstanceByDom: (el: Element) => unknown } })
      .echarts;
    const container = document.getElementById('score-chart');
    const chart =
      container &&
      (charts?.getInstanceByDom(container) as { getOption: () => { series?: unknown[] } } | undefined);
    return chart?.getOption().series?.length === 2 && container?.querySelector('svg path') !== null;
  });
}

async function connect(page: Page) {
  await page.goto(`${baseUrl}/leads.html`);
  await page.fill('#api-key', API_KEY);
  await page.click('#key-form button[type="submit"]');
  await page.waitForSelector('#lead-rows tr');
}

/** Chooses filters, applies them, and waits for the listing they ask for. */
async function filter(
  page: Page,
  values: { segment?: string; grade?: string; owner?: string; minScore?: string },
) {
  await page.selectOption('#segment', values.segment ?? '');
  await page.selectOption('#grade', values.grade ?? '');
  await page.selectOption('#owner', values.owner ?? '');
  await page.fill('#min-score', values.minScore ?? '');
  const listed = page.waitForResponse((r) => r.url().includes('/v1/leads?'));
  await page.click('#filters button[type="submit"]');
  await listed;
  await page.waitForFunction(() => document.getElementById('status')?.textContent === '');
}

/** Collects what would tell that the page is broken: script errors, CSP violations, failed loads. */
function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

describe('The sales console in Chromium', () => {
  beforeAll(async () => {
    const port = await findFreePort();
    baseUrl = `http://127.0.0.1:${port}`;
    stack = startNpmStart({
      port,
      env: {
        LEADSCORE_CLIENT: writeClientConfig(mkdtempSync(join(tmpdir(), 'leadscore-console-config-'))),
        LEADSCORE_DATA_DIR: mkdtempSync(join(tmpdir(), 'leadscore-console-')),
        LEADSCORE_API_KEY: API_KEY,
        LEADSCORE_DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      },
    });
    await waitForHealth(baseUrl, 90_000, stack);
    await seed();
    browser = await launchChromium();
    mkdirSync('test-results', { recursive: true });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('It should filter the ranked list, chart a lead from the engine, explain it, record an outcome and show its account', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems = watchForErrors(page);
    await connect(page);
    expect(new URL(page.url()).pathname).toBe('/console/index.html');

    // "All" is really all: the disqualified competitor is listed, last.
    const all = await rowSegments(page);
    expect(all).toHaveLength(HOT.length + 3);
    expect(all.at(-1)).toBe('disqualified');
    expect(await page.locator('#lead-rows tr').first().locator('td').nth(5).textContent()).toMatch(
      /^(lead|mql|sql)$/,
    );
    expect(await page.locator('#lead-rows tr').first().locator('td').nth(7).textContent()).toMatch(/ago|now/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/console-list.png', fullPage: true });

    await filter(page, { segment: 'hot' });
    expect(page.url()).toContain('#/?segment=hot');
    expect(await rowSegments(page)).toEqual(HOT.map(() => 'hot'));
    await filter(page, { segment: 'disqualified' });
    expect(await page.locator('#lead-rows tr').allTextContents()).toEqual([
      expect.stringContaining(COMPETITOR),
    ]);
    await filter(page, { minScore: '100' });
    const scores = await page.$$eval('#lead-rows td.score', (cells) =>
      cells.map((c) => Number(c.textContent)),
    );
    expect(scores.length).toBeGreaterThanOrEqual(HOT.length);
    expect(scores.every((s) => s >= 100)).toBe(true);
    // The owner of the hot leads (an email: the routing rule's owner).
    const ownerOfHot = (await api(`/v1/leads/${leadIdFor(HOT[0]!)}`)).owner.email as string;
    await filter(page, { owner: ownerOfHot });
    const ownerNames = await page.$$eval('#lead-rows td[data-label="Owner"]', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(ownerNames.length).toBeGreaterThanOrEqual(HOT.length);
    expect(new Set(ownerNames).size).toBe(1);
    await filter(page, { grade: 'A', segment: 'hot' });
    expect(await rowSegments(page)).toEqual(HOT.map(() => 'hot'));

    // A lead: the engine's chart (score line with threshold and band lines, one dot per event).
    const leadId = leadIdFor(HOT[0]!);
    await page.click(`a[href="#/lead/${leadId}"]`);
    await waitForChart(page);
    const series = await page.evaluate(() => {
      const charts = (
        window as unknown as { echarts: { getInstanceByDom: (el: Element) => { getOption: () => unknown } } }
      ).echarts;
      const option = charts.getInstanceByDom(document.getElementById('score-chart')!).getOption() as {
        series: { name: string; type: string; data: unknown[]; markLine?: { data: { yAxis: number }[] } }[];
      };
      return option.series.map((s) => ({
        name: s.name,
        type: s.type,
        points: s.data.length,
        lines: (s.markLine?.data ?? []).map((line) => line.yAxis),
      }));
    });
    const history = await api(`/v1/leads/${leadId}/history`);
    expect(series).toEqual([
      {
        name: 'Score',
        type: 'line',
        points: history.points.length,
        lines: expect.arrayContaining([100, 150, 50]),
      },
      { name: 'Events', type: 'scatter', points: 5, lines: [] },
    ]);
    expect(history.points.length).toBeGreaterThan(50);

    // The explanation: awarded, decay and now per rule; the negative rule shown as negative.
    const careers = page.locator('#explain-rows tr', { hasText: 'careers-page' });
    expect(await careers.locator('td').nth(3).locator('.points').getAttribute('class')).toContain('negative');
    const pricing = page.locator('#explain-rows tr', { hasText: 'pricing-page' });
    expect(await pricing.locator('td').nth(1).textContent()).toBe('+10');
    expect(await pricing.locator('td').nth(2).locator('.points').getAttribute('class')).toContain('negative');
    const lead = await api(`/v1/leads/${leadId}`);
    expect(Number(await page.locator('#explain-total').textContent())).toBeCloseTo(lead.score, 0);
    expect(await page.locator('#explain-rows tr').count()).toBe(lead.explanation.lines.length);
    // The activity timeline: every event, newest first.
    expect(await page.locator('#timeline > li').count()).toBe(5);
    expect(await page.locator('#timeline > li').first().textContent()).toContain('form_submit');
    expect(await page.locator('#timeline > li').last().textContent()).toContain('pricing-page');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/console-lead.png', fullPage: true });
    await page.screenshot({ path: 'docs/console.png', fullPage: false });

    // An outcome, recorded with a button: stored, shown, and idempotent.
    await page.fill('#outcome-reason', 'Budget approved');
    await page.click('button[data-outcome="sql"]');
    await page.waitForFunction(() =>
      document.getElementById('outcome-result')?.textContent?.startsWith('Recorded'),
    );
    expect(await page.locator('#outcome-result').textContent()).toContain('Recorded: sql. Lifecycle now sql');
    expect((await api(`/v1/leads/${leadId}`)).outcomes).toEqual([
      expect.objectContaining({ kind: 'sql', reason: 'Budget approved' }),
    ]);
    expect(await page.locator('#outcome-list').textContent()).toContain('Budget approved');
    await page.click('button[data-outcome="sql"]');
    await page.waitForFunction(() =>
      /^(Already|The API|Another)/.test(document.getElementById('outcome-result')?.textContent ?? ''),
    );
    // The same outcome again with the same reason: a duplicate, said as such.
    expect(await page.locator('#outcome-result').textContent()).toContain('Already recorded: sql');

    // Its account: the four contacts of northwind-console.io.
    await page.click('#lead-account a');
    await page.waitForSelector('#member-rows tr');
    expect(await page.locator('#member-rows tr').count()).toBe(HOT.length);
    expect(await page.locator('#account-title').textContent()).toBe('Account northwind-console.io');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/console-account.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('It should fit a 390 px wide phone on the list, lead and account views', async () => {
    const page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const problems = watchForErrors(page);
    await connect(page);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: 'test-results/console-list-390.png', fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    const leadId = leadIdFor(HOT[1]!);
    await page.goto(`${baseUrl}/console/index.html#/lead/${leadId}`);
    await waitForChart(page);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/console-lead-390.png', fullPage: true });

    await page.goto(`${baseUrl}/console/index.html#/account/northwind-console.io`);
    await page.waitForSelector('#member-rows tr');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: 'test-results/console-account-390.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('It should say how many older events the activity list leaves out, while the chart covers them', async () => {
    const email = 'busy@longtail-console.io';
    const start = Date.now() - 30 * DAY;
    const views = Array.from({ length: 505 }, (_, i) => ({
      eventId: `busy-${i}`,
      email,
      type: 'page_view',
      occurredAt: new Date(start + i * 3_600_000).toISOString(),
      attributes: { url: `https://site/docs/${i}` },
    }));
    for (let i = 0; i < views.length; i += 250)
      await api('/v1/events', { method: 'POST', body: JSON.stringify({ events: views.slice(i, i + 250) }) });
    const page = await browser.newPage();
    const problems = watchForErrors(page);
    await connect(page);
    await page.goto(`${baseUrl}/console/index.html#/lead/${leadIdFor(email)}`);
    await waitForChart(page);
    expect(await page.locator('#timeline > li').count()).toBe(500);
    await expect
      .poll(() => page.textContent('#timeline-omitted'))
      .toBe('5 older events are not listed; the chart includes them.');
    expect(await page.isVisible('#timeline-omitted')).toBe(true);
    // A lead with a short history has no such note.
    await page.goto(`${baseUrl}/console/index.html#/lead/${leadIdFor(HOT[0]!)}`);
    await waitForChart(page);
    await page.waitForFunction(() => document.querySelectorAll('#timeline > li').length < 500);
    expect(await page.isVisible('#timeline-omitted')).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
