import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CsvRow,
  csvParser,
  DEFAULT_MISSING,
  missingSetOf,
  planColumns,
  rowToLead,
} from '#scripts/import/csv-leads.ts';
import { renderReportHtml } from '#scripts/report/render-html.ts';
import type { ModelRow } from '#shared/analytics/dataset.ts';
import { buildModelReport, type ModelReport } from '#shared/analytics/report.ts';
import { IMPORTED_EVENT_TYPE } from '#shared/app/import.ts';
import type { ImportedLead } from '#shared/app/imported-lead.ts';
import { modelRowOf, ruleInfoOf } from '#shared/app/model-data.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { foldEvents } from '#shared/scoring/engine.ts';
import { compileModel } from '#shared/scoring/model.ts';
import { outcomeEventId, outcomeEventType } from '#shared/scoring/outcomes.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { writeCrmExport } from '#test/support/crm-export.ts';

/*
 * The model report (PRODUCT §6.3) as a sales manager opens it: one HTML file, in a real headless
 * Chromium with every network request blocked, its SVG charts drawn and its headline AUC shown.
 * The leads are the generated CRM export read by the import's own column mapping, given some
 * engagement and scored by the example client's model with the pure engine, as the table
 * would hold them. The screenshot is the README's picture (docs/model-report.png).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT = join(ROOT, 'docs', 'model-report.png');
const MAX_SCREENSHOT_BYTES = 600_000;
/** The tallest screenshot kept, in CSS pixels: the headline and the first rows of charts. */
const MAX_SCREENSHOT_HEIGHT = 2600;
const REPORT_URL = 'http://report.invalid/model-report.html';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const T0 = Date.parse('2026-08-03T08:00:00Z');
const GENERATED_AT = '2026-11-02T09:00:00.000Z';

/**
 * The leads of a CRM export as `leadscore import` maps them (same column plan, same placeholders,
 * a lead's second row skipped).
 */
async function importedLeads(file: string): Promise<ImportedLead[]> {
  const options = {
    idColumn: 'Prospect ID',
    outcomeColumn: 'Converted',
    convertedValue: '1',
    missing: missingSetOf(DEFAULT_MISSING),
  };
  const leads: ImportedLead[] = [];
  const seen = new Set<string>();
  let plan: Extract<ReturnType<typeof planColumns>, { plan: unknown }>['plan'] | undefined;
  for await (const row of createReadStream(file).pipe(csvParser())) {
    const { record } = row as CsvRow;
    if (!plan) {
      const planned = planColumns(record, options);
      if ('error' in planned) throw new Error(planned.error);
      plan = planned.plan;
      continue;
    }
    const result = rowToLead(plan, record, T0);
    if ('lead' in result && !seen.has(result.lead.email)) {
      seen.add(result.lead.email);
      leads.push(result.lead);
    }
  }
  return leads;
}

/**
 * A lead's events: its import at its creation, website visits and forms that follow its CRM
 * traits (time on site → pricing pages, a webinar; an ad lead form → the demo form), and its
 * outcome some days later.
 */
function eventsOf(lead: ImportedLead, index: number): ScoringEvent[] {
  const created = T0 + index * 45 * 60_000;
  const seconds = Number(lead.profile['Total Time Spent on Website'] ?? 0);
  const visits = Math.min(Number(lead.profile.TotalVisits ?? 0), 8);
  const events: ScoringEvent[] = [
    {
      id: `import-${index}`,
      type: IMPORTED_EVENT_TYPE,
      occurredAt: created,
      attributes: { sourceId: lead.sourceId },
      profile: { ...lead.profile, email: lead.email },
      trusted: true,
    },
  ];
  const at = (hours: number) => created + hours * 3_600_000;
  for (let v = 0; v < visits; v++)
    events.push({
      id: `pv-${index}-${v}`,
      type: 'page_view',
      occurredAt: at(v + 1),
      attributes: { url: '/blog' },
    });
  for (let p = 0; p < Math.floor(seconds / 300); p++)
    events.push({
      id: `pp-${index}-${p}`,
      type: 'page_view',
      occurredAt: at(p + 2),
      attributes: { url: '/pricing' },
    });
  if (seconds > 900)
    events.push({ id: `wb-${index}`, type: 'webinar_attended', occurredAt: at(30), attributes: {} });
  if (lead.profile['Lead Origin'] === 'Lead Add Form')
    events.push({
      id: `df-${index}`,
      type: 'form_submit',
      occurredAt: at(1),
      attributes: { formId: 'demo-request' },
    });
  if (lead.outcome)
    events.push({
      id: outcomeEventId(lead.outcome.kind),
      type: outcomeEventType(lead.outcome.kind),
      occurredAt: at(36 + (index % 4) * 24),
      attributes: {},
      trusted: true,
    });
  return events;
}

describe('leadscore report, opened in Chromium', () => {
  let dir: string;
  let report: ModelReport;
  let html: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadscore-report-e2e-'));
    const crm = await writeCrmExport(dir, { leads: 1200, seed: 3 });
    const config = loadClientConfig('example');
    const model = compileModel(config);
    const now = Date.parse(GENERATED_AT);
    const rows: ModelRow[] = (await importedLeads(crm.path)).map((lead, i) => {
      const state = foldEvents(leadIdFor(lead.email), eventsOf(lead, i), model);
      return modelRowOf(state, model, now, new Date(T0 + i * 45 * 60_000).toISOString());
    });
    expect(rows).toHaveLength(crm.expected.valid);
    report = buildModelReport(rows, ruleInfoOf(model), {
      generatedAt: GENERATED_AT,
      client: config.client,
      modelVersion: model.version,
    });
    html = renderReportHtml(report);
    await writeFile(join(dir, 'report.html'), html);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('It should draw the report’s charts and headline AUC offline, and save its picture for the README', {
    timeout: 120_000,
  }, async () => {
    expect(report.auc.value).not.toBeNull();
    expect(report.mqlToConversion.conversions).toBeGreaterThan(0);

    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    try {
      const page = await context.newPage();
      const attempted: string[] = [];
      // The report is served once from a name that resolves nowhere; anything else it asks for
      // (fonts, scripts, images, trackers) is recorded and refused.
      await page.route('**/*', async (route) => {
        const url = route.request().url();
        if (url === REPORT_URL) return route.fulfill({ status: 200, contentType: 'text/html', body: html });
        attempted.push(url);
        return route.abort('blockedbyclient');
      });
      page.on('request', (request) => {
        if (request.url() !== REPORT_URL && !attempted.includes(request.url())) attempted.push(request.url());
      });
      await page.goto(REPORT_URL, { waitUntil: 'load' });
      await page.waitForLoadState('networkidle');

      expect(attempted).toEqual([]);
      await expect(page.title()).resolves.toBe('Model report: example');

      const aucTile = page.locator('.headline .figure', { hasText: 'AUC' });
      await expect(aucTile.locator('.value').textContent()).resolves.toBe(report.auc.value!.toFixed(3));
      await expect(aucTile.locator('.detail').textContent()).resolves.toContain('95% CI');

      const drawn = await page.$$eval(
        'svg',
        (svgs) =>
          svgs.filter((svg) => {
            const box = svg.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && svg.querySelector('path, rect, text') !== null;
          }).length,
      );
      expect(drawn).toBeGreaterThanOrEqual(6);

      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await mkdir(join(ROOT, 'docs'), { recursive: true });
      await page.screenshot({
        path: SCREENSHOT,
        type: 'png',
        ...(height <= MAX_SCREENSHOT_HEIGHT
          ? { fullPage: true }
          : { fullPage: true, clip: { x: 0, y: 0, width: 1280, height: MAX_SCREENSHOT_HEIGHT } }),
      });
      const { size } = await stat(SCREENSHOT);
      expect(size).toBeGreaterThan(20_000);
      expect(size).toBeLessThan(MAX_SCREENSHOT_BYTES);
    } finally {
      await context.close();
    }
  });
});
