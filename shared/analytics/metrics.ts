/**
 * The figures of the model report (PRODUCT §6.3), as pure functions over scores and outcomes.
 *
 * Conventions shared by every function here:
 * - a *labelled* lead has label 1 (converted) or 0 (lost or disqualified); an *open* lead (label
 *   undefined, no final outcome yet) counts only in lead counts and in the score distribution;
 * - higher scores are meant to convert more: band 1 is the top of the ranking;
 * - a figure the data does not define (a rate of no leads, an AUC with one class empty) is `null`,
 *   never NaN or Infinity, so every result serialises to JSON as it is;
 * - equal scores are never told apart: they share a rank (AUC), a point of a curve (ROC, gains),
 *   a band (deciles) and a fitted rate (calibration), since the model cannot order them.
 */
import type { ModelRow, RuleInfo } from './dataset.ts';

export type Label = 0 | 1;

/** What most figures read of a lead: its score and its outcome label. */
export interface ScoredRow {
  readonly score: number;
  readonly label: Label | undefined;
}

const DAY_MS = 86_400_000;

/** A deterministic PRNG (mulberry32): the same seed gives the same report, run after run. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `part / whole`, or null when there is no whole. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The median of some numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The Wilson score interval of a proportion `positives / leads` (95% for z = 1.96): unlike the
 * normal approximation it stays inside [0, 1] and is honest for small bands and rates near 0.
 */
export function wilsonInterval(
  positives: number,
  leads: number,
  z = 1.96,
): { lower: number; upper: number } | null {
  if (leads <= 0) return null;
  const p = positives / leads;
  const z2 = z * z;
  const centre = (p + z2 / (2 * leads)) / (1 + z2 / leads);
  const halfWidth = (z / (1 + z2 / leads)) * Math.sqrt((p * (1 - p)) / leads + z2 / (4 * leads * leads));
  return { lower: Math.max(0, centre - halfWidth), upper: Math.min(1, centre + halfWidth) };
}

function checkFinite(scores: readonly number[]): void {
  for (const score of scores) {
    if (!Number.isFinite(score)) throw new RangeError(`a score is not a finite number: ${score}`);
  }
}

function checkPaired(scores: readonly number[], labels: readonly Label[]): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`scores and labels differ in length (${scores.length} vs ${labels.length})`);
  }
  checkFinite(scores);
}

/** The smallest and largest of some numbers (without spreading a large array into arguments). */
function extent(values: readonly number[]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

/** The labelled rows of a dataset, as parallel score and label arrays. */
export function labelledScores(rows: readonly ScoredRow[]): { scores: number[]; labels: Label[] } {
  const scores: number[] = [];
  const labels: Label[] = [];
  for (const row of rows) {
    if (row.label === undefined) continue;
    scores.push(row.score);
    labels.push(row.label);
  }
  return { scores, labels };
}

/** Leads sharing one score: the model cannot order them, so every figure keeps them together. */
interface TieGroup {
  readonly score: number;
  positives: number;
  negatives: number;
}

/** The tie groups of some scored leads, from the highest score down. */
function tieGroupsDescending(scores: readonly number[], labels: readonly Label[]): TieGroup[] {
  checkPaired(scores, labels);
  const order = scores.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]!);
  const groups: TieGroup[] = [];
  for (const index of order) {
    const score = scores[index]!;
    let group = groups[groups.length - 1];
    if (group?.score !== score) {
      group = { score, positives: 0, negatives: 0 };
      groups.push(group);
    }
    if (labels[index] === 1) group.positives += 1;
    else group.negatives += 1;
  }
  return groups;
}

/**
 * Keeps at most `maxPoints` points of a curve, evenly spaced along `progress` (which grows
 * from the first point to the last), always keeping both ends: enough for a chart, while every
 * figure is computed on the full curve.
 */
function thinCurve<T>(points: readonly T[], progress: (point: T) => number, maxPoints: number): T[] {
  if (points.length <= maxPoints || maxPoints < 2) return [...points];
  const first = progress(points[0]!);
  const span = progress(points[points.length - 1]!) - first;
  const kept: T[] = [points[0]!];
  let index = 0;
  for (let k = 1; k < maxPoints - 1; k += 1) {
    const target = first + (span * k) / (maxPoints - 1);
    while (index < points.length - 1 && progress(points[index]!) < target) index += 1;
    if (index < points.length - 1 && kept[kept.length - 1] !== points[index]) kept.push(points[index]!);
  }
  kept.push(points[points.length - 1]!);
  return kept;
}

/**
 * AUC from per-tie-group counts in ascending score order: the Mann–Whitney U statistic over
 * positives × negatives, a tie between a positive and a negative counting one half. That is the
 * rank-sum formula with average ranks for ties, computed in one pass. Counts may be weights
 * (a bootstrap replicate's multiplicities).
 */
function aucOfGroupCounts(positives: ArrayLike<number>, negatives: ArrayLike<number>): number | null {
  let negativesBelow = 0;
  let wins = 0;
  let totalPositives = 0;
  for (let g = 0; g < positives.length; g += 1) {
    const p = positives[g]!;
    const n = negatives[g]!;
    wins += p * (negativesBelow + n / 2);
    negativesBelow += n;
    totalPositives += p;
  }
  return totalPositives > 0 && negativesBelow > 0 ? wins / (totalPositives * negativesBelow) : null;
}

/**
 * The area under the ROC curve: the chance that a random converter scores above a random
 * non-converter, ties counting one half (rank-based, Mann–Whitney, average ranks for ties).
 * 1 separates perfectly, 0.5 is no better than chance, 0 is perfectly reversed. Null when
 * there are no converters or no non-converters.
 */
export function auc(scores: readonly number[], labels: readonly Label[]): number | null {
  const groups = tieGroupsDescending(scores, labels).reverse();
  return aucOfGroupCounts(
    groups.map((group) => group.positives),
    groups.map((group) => group.negatives),
  );
}

export interface BootstrapOptions {
  /** Bootstrap replicates (default 1000). */
  readonly iterations?: number;
  /** PRNG seed (default 1): the interval is the same on every run over the same data. */
  readonly seed?: number;
  /** Coverage of the interval (default 0.95). */
  readonly level?: number;
  /**
   * Resample converters and non-converters separately, keeping their counts (default true):
   * every replicate has both classes, which matters when outcomes are few. Plain resampling
   * draws from all leads at once and skips the replicates that lack a class.
   */
  readonly stratified?: boolean;
}

export interface AucInterval {
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly iterations: number;
  /** Replicates that had both classes (all of them when stratified). */
  readonly replicates: number;
  readonly resampling: 'stratified' | 'plain';
  readonly seed: number;
}

/** The `q` quantile of sorted values, interpolating linearly between order statistics. */
function quantileOfSorted(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * A percentile bootstrap confidence interval of the AUC: the AUC of `iterations` resamples of
 * the leads (with replacement), and their `(1 - level) / 2` and `(1 + level) / 2` quantiles.
 * Deterministic for a seed. Null when a class is empty (no AUC to bound).
 */
export function bootstrapAucInterval(
  scores: readonly number[],
  labels: readonly Label[],
  options: BootstrapOptions = {},
): AucInterval | null {
  const { iterations = 1000, seed = 1, level = 0.95, stratified = true } = options;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be ≥ 1`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, not ${level}`);
  checkPaired(scores, labels);

  // Sort once; a replicate is then counts per tie group, and its AUC one linear pass.
  const ascending = scores.map((_, index) => index).sort((a, b) => scores[a]! - scores[b]!);
  const groupOf = new Int32Array(scores.length);
  let groupCount = 0;
  ascending.forEach((index, position) => {
    if (position === 0 || scores[index] !== scores[ascending[position - 1]!]) groupCount += 1;
    groupOf[index] = groupCount - 1;
  });
  const positiveIndexes = labels.flatMap((label, index) => (label === 1 ? [index] : []));
  const negativeIndexes = labels.flatMap((label, index) => (label === 0 ? [index] : []));
  if (positiveIndexes.length === 0 || negativeIndexes.length === 0) return null;

  const random = mulberry32(seed);
  const positives = new Float64Array(groupCount);
  const negatives = new Float64Array(groupCount);
  const draw = (from: readonly number[], times: number) => {
    for (let i = 0; i < times; i += 1) {
      const index = from[Math.floor(random() * from.length)]!;
      if (labels[index] === 1) positives[groupOf[index]!]! += 1;
      else negatives[groupOf[index]!]! += 1;
    }
  };
  const all = scores.map((_, index) => index);
  const aucs: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    positives.fill(0);
    negatives.fill(0);
    if (stratified) {
      draw(positiveIndexes, positiveIndexes.length);
      draw(negativeIndexes, negativeIndexes.length);
    } else {
      draw(all, all.length);
    }
    const value = aucOfGroupCounts(positives, negatives);
    if (value !== null) aucs.push(value);
  }
  if (aucs.length === 0) return null;
  aucs.sort((a, b) => a - b);
  return {
    lower: quantileOfSorted(aucs, (1 - level) / 2),
    upper: quantileOfSorted(aucs, (1 + level) / 2),
    level,
    iterations,
    replicates: aucs.length,
    resampling: stratified ? 'stratified' : 'plain',
    seed,
  };
}

export interface RocPoint {
  /** Share of non-converters at or above the threshold. */
  readonly fpr: number;
  /** Share of converters at or above the threshold. */
  readonly tpr: number;
  /** Leads scoring at least this are called converters; null for the (0, 0) start (nobody). */
  readonly threshold: number | null;
}

/**
 * The ROC curve: one point per distinct score, from (0, 0) (nobody called a converter) to
 * (1, 1) (everybody), thinned to at most `maxPoints` for charts. Empty when a class is empty.
 */
export function rocCurve(
  scores: readonly number[],
  labels: readonly Label[],
  { maxPoints = 200 }: { maxPoints?: number } = {},
): RocPoint[] {
  const groups = tieGroupsDescending(scores, labels);
  const totalPositives = groups.reduce((sum, group) => sum + group.positives, 0);
  const totalNegatives = groups.reduce((sum, group) => sum + group.negatives, 0);
  if (totalPositives === 0 || totalNegatives === 0) return [];
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }];
  let truePositives = 0;
  let falsePositives = 0;
  for (const group of groups) {
    truePositives += group.positives;
    falsePositives += group.negatives;
    points.push({
      fpr: falsePositives / totalNegatives,
      tpr: truePositives / totalPositives,
      threshold: group.score,
    });
  }
  return thinCurve(points, (point) => point.fpr + point.tpr, maxPoints);
}

export interface GainsPoint {
  /** Share of the labelled leads contacted, best scores first. */
  readonly shareOfLeads: number;
  /** Share of all converters found among them. */
  readonly shareOfPositives: number;
  /** The lowest score contacted; null for the (0, 0) start. */
  readonly threshold: number | null;
}

/**
 * The cumulative gains curve: contacting labelled leads in score order (a tie group at once),
 * the share of converters found against the share of leads contacted, from (0, 0) to (1, 1).
 * The diagonal is random contact. Thinned to at most `maxPoints`; empty without converters.
 * Open leads are left out: whether they convert is not known yet.
 */
export function gainsCurve(
  scores: readonly number[],
  labels: readonly Label[],
  { maxPoints = 200 }: { maxPoints?: number } = {},
): GainsPoint[] {
  const groups = tieGroupsDescending(scores, labels);
  const totalPositives = groups.reduce((sum, group) => sum + group.positives, 0);
  if (totalPositives === 0) return [];
  const points: GainsPoint[] = [{ shareOfLeads: 0, shareOfPositives: 0, threshold: null }];
  let contacted = 0;
  let found = 0;
  for (const group of groups) {
    contacted += group.positives + group.negatives;
    found += group.positives;
    points.push({
      shareOfLeads: contacted / scores.length,
      shareOfPositives: found / totalPositives,
      threshold: group.score,
    });
  }
  return thinCurve(points, (point) => point.shareOfLeads + point.shareOfPositives, maxPoints);
}

export interface ScoreBand {
  /** 1 for the top band, counting down the ranking without gaps. */
  readonly band: number;
  readonly minScore: number;
  readonly maxScore: number;
  /** Where the band sits in the ranking: shares of labelled leads above its top and its bottom. */
  readonly shareFrom: number;
  readonly shareTo: number;
  readonly leads: number;
  readonly positives: number;
  readonly rate: number;
  readonly meanScore: number;
}

/** The labelled leads of each band, top band first (see `scoreBands` for the tie rule). */
function bandGroups(rows: readonly ScoredRow[], n: number): ScoredRow[][] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the number of bands must be ≥ 1, not ${n}`);
  const labelled = rows.filter((row) => row.label !== undefined);
  checkFinite(labelled.map((row) => row.score));
  const sorted = [...labelled].sort((a, b) => b.score - a.score);
  const bands: ScoredRow[][] = Array.from({ length: n }, () => []);
  let start = 0;
  while (start < sorted.length) {
    let end = start;
    while (end < sorted.length && sorted[end]!.score === sorted[start]!.score) end += 1;
    // The whole tie group goes to the band that holds its middle position.
    const band = Math.min(n - 1, Math.floor((((start + end) / 2) * n) / sorted.length));
    bands[band]!.push(...sorted.slice(start, end));
    start = end;
  }
  return bands.filter((band) => band.length > 0);
}

/**
 * Labelled leads in `n` bands of equal size by score (deciles by default), top band first,
 * with each band's conversion rate. Equal scores are never split: a group of tied leads goes
 * whole to the band holding its middle position in the ranking, so bands can be uneven and,
 * when a large tie group spans several deciles, fewer than `n` (they are numbered without gaps;
 * `shareFrom`/`shareTo` tell where each band sits in the ranking).
 */
export function scoreBands(rows: readonly ScoredRow[], n = 10): ScoreBand[] {
  const groups = bandGroups(rows, n);
  const total = groups.reduce((sum, group) => sum + group.length, 0);
  let above = 0;
  return groups.map((group, index) => {
    const positives = group.filter((row) => row.label === 1).length;
    const scores = group.map((row) => row.score);
    const { min, max } = extent(scores);
    const band: ScoreBand = {
      band: index + 1,
      minScore: min,
      maxScore: max,
      shareFrom: above / total,
      shareTo: (above + group.length) / total,
      leads: group.length,
      positives,
      rate: positives / group.length,
      meanScore: scores.reduce((sum, score) => sum + score, 0) / group.length,
    };
    above += group.length;
    return band;
  });
}

export interface LiftRow {
  readonly band: number;
  /** The band's conversion rate over the overall rate: 2 converts twice as well as average. */
  readonly lift: number | null;
  /** The same for every lead from the top down to this band. */
  readonly cumulativeLift: number | null;
  readonly cumulativeShareOfLeads: number;
  readonly cumulativeShareOfPositives: number | null;
}

/** Lift per score band and cumulated from the top, against the overall conversion rate. */
export function liftByBand(bands: readonly ScoreBand[]): LiftRow[] {
  const leads = bands.reduce((sum, band) => sum + band.leads, 0);
  const positives = bands.reduce((sum, band) => sum + band.positives, 0);
  const baseRate = ratio(positives, leads);
  let cumulativeLeads = 0;
  let cumulativePositives = 0;
  return bands.map((band) => {
    cumulativeLeads += band.leads;
    cumulativePositives += band.positives;
    return {
      band: band.band,
      lift: baseRate ? band.rate / baseRate : null,
      cumulativeLift: baseRate ? cumulativePositives / cumulativeLeads / baseRate : null,
      cumulativeShareOfLeads: cumulativeLeads / leads,
      cumulativeShareOfPositives: ratio(cumulativePositives, positives),
    };
  });
}

export interface IsotonicBlock {
  readonly minScore: number;
  readonly maxScore: number;
  readonly leads: number;
  readonly positives: number;
  /** The fitted conversion probability of every score in [minScore, maxScore]. */
  readonly rate: number;
}

/**
 * The isotonic (monotone) regression of outcome on score by pool-adjacent-violators: the
 * non-decreasing step function of score closest (least squares) to the observed outcomes,
 * i.e. the best estimate of P(convert | score) that only assumes a higher score is never worse.
 * Tied scores share one value. Blocks in ascending score order, rates strictly rising (a
 * single block: the score tells nothing); empty for no leads.
 */
export function isotonicFit(scores: readonly number[], labels: readonly Label[]): IsotonicBlock[] {
  const blocks: { minScore: number; maxScore: number; leads: number; positives: number }[] = [];
  for (const group of tieGroupsDescending(scores, labels).reverse()) {
    blocks.push({
      minScore: group.score,
      maxScore: group.score,
      leads: group.positives + group.negatives,
      positives: group.positives,
    });
    // Pool while the last block's rate is not above the previous one's (a violation, or a
    // level stretch: blocks come out with strictly rising rates).
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const previous = blocks[blocks.length - 2]!;
      if (previous.positives * last.leads < last.positives * previous.leads) break;
      blocks.pop();
      previous.maxScore = last.maxScore;
      previous.leads += last.leads;
      previous.positives += last.positives;
    }
  }
  return blocks.map((block) => ({ ...block, rate: block.positives / block.leads }));
}

export interface CalibrationBand {
  readonly band: number;
  readonly minScore: number;
  readonly maxScore: number;
  readonly meanScore: number;
  readonly leads: number;
  readonly positives: number;
  readonly observedRate: number;
  /** 95% Wilson interval of the observed rate. */
  readonly lower: number;
  readonly upper: number;
  /** Mean isotonic-fitted probability of the band's leads. */
  readonly fittedRate: number;
}

export interface Calibration {
  readonly method: 'isotonic';
  readonly bands: CalibrationBand[];
  readonly fit: IsotonicBlock[];
}

/**
 * What a score means as a chance to convert. A rule score is points, not a probability, so
 * there is no diagonal to hold it against; instead, per score band (as `scoreBands`), the
 * observed conversion rate with its 95% Wilson interval beside the rate of an isotonic fit of
 * outcome on score (`isotonicFit`). Observed rates that wobble inside their intervals around a
 * rising fit mean the score orders leads well; a flat stretch of the fit means those scores do
 * not tell converters apart; the fitted rate is what a score is worth in conversions.
 */
export function calibration(rows: readonly ScoredRow[], n = 10): Calibration {
  const { scores, labels } = labelledScores(rows);
  const fit = isotonicFit(scores, labels);
  const fittedRateOf = (score: number): number => {
    // Binary search for the first block reaching the score (blocks ascend and cover every score).
    let low = 0;
    let high = fit.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (fit[middle]!.maxScore < score) low = middle + 1;
      else high = middle;
    }
    return fit[low]?.rate ?? 0;
  };
  const bands = scoreBands(rows, n);
  const fittedByBand = bandGroups(rows, n).map(
    (group) => group.reduce((sum, row) => sum + fittedRateOf(row.score), 0) / group.length,
  );
  return {
    method: 'isotonic',
    fit,
    bands: bands.map((band, index) => {
      const interval = wilsonInterval(band.positives, band.leads)!;
      return {
        band: band.band,
        minScore: band.minScore,
        maxScore: band.maxScore,
        meanScore: band.meanScore,
        leads: band.leads,
        positives: band.positives,
        observedRate: band.rate,
        lower: interval.lower,
        upper: interval.upper,
        fittedRate: fittedByBand[index]!,
      };
    }),
  };
}

export interface GroupConversion {
  /** The segment or grade. */
  readonly value: string;
  /** All leads in it, open ones included. */
  readonly leads: number;
  readonly open: number;
  readonly labelled: number;
  readonly positives: number;
  /** Converters over labelled leads; null when none is labelled. */
  readonly rate: number | null;
  /** 95% Wilson interval of the rate. */
  readonly lower: number | null;
  readonly upper: number | null;
  readonly meanScore: number;
}

/**
 * Conversion rate per segment or per grade (as each lead had when its outcome was reached).
 * Groups come by mean score, highest first, so configurable names such as hot/warm/cold or
 * A–D fall in their natural order without being named here.
 */
export function conversionBy(
  rows: readonly Pick<ModelRow, 'score' | 'label' | 'segment' | 'grade'>[],
  key: 'segment' | 'grade',
): GroupConversion[] {
  const groups = new Map<string, { leads: number; labelled: number; positives: number; scoreSum: number }>();
  for (const row of rows) {
    const value = row[key];
    const group = groups.get(value) ?? { leads: 0, labelled: 0, positives: 0, scoreSum: 0 };
    group.leads += 1;
    group.scoreSum += row.score;
    if (row.label !== undefined) group.labelled += 1;
    if (row.label === 1) group.positives += 1;
    groups.set(value, group);
  }
  return [...groups]
    .map(([value, group]) => {
      const interval = wilsonInterval(group.positives, group.labelled);
      return {
        value,
        leads: group.leads,
        open: group.leads - group.labelled,
        labelled: group.labelled,
        positives: group.positives,
        rate: ratio(group.positives, group.labelled),
        lower: interval?.lower ?? null,
        upper: interval?.upper ?? null,
        meanScore: group.scoreSum / group.leads,
      };
    })
    .sort((a, b) => b.meanScore - a.meanScore || a.value.localeCompare(b.value));
}

/**
 * Days from crossing the MQL threshold to converting, for each converted lead that has both
 * times and converted strictly after it became an MQL (a conversion recorded at or before the
 * MQL time, as an import that stamps both at once does, says nothing about the time to close).
 */
export function mqlToConversionDays(rows: readonly Pick<ModelRow, 'mqlAt' | 'outcome'>[]): number[] {
  const days: number[] = [];
  for (const row of rows) {
    if (row.outcome?.kind !== 'converted' || row.mqlAt === undefined) continue;
    const elapsed = Date.parse(row.outcome.at) - Date.parse(row.mqlAt);
    if (elapsed > 0) days.push(elapsed / DAY_MS);
  }
  return days;
}

/** The median of `mqlToConversionDays`; null when no lead qualifies. */
export function medianDaysMqlToConversion(
  rows: readonly Pick<ModelRow, 'mqlAt' | 'outcome'>[],
): number | null {
  return median(mqlToConversionDays(rows));
}

export interface RuleWeight {
  readonly ruleId: string;
  readonly kind: RuleInfo['kind'];
  readonly points: number;
  /** Share of converters / of non-converters the rule had fired for. */
  readonly firedAmongConverters: number | null;
  readonly firedAmongNonConverters: number | null;
  /** `firedAmongConverters - firedAmongNonConverters`. */
  readonly firedDifference: number | null;
  /** Mean points the rule gave converters / non-converters (0 for a lead it did not fire for). */
  readonly meanPointsConverters: number | null;
  readonly meanPointsNonConverters: number | null;
  /** `meanPointsConverters - meanPointsNonConverters`: its part of the gap in mean score. */
  readonly pointsDifference: number | null;
  /** Labelled leads the rule fired for, and the conversion rate among them. */
  readonly firedLeads: number;
  readonly rateWhenFired: number | null;
}

/**
 * Which rules carry weight: for each rule of the model, how often it fired for converters and
 * for non-converters, and the mean points it gave each. The points difference is the rule's
 * share of the gap between converters' and non-converters' mean scores (they sum to that gap
 * when a score is the sum of its rules' points): large and positive for a rule that separates,
 * near zero for one that fires alike for both (or never), negative for one that works against
 * the model. A negative-points rule that fires for non-converters rightly counts as positive.
 * Sorted by points difference, largest first.
 */
export function ruleWeights(
  rows: readonly Pick<ModelRow, 'label' | 'ruleHits' | 'rulePoints'>[],
  rules: readonly RuleInfo[],
): RuleWeight[] {
  const converters = rows.filter((row) => row.label === 1);
  const nonConverters = rows.filter((row) => row.label === 0);
  const fired = (row: Pick<ModelRow, 'ruleHits'>, ruleId: string) => (row.ruleHits[ruleId] ?? 0) > 0;
  const share = (group: typeof rows, ruleId: string) =>
    ratio(group.filter((row) => fired(row, ruleId)).length, group.length);
  const meanPoints = (group: typeof rows, ruleId: string) =>
    ratio(
      group.reduce((sum, row) => sum + (row.rulePoints[ruleId] ?? 0), 0),
      group.length,
    );
  const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return rules
    .map((rule) => {
      const firedAmongConverters = share(converters, rule.ruleId);
      const firedAmongNonConverters = share(nonConverters, rule.ruleId);
      const meanPointsConverters = meanPoints(converters, rule.ruleId);
      const meanPointsNonConverters = meanPoints(nonConverters, rule.ruleId);
      const firedConverters = converters.filter((row) => fired(row, rule.ruleId)).length;
      const firedLeads = firedConverters + nonConverters.filter((row) => fired(row, rule.ruleId)).length;
      return {
        ruleId: rule.ruleId,
        kind: rule.kind,
        points: rule.points,
        firedAmongConverters,
        firedAmongNonConverters,
        firedDifference: difference(firedAmongConverters, firedAmongNonConverters),
        meanPointsConverters,
        meanPointsNonConverters,
        pointsDifference: difference(meanPointsConverters, meanPointsNonConverters),
        firedLeads,
        rateWhenFired: ratio(firedConverters, firedLeads),
      };
    })
    .sort(
      (a, b) =>
        (b.pointsDifference ?? Number.NEGATIVE_INFINITY) - (a.pointsDifference ?? Number.NEGATIVE_INFINITY) ||
        a.ruleId.localeCompare(b.ruleId),
    );
}

export interface HistogramBin {
  /** The bin holds scores in [from, to), the last one [from, to]. */
  readonly from: number;
  readonly to: number;
  readonly leads: number;
  readonly converted: number;
  /** Lost or disqualified. */
  readonly notConverted: number;
  readonly open: number;
}

/** A round bin width near `raw`: 1, 2, 2.5 or 5 times a power of ten. */
function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const nice = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 2.5 ? 2.5 : normalised <= 5 ? 5 : 10;
  return nice * magnitude;
}

const roundEdge = (edge: number) => Number(edge.toPrecision(12));

/**
 * The distribution of scores over every lead, open ones included, in about `bins` bins of a
 * round width (never below 1 when all scores are whole numbers), each split by outcome.
 */
export function scoreDistribution(rows: readonly ScoredRow[], bins = 20): HistogramBin[] {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`the number of bins must be ≥ 1, not ${bins}`);
  const scores = rows.map((row) => row.score).filter((score) => Number.isFinite(score));
  if (scores.length === 0) return [];
  const { min, max } = extent(scores);
  let step = max > min ? niceStep((max - min) / bins) : 1;
  if (scores.every(Number.isInteger)) step = Math.max(1, step);
  const start = Math.floor(min / step) * step;
  const count = Math.max(1, Math.ceil(roundEdge((max - start) / step)));
  const histogram = Array.from({ length: count }, (_, index) => ({
    from: roundEdge(start + index * step),
    to: roundEdge(start + (index + 1) * step),
    leads: 0,
    converted: 0,
    notConverted: 0,
    open: 0,
  }));
  for (const row of rows) {
    if (!Number.isFinite(row.score)) continue;
    const index = Math.min(count - 1, Math.floor(roundEdge((row.score - start) / step)));
    const bin = histogram[index]!;
    bin.leads += 1;
    if (row.label === 1) bin.converted += 1;
    else if (row.label === 0) bin.notConverted += 1;
    else bin.open += 1;
  }
  return histogram;
}
