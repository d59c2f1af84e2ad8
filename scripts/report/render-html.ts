/**
 * The model report as one self-contained HTML page (PRODUCT §6.3): inline CSS, charts as SVG
 * rendered here by Apache ECharts (server-side rendering, no script in the page), no external
 * resource, so the file opens offline and can be mailed or archived as it is. Every text that
 * comes from data (client, segment, grade and rule names) is escaped: by `escapeHtml` in the
 * page, by ECharts inside the SVG.
 */
import type {
  CustomSeriesRenderItem,
  EChartsOption,
  LineSeriesOption,
  MarkLineComponentOption,
} from 'echarts';
import * as echarts from 'echarts';
import type { GroupConversion } from '#shared/analytics/metrics.ts';
import type { ModelReport, ReportNote } from '#shared/analytics/report.ts';
import { escapeHtml } from '#shared/notify/email.ts';

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
/**
 * Charts are laid out on the server, where ECharts measures text with Arial's metrics (there is
 * no canvas to ask): fonts of those metrics keep legends and labels from overlapping.
 */
const CHART_FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif";

/** One palette for page and charts: converters blue, non-converters orange, open leads grey. */
export const COLOURS = {
  ink: '#1f2937',
  muted: '#6b7280',
  grid: '#e5e7eb',
  converted: '#2563eb',
  notConverted: '#ea580c',
  open: '#cbd5e1',
  fit: '#0f766e',
  reference: '#9ca3af',
} as const;

const CHART_WIDTH = 640;
const CHART_HEIGHT = 360;
/** The rule weights chart spans the page's width. */
const WIDE_CHART_WIDTH = 1000;
/** Rule weights chart: the rules with the largest part in the score gap, both directions. */
const MAX_CHARTED_RULES = 16;

const percent = (value: number | null, digits = 1) =>
  value === null ? '–' : `${(value * 100).toFixed(digits)}%`;
const decimal = (value: number | null, digits = 2) => (value === null ? '–' : value.toFixed(digits));
const score = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const scoreRange = (min: number, max: number) => (min === max ? score(min) : `${score(min)}–${score(max)}`);
const axisPercent = (value: number) => `${Math.round(value * 100)}%`;

/** Renders one chart to an SVG string, server-side, without animation. */
export function chartSvg(option: EChartsOption, { width = CHART_WIDTH, height = CHART_HEIGHT } = {}): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: CHART_FONT, color: COLOURS.ink },
      grid: { left: 64, right: 24, top: 48, bottom: 56 },
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const legend = { top: 8, left: 'center', itemGap: 16, textStyle: { color: COLOURS.muted } } as const;

function valueAxis(name: string, formatter?: (value: number) => string, max?: number) {
  return {
    type: 'value' as const,
    name,
    nameLocation: 'middle' as const,
    nameGap: 44,
    nameTextStyle: { color: COLOURS.muted },
    ...(max === undefined ? {} : { min: 0, max }),
    axisLabel: { color: COLOURS.muted, ...(formatter ? { formatter } : {}) },
    splitLine: { lineStyle: { color: COLOURS.grid } },
  };
}

function categoryAxis(name: string, data: string[]) {
  return {
    type: 'category' as const,
    name,
    nameLocation: 'middle' as const,
    nameGap: 36,
    nameTextStyle: { color: COLOURS.muted },
    data,
    axisLabel: { color: COLOURS.muted, interval: 0 },
    axisTick: { alignWithLabel: true },
  };
}

function dashedLine(
  name: string,
  data: [number, number][],
  colour: string = COLOURS.reference,
): LineSeriesOption {
  return {
    name,
    type: 'line',
    data,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: colour, width: 1.5 },
    itemStyle: { color: colour },
  };
}

function averageLine(value: number, label: string): MarkLineComponentOption {
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: COLOURS.reference },
    label: { formatter: label, color: COLOURS.muted, position: 'insideEndTop' },
    data: [{ yAxis: value }],
  };
}

/** Vertical error bars from `[x, lower, upper]` data, drawn by an ECharts custom series. */
const errorBars: CustomSeriesRenderItem = (_params, api) => {
  const x = api.value(0) as number;
  const low = api.coord([x, api.value(1) as number]);
  const high = api.coord([x, api.value(2) as number]);
  const style = { stroke: COLOURS.converted, lineWidth: 1.5 };
  const cap = 5;
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: low[0]!, y1: low[1]!, x2: high[0]!, y2: high[1]! }, style },
      { type: 'line', shape: { x1: low[0]! - cap, y1: low[1]!, x2: low[0]! + cap, y2: low[1]! }, style },
      { type: 'line', shape: { x1: high[0]! - cap, y1: high[1]!, x2: high[0]! + cap, y2: high[1]! }, style },
    ],
  };
};

function distributionChart(report: ModelReport): string {
  const bins = report.distribution;
  const stacked = (name: string, colour: string, data: number[]) => ({
    name,
    type: 'bar' as const,
    stack: 'leads',
    barCategoryGap: '8%',
    itemStyle: { color: colour },
    data,
  });
  return chartSvg({
    legend,
    xAxis: {
      ...categoryAxis(
        'Score',
        bins.map((bin) => score(bin.from)),
      ),
      axisLabel: { color: COLOURS.muted, hideOverlap: true },
    },
    yAxis: valueAxis('Leads'),
    series: [
      stacked(
        'Converted',
        COLOURS.converted,
        bins.map((bin) => bin.converted),
      ),
      stacked(
        'Lost or disqualified',
        COLOURS.notConverted,
        bins.map((bin) => bin.notConverted),
      ),
      stacked(
        'Open',
        COLOURS.open,
        bins.map((bin) => bin.open),
      ),
    ],
  });
}

function bandsChart(report: ModelReport): string {
  const bands = report.bands;
  return chartSvg({
    xAxis: categoryAxis(
      'Score band (1 = top scores)',
      bands.map((band) => `${band.band}\n${scoreRange(band.minScore, band.maxScore)}`),
    ),
    yAxis: valueAxis('Conversion rate', axisPercent),
    grid: { left: 64, right: 24, top: 32, bottom: 64 },
    series: [
      {
        name: 'Conversion rate',
        type: 'bar',
        itemStyle: { color: COLOURS.converted, borderRadius: [3, 3, 0, 0] },
        label: {
          show: true,
          position: 'top',
          color: COLOURS.ink,
          formatter: (p) => percent(p.value as number, 0),
        },
        data: bands.map((band) => band.rate),
        ...(report.conversionRate === null
          ? {}
          : { markLine: averageLine(report.conversionRate, `average ${percent(report.conversionRate)}`) }),
      },
    ],
  });
}

function gainsChart(report: ModelReport): string {
  const baseRate = report.conversionRate ?? 0;
  return chartSvg({
    legend,
    xAxis: valueAxis('Share of leads contacted (best scores first)', axisPercent, 1),
    yAxis: valueAxis('Share of converters found', axisPercent, 1),
    series: [
      {
        name: 'Model',
        type: 'line',
        symbol: 'none',
        lineStyle: { color: COLOURS.converted, width: 2.5 },
        itemStyle: { color: COLOURS.converted },
        areaStyle: { color: COLOURS.converted, opacity: 0.08 },
        data: report.gains.map((point) => [point.shareOfLeads, point.shareOfPositives]),
      },
      dashedLine('Random', [
        [0, 0],
        [1, 1],
      ]),
      dashedLine(
        'Perfect',
        [
          [0, 0],
          [baseRate, 1],
          [1, 1],
        ],
        COLOURS.fit,
      ),
    ],
  });
}

function liftChart(report: ModelReport): string {
  const lift = report.lift;
  return chartSvg({
    legend,
    xAxis: categoryAxis(
      'Score band (1 = top scores)',
      lift.map((row) => String(row.band)),
    ),
    yAxis: valueAxis('Lift (× average conversion)', (value) => `${value}×`),
    series: [
      {
        name: 'Lift of the band',
        type: 'bar',
        itemStyle: { color: COLOURS.converted, borderRadius: [3, 3, 0, 0] },
        data: lift.map((row) => row.lift),
        markLine: averageLine(1, 'average'),
      },
      {
        name: 'Cumulative lift',
        type: 'line',
        symbolSize: 6,
        lineStyle: { color: COLOURS.fit, width: 2 },
        itemStyle: { color: COLOURS.fit },
        data: lift.map((row) => row.cumulativeLift),
      },
    ],
  });
}

function aucTitle(report: ModelReport): string {
  const { value, interval } = report.auc;
  if (value === null) return 'AUC not defined (needs converters and non-converters)';
  const range = interval
    ? ` [${interval.lower.toFixed(3)}–${interval.upper.toFixed(3)}], ${Math.round(interval.level * 100)}% CI`
    : '';
  return `AUC ${value.toFixed(3)}${range}`;
}

function rocChart(report: ModelReport): string {
  return chartSvg(
    {
      title: {
        text: aucTitle(report),
        left: 'center',
        top: 6,
        textStyle: { fontSize: 14, fontWeight: 600, color: COLOURS.ink },
      },
      legend: { ...legend, top: 30 },
      grid: { left: 64, right: 24, top: 64, bottom: 56 },
      xAxis: valueAxis('False positive rate (non-converters called)', axisPercent, 1),
      yAxis: valueAxis('True positive rate (converters called)', axisPercent, 1),
      series: [
        {
          name: 'Model',
          type: 'line',
          symbol: 'none',
          lineStyle: { color: COLOURS.converted, width: 2.5 },
          itemStyle: { color: COLOURS.converted },
          areaStyle: { color: COLOURS.converted, opacity: 0.08 },
          data: report.roc.map((point) => [point.fpr, point.tpr]),
        },
        dashedLine('Chance', [
          [0, 0],
          [1, 1],
        ]),
      ],
    },
    { height: 400 },
  );
}

function calibrationChart(report: ModelReport): string {
  const { bands, fit } = report.calibration;
  return chartSvg({
    legend,
    xAxis: { ...valueAxis('Score'), scale: true },
    yAxis: { ...valueAxis('Conversion rate', axisPercent), axisLine: { onZero: false } },
    series: [
      {
        name: 'Monotone fit',
        type: 'line',
        symbol: 'none',
        lineStyle: { color: COLOURS.fit, width: 2 },
        itemStyle: { color: COLOURS.fit },
        data: fit.flatMap((block) => [
          [block.minScore, block.rate],
          [block.maxScore, block.rate],
        ]),
      },
      {
        name: 'Observed (95% interval)',
        type: 'scatter',
        symbolSize: 9,
        itemStyle: { color: COLOURS.converted },
        data: bands.map((band) => [band.meanScore, band.observedRate]),
      },
      {
        name: 'Observed (95% interval)',
        type: 'custom',
        renderItem: errorBars,
        encode: { x: 0, y: [1, 2] },
        data: bands.map((band) => [band.meanScore, band.lower, band.upper]),
        z: 1,
      },
    ],
  });
}

function groupChart(groups: readonly GroupConversion[], axisName: string): string {
  return chartSvg({
    xAxis: categoryAxis(
      axisName,
      groups.map((group) => group.value),
    ),
    yAxis: valueAxis('Conversion rate', axisPercent),
    grid: { left: 64, right: 24, top: 32, bottom: 56 },
    series: [
      {
        name: 'Conversion rate',
        type: 'bar',
        barMaxWidth: 56,
        itemStyle: { color: COLOURS.converted, borderRadius: [3, 3, 0, 0] },
        label: {
          show: true,
          position: 'top',
          color: COLOURS.ink,
          formatter: (p) => `${percent(p.value as number, 0)} of ${groups[p.dataIndex]?.labelled ?? 0}`,
        },
        data: groups.map((group) => group.rate),
      },
    ],
  });
}

function ruleWeightsChart(report: ModelReport): string {
  const rules = [...report.ruleWeights]
    .filter((rule) => rule.pointsDifference !== null)
    .sort((a, b) => Math.abs(b.pointsDifference!) - Math.abs(a.pointsDifference!))
    .slice(0, MAX_CHARTED_RULES)
    .sort((a, b) => a.pointsDifference! - b.pointsDifference!);
  const bar = (name: string, colour: string, data: (number | null)[]) => ({
    name,
    type: 'bar' as const,
    barGap: '10%',
    itemStyle: { color: colour, borderRadius: [0, 3, 3, 0] },
    data,
  });
  return chartSvg(
    {
      legend,
      grid: { left: 168, right: 24, top: 40, bottom: 48 },
      xAxis: valueAxis('Share of leads the rule fired for', axisPercent, 1),
      yAxis: {
        type: 'category',
        data: rules.map((rule) => rule.ruleId),
        axisLabel: { color: COLOURS.ink, width: 150, overflow: 'truncate' },
      },
      series: [
        bar(
          'Non-converters',
          COLOURS.notConverted,
          rules.map((rule) => rule.firedAmongNonConverters),
        ),
        bar(
          'Converters',
          COLOURS.converted,
          rules.map((rule) => rule.firedAmongConverters),
        ),
      ],
    },
    { width: WIDE_CHART_WIDTH, height: Math.max(CHART_HEIGHT, 96 + rules.length * 30) },
  );
}

/** A table of figures; empty (no "Figures" fold) when there are no rows. */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const head = headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('');
  const body = rows
    .map((cells) => `<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

interface Card {
  readonly title: string;
  readonly explanation: string;
  /** Rendered SVG, or null to show `empty` instead. */
  readonly chart: string | null;
  readonly empty?: string;
  readonly table?: string;
  readonly wide?: boolean;
}

function card({ title, explanation, chart, empty, table: figures, wide }: Card): string {
  const body = chart ?? `<p class="empty">${escapeHtml(empty ?? 'No data.')}</p>`;
  return [
    `<section class="card${wide ? ' wide' : ''}">`,
    `<h2>${escapeHtml(title)}</h2>`,
    `<p class="explain">${escapeHtml(explanation)}</p>`,
    `<figure class="chart">${body}</figure>`,
    figures ? `<details><summary>Figures</summary>${figures}</details>` : '',
    '</section>',
  ].join('\n');
}

function headline(report: ModelReport): string {
  const { counts, auc, mqlToConversion } = report;
  const interval = auc.interval
    ? `[${decimal(auc.interval.lower, 3)}–${decimal(auc.interval.upper, 3)}]`
    : '';
  const figures: [string, string, string][] = [
    ['Leads', String(counts.leads), `${counts.open} open`],
    [
      'Outcomes',
      String(counts.labelled),
      `${counts.outcomes.converted} converted · ${counts.outcomes.lost} lost · ${counts.outcomes.disqualified} disqualified`,
    ],
    ['Conversion rate', percent(report.conversionRate), 'of leads with an outcome'],
    ['AUC', decimal(auc.value, 3), interval ? `${interval} 95% CI` : 'not defined'],
    [
      'MQL → conversion',
      mqlToConversion.medianDays === null ? '–' : `${mqlToConversion.medianDays.toFixed(1)} d`,
      `median over ${mqlToConversion.conversions} conversion(s)`,
    ],
  ];
  const tiles = figures.map(
    ([label, value, detail]) =>
      `<div class="figure"><div class="label">${escapeHtml(label)}</div>` +
      `<div class="value">${escapeHtml(value)}</div><div class="detail">${escapeHtml(detail)}</div></div>`,
  );
  return `<section class="headline">${tiles.join('\n')}</section>`;
}

function notes(items: readonly ReportNote[]): string {
  if (items.length === 0) return '';
  const list = items
    .map(
      (note) => `<li class="${note.level}"><strong>${note.level}</strong> ${escapeHtml(note.message)}</li>`,
    )
    .join('\n');
  return `<section class="notes"><h2>Notes</h2><ul>\n${list}\n</ul></section>`;
}

function groupTable(groups: readonly GroupConversion[], name: string): string {
  return table(
    [name, 'Leads', 'Open', 'Outcomes', 'Converted', 'Rate', '95% interval', 'Mean score'],
    groups.map((group) => [
      group.value,
      String(group.leads),
      String(group.open),
      String(group.labelled),
      String(group.positives),
      percent(group.rate),
      group.lower === null ? '–' : `${percent(group.lower)}–${percent(group.upper)}`,
      score(group.meanScore),
    ]),
  );
}

function cards(report: ModelReport): Card[] {
  const hasOutcomes = report.counts.labelled > 0;
  const hasBothClasses = report.roc.length > 0;
  const noOutcomes = 'No lead has a final outcome yet.';
  const lift = new Map(report.lift.map((row) => [row.band, row]));
  return [
    {
      title: 'Score distribution',
      explanation: 'Scores of every lead, open ones included, by outcome.',
      chart: report.distribution.length > 0 ? distributionChart(report) : null,
      empty: 'No leads.',
      table: table(
        ['Scores', 'Leads', 'Converted', 'Lost or disqualified', 'Open'],
        report.distribution.map((bin) => [
          `${score(bin.from)}–${score(bin.to)}`,
          String(bin.leads),
          String(bin.converted),
          String(bin.notConverted),
          String(bin.open),
        ]),
      ),
    },
    {
      title: 'Conversion by score band',
      explanation:
        'Leads with an outcome in ten bands of equal size by score, top scores first; equal scores stay in one band.',
      chart: hasOutcomes ? bandsChart(report) : null,
      empty: noOutcomes,
      table: table(
        [
          'Band',
          'Scores',
          'Ranking',
          'Leads',
          'Converted',
          'Rate',
          'Lift',
          'Cumulative lift',
          'Converters found',
        ],
        report.bands.map((band) => {
          const row = lift.get(band.band);
          return [
            String(band.band),
            scoreRange(band.minScore, band.maxScore),
            `top ${percent(band.shareFrom, 0)}–${percent(band.shareTo, 0)}`,
            String(band.leads),
            String(band.positives),
            percent(band.rate),
            row?.lift == null ? '–' : `${decimal(row.lift)}×`,
            row?.cumulativeLift == null ? '–' : `${decimal(row.cumulativeLift)}×`,
            percent(row?.cumulativeShareOfPositives ?? null),
          ];
        }),
      ),
    },
    {
      title: 'Gains',
      explanation:
        'Contacting leads in score order: the share of converters found against the share of leads contacted.',
      chart: report.gains.length > 0 ? gainsChart(report) : null,
      empty: 'No converter yet.',
    },
    {
      title: 'Lift by score band',
      explanation:
        'How many times the average conversion rate each band converts at, and from the top down to it.',
      chart: report.counts.positives > 0 ? liftChart(report) : null,
      empty: 'No converter yet.',
    },
    {
      title: 'ROC curve',
      explanation:
        'Converters called against non-converters called, lowering the threshold score. AUC: the chance a converter outscores a non-converter.',
      chart: hasBothClasses ? rocChart(report) : null,
      empty: 'Needs both converters and non-converters.',
    },
    {
      title: 'Calibration',
      explanation:
        'Scores are points, not probabilities: per band, the observed conversion rate (with its 95% interval) ' +
        'against a monotone fit of conversion on score, which reads as what a score is worth.',
      chart: hasOutcomes ? calibrationChart(report) : null,
      empty: noOutcomes,
      table: table(
        ['Band', 'Mean score', 'Leads', 'Observed', '95% interval', 'Monotone fit'],
        report.calibration.bands.map((band) => [
          String(band.band),
          score(band.meanScore),
          String(band.leads),
          percent(band.observedRate),
          `${percent(band.lower)}–${percent(band.upper)}`,
          percent(band.fittedRate),
        ]),
      ),
    },
    {
      title: 'Conversion by segment',
      explanation: 'Segment each lead was in when its outcome was reached (now, for open leads).',
      chart: hasOutcomes && report.bySegment.length > 0 ? groupChart(report.bySegment, 'Segment') : null,
      empty: noOutcomes,
      table: groupTable(report.bySegment, 'Segment'),
    },
    {
      title: 'Conversion by grade',
      explanation: 'Grade each lead had when its outcome was reached (now, for open leads).',
      chart: hasOutcomes && report.byGrade.length > 0 ? groupChart(report.byGrade, 'Grade') : null,
      empty: noOutcomes,
      table: groupTable(report.byGrade, 'Grade'),
    },
    {
      title: 'Rules among converters and non-converters',
      explanation:
        'How often each rule fired for converters and for non-converters. Points gap: its part of the ' +
        'difference in mean score between them (a negative rule firing for non-converters helps too).',
      chart: hasBothClasses && report.ruleWeights.length > 0 ? ruleWeightsChart(report) : null,
      empty:
        report.ruleWeights.length === 0
          ? 'The model has no rules.'
          : 'Needs both converters and non-converters.',
      wide: true,
      table: table(
        [
          'Rule',
          'Kind',
          'Points',
          'Fired: converters',
          'Fired: non-converters',
          'Difference',
          'Mean points: converters',
          'Mean points: non-converters',
          'Points gap',
          'Rate when fired',
        ],
        report.ruleWeights.map((rule) => [
          rule.ruleId,
          rule.kind,
          score(rule.points),
          percent(rule.firedAmongConverters),
          percent(rule.firedAmongNonConverters),
          rule.firedDifference === null ? '–' : `${(rule.firedDifference * 100).toFixed(1)} pts`,
          decimal(rule.meanPointsConverters, 1),
          decimal(rule.meanPointsNonConverters, 1),
          decimal(rule.pointsDifference, 1),
          percent(rule.rateWhenFired),
        ]),
      ),
    },
  ];
}

export const STYLES = `
:root { color-scheme: light; --ink: ${COLOURS.ink}; --muted: ${COLOURS.muted}; --line: ${COLOURS.grid};
  --accent: ${COLOURS.converted}; --warn: #b45309; --page: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font: 15px/1.5 ${FONT};
  -webkit-font-smoothing: antialiased; }
main { max-width: 1360px; margin: 0 auto; padding: 32px 24px 48px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px 24px;
  border-bottom: 1px solid var(--line); padding-bottom: 16px; margin-bottom: 24px; }
h1 { font-size: 26px; font-weight: 650; letter-spacing: -0.01em; margin: 0; }
h1 span { color: var(--muted); font-weight: 400; }
.meta { color: var(--muted); font-size: 13px; }
h2 { font-size: 16px; font-weight: 620; margin: 0 0 4px; }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 16px; margin-bottom: 24px; }
.figure, .card, .notes { background: #fff; border: 1px solid var(--line); border-radius: 10px; }
.figure { padding: 16px 18px; }
.figure .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; }
.figure .value { font-size: 30px; font-weight: 650; font-variant-numeric: tabular-nums; margin: 2px 0; }
.figure .detail { color: var(--muted); font-size: 13px; }
.notes { padding: 16px 20px; margin-bottom: 24px; }
.notes ul { margin: 8px 0 0; padding: 0; list-style: none; }
.notes li { padding: 6px 0 6px 12px; border-left: 3px solid var(--line); margin: 6px 0; }
.notes li.warning { border-left-color: var(--warn); }
.notes li strong { text-transform: uppercase; font-size: 11px; letter-spacing: 0.06em; color: var(--muted); margin-right: 6px; }
.notes li.warning strong { color: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 20px; }
.card { padding: 18px 20px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.explain { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
.chart { margin: 0; }
.chart svg { display: block; width: 100%; height: auto; }
.card.wide .chart svg { max-width: ${WIDE_CHART_WIDTH}px; margin: 0 auto; }
.empty { color: var(--muted); text-align: center; padding: 64px 0; margin: 0; border: 1px dashed var(--line); border-radius: 8px; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; }
.table { overflow-x: auto; margin-top: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 560; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
@media print { body { background: #fff; } .card, .figure { break-inside: avoid; } details { display: block; } }
`;

/** The whole report as one HTML document that opens offline. */
export function renderReportHtml(report: ModelReport): string {
  const title = `Model report: ${report.client}`;
  const interval = report.auc.interval;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
<header>
<h1>Model report <span>${escapeHtml(report.client)}</span></h1>
<div class="meta">Model ${escapeHtml(report.modelVersion)} · generated ${escapeHtml(report.generatedAt)}</div>
</header>
${headline(report)}
${notes(report.notes)}
<div class="grid">
${cards(report).map(card).join('\n')}
</div>
<footer>Scores are those leads had when their outcome was reached (now, for open leads). AUC interval: ${
    interval
      ? escapeHtml(
          `${interval.resampling} percentile bootstrap, ${interval.replicates} replicates, seed ${interval.seed}`,
        )
      : 'not defined'
  }. Rates are over leads with an outcome (converted, lost or disqualified).</footer>
</main>
</body>
</html>
`;
}
