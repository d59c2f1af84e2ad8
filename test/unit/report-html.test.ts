import { describe, expect, test } from 'vitest';
import { renderReportHtml } from '#scripts/report/render-html.ts';
import type { ModelRow, RuleInfo } from '#shared/analytics/dataset.ts';
import { mulberry32 } from '#shared/analytics/metrics.ts';
import { buildModelReport } from '#shared/analytics/report.ts';
import { escapeHtml } from '#shared/notify/email.ts';

/*
 * The model report as one HTML file (PRODUCT §6.3): charts as server-rendered SVG, nothing
 * fetched from elsewhere, data escaped.
 */

const HOSTILE_RULE = '<b>x</b>';
const HOSTILE_SEGMENT = '<script>alert(1)</script>';

const rules: RuleInfo[] = [
  { ruleId: 'job-title-vp', kind: 'fit', points: 20 },
  { ruleId: 'pricing-page', kind: 'engagement', points: 5 },
  { ruleId: HOSTILE_RULE, kind: 'source', points: 10 },
];

/** 400 leads whose converters are likelier to have fired the first two rules; a fifth open. */
function dataset(): ModelRow[] {
  const random = mulberry32(17);
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: 400 }, (_, i) => {
    const converts = random() < 0.3;
    const open = i % 5 === 0;
    const ruleHits: Record<string, number> = {};
    const rulePoints: Record<string, number> = {};
    for (const rule of rules) {
      const chance = rule.ruleId === HOSTILE_RULE ? 0.3 : converts ? 0.7 : 0.3;
      if (random() < chance) {
        ruleHits[rule.ruleId] = 1;
        rulePoints[rule.ruleId] = rule.points;
      }
    }
    const score = Object.values(rulePoints).reduce((sum, points) => sum + points, 0);
    return {
      leadId: `ld_${i}`,
      score,
      segment: score >= 25 ? 'hot' : score >= 10 ? 'warm' : HOSTILE_SEGMENT,
      grade: ['A', 'B', 'C'][i % 3]!,
      label: open ? undefined : converts ? 1 : 0,
      ...(open
        ? {}
        : {
            outcome: {
              kind: converts ? ('converted' as const) : ('lost' as const),
              at: new Date(t0 + (10 + (i % 30)) * 86_400_000).toISOString(),
            },
          }),
      mqlAt: new Date(t0 + 2 * 86_400_000).toISOString(),
      ruleHits,
      rulePoints,
      profile: {},
    };
  });
}

const options = { generatedAt: '2026-03-01T00:00:00Z', client: 'acme <corp>', modelVersion: 'v3', seed: 1 };

describe('the model report as HTML', () => {
  const report = buildModelReport(dataset(), rules, options);
  const html = renderReportHtml(report);

  test('It should draw every chart as inline SVG', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const charts = html.match(/<svg\b/g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(9);
    expect(html).toContain(`AUC ${report.auc.value!.toFixed(3)} [`);
  });

  test('It should open offline: no script, no resource fetched from elsewhere', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    const withoutSvgNamespaces = html.replace(/\sxmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
    expect(withoutSvgNamespaces).not.toMatch(/https?:\/\//);
    // In-document references (clip paths: `url(#zr1-c0)`) are fine; nothing else is.
    expect(withoutSvgNamespaces).not.toMatch(/url\((?!#)|@import|\bsrc=/i);
  });

  test('It should escape rule ids, segment and client names from the data', () => {
    expect(html).not.toContain(HOSTILE_RULE);
    expect(html).not.toContain(HOSTILE_SEGMENT);
    expect(html).not.toContain('acme <corp>');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('acme &lt;corp&gt;');
  });

  test('It should show the headline figures and the notes', () => {
    expect(html).toContain(String(report.counts.leads));
    expect(html).toContain(`${report.mqlToConversion.medianDays!.toFixed(1)} d`);
    for (const note of report.notes) expect(html).toContain(escapeHtml(note.message));
  });

  test('It should say what is missing, not draw empty charts, before any outcome', () => {
    const early = buildModelReport(
      dataset().map((row) => ({ ...row, label: undefined, outcome: undefined })),
      rules,
      options,
    );
    const page = renderReportHtml(early);
    expect(page.match(/<svg\b/g)).toHaveLength(1);
    expect(page).toContain('No lead has a final outcome yet');
  });
});
