/**
 * The model report (PRODUCT §6.3): every figure of `leadscore report` in one plain object,
 * JSON-serialisable as it is (what `--json` prints, and what the HTML rendering reads).
 * Pure: the rows and the rules come in, nothing is read or written here.
 */
import type { ModelRow, RuleInfo } from './dataset.ts';
import {
  type AucInterval,
  auc,
  bootstrapAucInterval,
  type Calibration,
  calibration,
  conversionBy,
  type GainsPoint,
  type GroupConversion,
  gainsCurve,
  type HistogramBin,
  type LiftRow,
  labelledScores,
  liftByBand,
  median,
  mqlToConversionDays,
  type RocPoint,
  type RuleWeight,
  ratio,
  rocCurve,
  ruleWeights,
  type ScoreBand,
  scoreBands,
  scoreDistribution,
} from './metrics.ts';

/** Below this many converters or non-converters, the AUC and the bands say little. */
export const MIN_OUTCOMES_PER_CLASS = 10;

const BANDS = 10;
const DISTRIBUTION_BINS = 20;
const DEFAULT_SEED = 1;
const DEFAULT_BOOTSTRAP_ITERATIONS = 1000;

export interface ReportNote {
  readonly level: 'warning' | 'info';
  /** Stable, for scripts reading `--json`. */
  readonly code:
    | 'no-outcomes'
    | 'few-outcomes'
    | 'score-reversed'
    | 'flat-fit'
    | 'open-leads'
    | 'invalid-scores'
    | 'no-mql-timing';
  readonly message: string;
}

export interface ModelReport {
  readonly client: string;
  readonly modelVersion: string;
  readonly generatedAt: string;
  readonly counts: {
    /** Every lead read (with a finite score), open ones included. */
    readonly leads: number;
    /** Leads with a final outcome: converted (positive), lost or disqualified (negative). */
    readonly labelled: number;
    readonly positives: number;
    readonly negatives: number;
    readonly open: number;
    readonly outcomes: { readonly converted: number; readonly lost: number; readonly disqualified: number };
  };
  /** Converters over labelled leads. */
  readonly conversionRate: number | null;
  readonly auc: {
    readonly value: number | null;
    /** Percentile bootstrap interval (stratified); null when a class is empty. */
    readonly interval: AucInterval | null;
  };
  /** Deciles of labelled leads by score, top first. */
  readonly bands: ScoreBand[];
  readonly lift: LiftRow[];
  readonly gains: GainsPoint[];
  readonly roc: RocPoint[];
  readonly calibration: Calibration;
  readonly bySegment: GroupConversion[];
  readonly byGrade: GroupConversion[];
  readonly mqlToConversion: {
    readonly medianDays: number | null;
    /** Converted leads the median is over (those with an MQL time before their conversion). */
    readonly conversions: number;
  };
  readonly ruleWeights: RuleWeight[];
  /** Scores of every lead, open ones included. */
  readonly distribution: HistogramBin[];
  readonly notes: ReportNote[];
}

export interface ModelReportOptions {
  readonly generatedAt: string;
  readonly client: string;
  readonly modelVersion: string;
  /** Seed of the AUC bootstrap (default 1): the same data gives the same report. */
  readonly seed?: number;
  /** Bootstrap replicates for the AUC interval (default 1000). */
  readonly bootstrapIterations?: number;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** Figures every reader should keep in mind before trusting the others. */
function reportNotes(report: Omit<ModelReport, 'notes'>, invalidScores: number): ReportNote[] {
  const notes: ReportNote[] = [];
  const { positives, negatives, labelled, open, leads } = report.counts;
  if (invalidScores > 0) {
    notes.push({
      level: 'warning',
      code: 'invalid-scores',
      message: `${invalidScores} lead(s) without a numeric score were left out of the report.`,
    });
  }
  if (labelled === 0) {
    notes.push({
      level: 'warning',
      code: 'no-outcomes',
      message:
        'No lead has a final outcome yet (converted, lost or disqualified): only the score distribution ' +
        'can be shown. Record outcomes (POST /v1/leads/{id}/outcome) or import past ones (leadscore import).',
    });
  } else if (positives < MIN_OUTCOMES_PER_CLASS || negatives < MIN_OUTCOMES_PER_CLASS) {
    notes.push({
      level: 'warning',
      code: 'few-outcomes',
      message:
        `Too few outcomes for a meaningful AUC: ${positives} converted and ${negatives} lost or disqualified; ` +
        `at least ${MIN_OUTCOMES_PER_CLASS} of each are needed. Read the AUC, bands and curves as anecdotes.`,
    });
  }
  const interval = report.auc.interval;
  if (interval && interval.upper < 0.5) {
    notes.push({
      level: 'warning',
      code: 'score-reversed',
      message:
        `The score ranks converters below non-converters (AUC ${report.auc.value?.toFixed(3)}, ` +
        `${Math.round(interval.level * 100)}% interval below 0.5): check the rules' points and signs.`,
    });
  }
  const fit = report.calibration.fit;
  if (fit.length === 1 && positives >= MIN_OUTCOMES_PER_CLASS && negatives >= MIN_OUTCOMES_PER_CLASS) {
    notes.push({
      level: 'info',
      code: 'flat-fit',
      message:
        'The monotone fit of conversion on score is flat: no higher score converts better than a lower one, ' +
        'so the score does not separate converters on these leads.',
    });
  }
  if (open > 0) {
    notes.push({
      level: 'info',
      code: 'open-leads',
      message:
        `${open} of ${leads} leads (${percent(open / leads)}) have no final outcome yet: they count in the ` +
        'lead counts and the score distribution only.',
    });
  }
  if (positives > 0 && report.mqlToConversion.conversions === 0) {
    notes.push({
      level: 'info',
      code: 'no-mql-timing',
      message:
        'No converted lead has an MQL time before its conversion: the time from MQL to conversion is unknown.',
    });
  }
  return notes;
}

/**
 * Builds the model report from the leads as the model scored them (`ModelRow`: the score at
 * the outcome for closed leads, the current one for open leads) and the model's rules.
 */
export function buildModelReport(
  rows: readonly ModelRow[],
  rules: readonly RuleInfo[],
  options: ModelReportOptions,
): ModelReport {
  const scored = rows.filter((row) => Number.isFinite(row.score));
  const { scores, labels } = labelledScores(scored);
  const positives = labels.filter((label) => label === 1).length;
  const negatives = labels.length - positives;
  const outcomeCount = (kind: 'converted' | 'lost' | 'disqualified') =>
    scored.filter((row) => row.outcome?.kind === kind).length;
  const conversionDays = mqlToConversionDays(scored);
  const bands = scoreBands(scored, BANDS);

  const report: Omit<ModelReport, 'notes'> = {
    client: options.client,
    modelVersion: options.modelVersion,
    generatedAt: options.generatedAt,
    counts: {
      leads: scored.length,
      labelled: labels.length,
      positives,
      negatives,
      open: scored.length - labels.length,
      outcomes: {
        converted: outcomeCount('converted'),
        lost: outcomeCount('lost'),
        disqualified: outcomeCount('disqualified'),
      },
    },
    conversionRate: ratio(positives, labels.length),
    auc: {
      value: auc(scores, labels),
      interval: bootstrapAucInterval(scores, labels, {
        seed: options.seed ?? DEFAULT_SEED,
        iterations: options.bootstrapIterations ?? DEFAULT_BOOTSTRAP_ITERATIONS,
      }),
    },
    bands,
    lift: liftByBand(bands),
    gains: gainsCurve(scores, labels),
    roc: rocCurve(scores, labels),
    calibration: calibration(scored, BANDS),
    bySegment: conversionBy(scored, 'segment'),
    byGrade: conversionBy(scored, 'grade'),
    mqlToConversion: { medianDays: median(conversionDays), conversions: conversionDays.length },
    ruleWeights: ruleWeights(scored, rules),
    distribution: scoreDistribution(scored, DISTRIBUTION_BINS),
  };
  return { ...report, notes: reportNotes(report, rows.length - scored.length) };
}
