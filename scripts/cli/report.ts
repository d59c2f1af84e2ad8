import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { renderReportHtml } from '#scripts/report/render-html.ts';
import { buildModelReport, type ModelReport } from '#shared/analytics/report.ts';
import { ruleInfoOf } from '#shared/app/model-data.ts';
import { type TargetOptions, withTarget } from './target.ts';
import { addExamples, addTargetOptions, clientOption, integerArg, jsonOption } from './usage.ts';

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

export interface ReportOptions extends TargetOptions {
  /** The HTML file to write. */
  readonly out?: string | undefined;
  readonly json?: boolean | undefined;
  /** The bootstrap's seed (buildModelReport's default when undefined). */
  readonly seed?: number | undefined;
}

/** `leadscore report`: its options and help. */
export function defineReportCommand(): Command {
  const command = new Command('report')
    .summary('judge the model by the outcomes sales reported')
    .description(
      'Judges the model by the outcomes sales reported (PRODUCT §6.3): conversion by segment, score ' +
        'band and grade, gains and lift, ROC with AUC and its 95% bootstrap interval, calibration, ' +
        'median days MQL → conversion, rule weights among converters.',
    )
    .option('--out <report.html>', 'write one HTML file with the charts (opens offline)')
    .option(
      '--seed <n>',
      "the bootstrap's seed (default: 1)",
      integerArg(() => true, 'an integer'),
    )
    .addOption(clientOption())
    .addOption(jsonOption('the figures'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore report --out report.html',
    'leadscore report --json',
    'leadscore report --client acme --table leadscore-acme --out acme.html',
  ]);
}

/**
 * `leadscore report [--out report.html] [--json]` (PRODUCT §6.3): the model judged by the
 * outcomes sales reported, from the local data directory or a deployed table.
 */
export async function reportCommand(options: ReportOptions): Promise<number> {
  const log = options.json ? () => {} : (line: string) => console.error(line);
  return withTarget(options, log, async (target) => {
    const now = Date.now();
    const rows = await target.app.modelRows(now);
    const report = buildModelReport(rows, ruleInfoOf(target.app.model), {
      generatedAt: new Date(now).toISOString(),
      client: target.app.config.client,
      modelVersion: target.app.model.version,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    const out = options.out === undefined ? undefined : resolve(options.out);
    if (out) await writeFile(out, renderReportHtml(report));
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else console.log(formatReportSummary(report, target.describe, out));
    return 0;
  });
}
