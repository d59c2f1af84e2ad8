import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderReportHtml } from '#scripts/report/render-html.ts';
import { buildModelReport, type ModelReport } from '#shared/analytics/report.ts';
import { ruleInfoOf } from '#shared/app/model-data.ts';
import { openTarget } from './target.ts';
import { CliError, parseCommandArgs } from './usage.ts';

const pct = (n: number | null | undefined) =>
  n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)}%`;
const num = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined ? '–' : n.toFixed(digits);

/** The report's headline as an operator reads it in the terminal. */
export function formatReportSummary(report: ModelReport, where: string, out: string | undefined): string {
  const { counts, auc } = report;
  const interval = auc.interval ? ` (95% ${num(auc.interval.lower)}–${num(auc.interval.upper)})` : '';
  const lines = [
    `Model report for ${report.client}, model ${report.modelVersion}, from ${where}`,
    `Leads: ${counts.leads} (${counts.labelled} with an outcome: ${counts.positives} converted, ${counts.negatives} lost or disqualified; ${counts.open} open)`,
    `Conversion rate: ${pct(report.conversionRate)}   AUC: ${num(auc.value)}${interval}`,
    `Median days MQL → conversion: ${report.mqlToConversion.medianDays === null ? '–' : report.mqlToConversion.medianDays.toFixed(1)}`,
    'Conversion by score band (1 = top scores):',
    ...report.bands.map(
      (b) =>
        `  ${String(b.band).padStart(2)}  scores ${num(b.minScore, 1)}–${num(b.maxScore, 1)}  ${String(b.leads).padStart(6)} leads  ${pct(b.rate)}`,
    ),
    ...report.notes.map((n) => `${n.level}: ${n.message}`),
  ];
  if (out) lines.push(`Written to ${out} (one HTML file, opens offline).`);
  return lines.join('\n');
}

/**
 * `leadscore report [--out report.html] [--json]` (PRODUCT §6.3): the model judged by the
 * outcomes sales reported, from the local data directory or a deployed table.
 */
export async function reportCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string' },
    client: { type: 'string' },
    endpoint: { type: 'string' },
    table: { type: 'string' },
  });
  const log = values.json ? () => {} : (line: string) => console.error(line);
  const target = await openTarget(values, log);
  try {
    const now = Date.now();
    const rows = await target.app.modelRows(now);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer (got "${values.seed}")`);
    const report = buildModelReport(rows, ruleInfoOf(target.app.model), {
      generatedAt: new Date(now).toISOString(),
      client: target.app.config.client,
      modelVersion: target.app.model.version,
      seed,
    });
    const out = values.out === undefined ? undefined : resolve(values.out);
    if (out) await writeFile(out, renderReportHtml(report));
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(formatReportSummary(report, target.describe, out));
    return 0;
  } finally {
    await target.close();
  }
}
