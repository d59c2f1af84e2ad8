/**
 * The backtest (PRODUCT §6.5) as one self-contained HTML page in the model report's style:
 * what the candidate model changes (segments, MQLs, the top movers with their explanation
 * diff) and, where outcomes exist, both models judged side by side (AUC with its interval,
 * conversion by score band as ECharts SVG). No script, nothing fetched; data text escaped.
 */
import type { BacktestReport } from '#shared/app/backtest.ts';
import { escapeHtml } from '#shared/notify/email.ts';
import { COLOURS, chartSvg, STYLES } from './render-html.ts';

const fmt = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined ? '–' : n.toFixed(digits);
const pct = (n: number | null | undefined) =>
  n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)}%`;

function figure(label: string, value: string, detail = ''): string {
  return `<div class="figure"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div><div class="detail">${escapeHtml(detail)}</div></div>`;
}

function tableHtml(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table"><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function outcomesSection(report: BacktestReport): string {
  if (!report.outcomes)
    return '<div class="card wide"><h2>Backtest</h2><p class="empty">No outcomes yet: record outcomes or import a CRM history to judge the models.</p></div>';
  const { current, candidate } = report.outcomes;
  const bands = Math.max(current.bands.length, candidate.bands.length);
  const labels = Array.from({ length: bands }, (_, i) => `Band ${i + 1}`);
  const chart = chartSvg({
    title: { text: 'Conversion by score band (1 = top scores)', left: 0, textStyle: { fontSize: 14 } },
    legend: { top: 24, right: 0 },
    grid: { left: 56, right: 16, top: 64, bottom: 40 },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: [
      {
        name: `current ${report.currentVersion}`,
        type: 'bar',
        data: current.bands.map((b) => b.rate ?? 0),
        itemStyle: { color: COLOURS.reference },
      },
      {
        name: `candidate ${report.candidateVersion}`,
        type: 'bar',
        data: candidate.bands.map((b) => b.rate ?? 0),
        itemStyle: { color: COLOURS.converted },
      },
    ],
  });
  const interval = (r: typeof current) =>
    r.auc.interval ? `${fmt(r.auc.interval.lower)}–${fmt(r.auc.interval.upper)}` : '–';
  return `<div class="card wide"><h2>Backtest on ${current.counts.labelled} leads with an outcome</h2>
<p class="explain">Each lead counts with the score it had when its outcome was reached, under each model.</p>
${tableHtml(
  ['model', 'AUC', '95% interval', 'top band conversion', 'bottom band conversion'],
  [
    [
      `current ${report.currentVersion}`,
      fmt(current.auc.value),
      interval(current),
      pct(current.bands[0]?.rate),
      pct(current.bands.at(-1)?.rate),
    ],
    [
      `candidate ${report.candidateVersion}`,
      fmt(candidate.auc.value),
      interval(candidate),
      pct(candidate.bands[0]?.rate),
      pct(candidate.bands.at(-1)?.rate),
    ],
  ],
)}
<figure class="chart">${chart}</figure></div>`;
}

/** The backtest as one HTML document that opens offline. */
export function renderBacktestHtml(report: BacktestReport, client: string): string {
  const movers = report.topMovers.map((m) => [
    m.email ?? m.leadId,
    `${fmt(m.current.score, 1)} → ${fmt(m.candidate.score, 1)}`,
    `${m.current.segment} → ${m.candidate.segment}`,
    m.diff
      .slice(0, 4)
      .map((d) => `${d.ruleId}: ${fmt(d.current, 1)} → ${fmt(d.candidate, 1)}`)
      .join('; '),
  ]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Backtest: ${client}`)}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
<header>
<h1>What if <span>${escapeHtml(client)}</span></h1>
<div class="meta">current ${escapeHtml(report.currentVersion)} → candidate ${escapeHtml(report.candidateVersion)} · as of ${escapeHtml(report.at)} · nothing was written</div>
</header>
<div class="headline">
${figure('Leads', String(report.leads))}
${figure('Change segment', String(report.changedSegment), `${report.changedGrade} change grade`)}
${figure('New MQLs', String(report.newMqls), report.mqlThreshold ? `threshold ${report.mqlThreshold}` : '')}
${figure('Lost MQLs', String(report.lostMqls))}
${report.outcomes ? figure('AUC', `${fmt(report.outcomes.current.auc.value)} → ${fmt(report.outcomes.candidate.auc.value)}`, 'current → candidate') : ''}
</div>
<div class="grid">
<div class="card"><h2>Segment moves</h2>${
    report.segmentMoves.length === 0
      ? '<p class="empty">No lead changes segment.</p>'
      : tableHtml(
          ['from', 'to', 'leads'],
          report.segmentMoves.map((m) => [m.from, m.to, String(m.leads)]),
        )
  }</div>
<div class="card"><h2>Top movers</h2>${
    movers.length === 0
      ? '<p class="empty">No score changes.</p>'
      : tableHtml(['lead', 'score', 'segment', 'what changed'], movers)
  }</div>
${outcomesSection(report)}
</div>
</main>
</body>
</html>
`;
}
