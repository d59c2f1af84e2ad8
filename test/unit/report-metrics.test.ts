import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ModelRow, RuleInfo } from '#shared/analytics/dataset.ts';
import {
  auc,
  bootstrapAucInterval,
  calibration,
  conversionBy,
  gainsCurve,
  isotonicFit,
  type Label,
  liftByBand,
  medianDaysMqlToConversion,
  mulberry32,
  rocCurve,
  ruleWeights,
  scoreBands,
  scoreDistribution,
} from '#shared/analytics/metrics.ts';
import { buildModelReport, MIN_OUTCOMES_PER_CLASS } from '#shared/analytics/report.ts';

/*
 * The model report's figures (PRODUCT §6.3) on generated datasets whose answers are known:
 * perfect, reversed and random scores, ties, hand-made timings, a planted rule.
 */

const DAY = 86_400_000;

let leadNumber = 0;

function row(score: number, label: Label | undefined, extra: Partial<ModelRow> = {}): ModelRow {
  leadNumber += 1;
  return {
    leadId: `ld_${leadNumber}`,
    score,
    segment: 'warm',
    grade: 'B',
    label,
    ruleHits: {},
    rulePoints: {},
    profile: {},
    ...extra,
  };
}

/** `n` leads with independent random scores and labels (a model that knows nothing). */
function randomDataset(n: number, seed: number): { scores: number[]; labels: Label[] } {
  const random = mulberry32(seed);
  const scores = Array.from({ length: n }, () => Math.round(random() * 100));
  const labels = Array.from({ length: n }, (): Label => (random() < 0.3 ? 1 : 0));
  return { scores, labels };
}

/** AUC by its definition, over every converter × non-converter pair. */
function pairwiseAuc(scores: number[], labels: Label[]): number | null {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((n, j) => {
      if (labels[j] !== 0) return;
      pairs += 1;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return pairs > 0 ? wins / pairs : null;
}

const labelledArbitrary = fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom<Label>(0, 1)), {
  maxLength: 80,
});

describe('AUC and its interval', () => {
  const perfect = {
    scores: [...Array.from({ length: 50 }, (_, i) => 100 + i), ...Array.from({ length: 50 }, (_, i) => i)],
    labels: [...Array<Label>(50).fill(1), ...Array<Label>(50).fill(0)],
  };

  test('It should give an AUC of 1, interval [1, 1], to a score that separates converters perfectly', () => {
    expect(auc(perfect.scores, perfect.labels)).toBe(1);
    const interval = bootstrapAucInterval(perfect.scores, perfect.labels, { seed: 7 });
    expect(interval).toMatchObject({ lower: 1, upper: 1, level: 0.95, iterations: 1000, replicates: 1000 });
  });

  test('It should give an AUC of 0 to a perfectly reversed score', () => {
    const reversed = perfect.scores.map((score) => -score);
    expect(auc(reversed, perfect.labels)).toBe(0);
    expect(bootstrapAucInterval(reversed, perfect.labels)).toMatchObject({ lower: 0, upper: 0 });
  });

  test('It should give about 0.5 to a random score on 2000 leads, with 0.5 inside its 95% interval', () => {
    const { scores, labels } = randomDataset(2000, 42);
    const value = auc(scores, labels)!;
    expect(Math.abs(value - 0.5)).toBeLessThan(0.05);
    const interval = bootstrapAucInterval(scores, labels, { seed: 3 })!;
    expect(interval.lower).toBeLessThan(0.5);
    expect(interval.upper).toBeGreaterThan(0.5);
    expect(interval.lower).toBeLessThan(value);
    expect(interval.upper).toBeGreaterThan(value);
    expect(interval.upper - interval.lower).toBeLessThan(0.1);
  });

  test('It should count a tie between a converter and a non-converter as one half', () => {
    expect(auc([5, 5, 5, 5], [1, 0, 1, 0])).toBe(0.5);
    expect(auc([2, 1, 1], [1, 1, 0])).toBe(0.75);
    fc.assert(
      fc.property(labelledArbitrary, (pairs) => {
        const scores = pairs.map(([score]) => score);
        const labels = pairs.map(([, label]) => label);
        const expected = pairwiseAuc(scores, labels);
        if (expected === null) expect(auc(scores, labels)).toBeNull();
        else expect(auc(scores, labels)).toBeCloseTo(expected, 12);
      }),
    );
  });

  test('It should have no AUC nor interval when there are no converters or no non-converters', () => {
    expect(auc([1, 2, 3], [0, 0, 0])).toBeNull();
    expect(auc([], [])).toBeNull();
    expect(bootstrapAucInterval([1, 2, 3], [1, 1, 1])).toBeNull();
  });

  test('It should give the same interval for the same seed, and plain resampling when asked', () => {
    const { scores, labels } = randomDataset(300, 9);
    const options = { seed: 11, iterations: 200 };
    expect(bootstrapAucInterval(scores, labels, options)).toEqual(
      bootstrapAucInterval(scores, labels, options),
    );
    expect(bootstrapAucInterval(scores, labels, { ...options, seed: 12 })).not.toEqual(
      bootstrapAucInterval(scores, labels, options),
    );
    const plain = bootstrapAucInterval(scores, labels, { ...options, stratified: false, level: 0.8 })!;
    expect(plain).toMatchObject({ resampling: 'plain', level: 0.8, replicates: 200 });
    expect(plain.lower).toBeLessThan(plain.upper);
  });
});

describe('curves', () => {
  test('It should run the ROC curve from (0, 0) to (1, 1), thinned to 200 points for charts', () => {
    const { scores, labels } = randomDataset(5000, 5);
    const continuous = scores.map((score, i) => score + i / 10_000);
    const roc = rocCurve(continuous, labels);
    expect(roc.length).toBeLessThanOrEqual(200);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    for (let i = 1; i < roc.length; i += 1) {
      expect(roc[i]!.fpr).toBeGreaterThanOrEqual(roc[i - 1]!.fpr);
      expect(roc[i]!.tpr).toBeGreaterThanOrEqual(roc[i - 1]!.tpr);
    }
    expect(rocCurve([1, 2], [1, 1])).toEqual([]);
  });

  test('It should end the gains curve at (1, 1): every converter found once every lead is contacted', () => {
    fc.assert(
      fc.property(labelledArbitrary, (pairs) => {
        const scores = pairs.map(([score]) => score);
        const labels = pairs.map(([, label]) => label);
        const gains = gainsCurve(scores, labels);
        if (!labels.includes(1)) {
          expect(gains).toEqual([]);
        } else {
          expect(gains[0]).toMatchObject({ shareOfLeads: 0, shareOfPositives: 0 });
          expect(gains.at(-1)).toMatchObject({ shareOfLeads: 1, shareOfPositives: 1 });
        }
      }),
    );
    // A perfect score finds every converter in the first 20% of leads.
    const gains = gainsCurve([5, 4, 3, 2, 1], [1, 0, 0, 0, 0]);
    expect(gains[1]).toEqual({ shareOfLeads: 0.2, shareOfPositives: 1, threshold: 5 });
  });
});

describe('score bands, lift and calibration', () => {
  const rowsArbitrary = fc.array(
    fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom<Label | undefined>(0, 1, undefined)),
    { maxLength: 120 },
  );

  test('It should partition every labelled lead into deciles, never splitting equal scores', () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.integer({ min: 1, max: 12 }), (pairs, n) => {
        const rows = pairs.map(([score, label]) => row(score, label));
        const labelled = rows.filter((r) => r.label !== undefined);
        const bands = scoreBands(rows, n);
        expect(bands.length).toBeLessThanOrEqual(n);
        expect(bands.reduce((sum, band) => sum + band.leads, 0)).toBe(labelled.length);
        expect(bands.reduce((sum, band) => sum + band.positives, 0)).toBe(
          labelled.filter((r) => r.label === 1).length,
        );
        bands.forEach((band, index) => {
          expect(band.band).toBe(index + 1);
          const next = bands[index + 1];
          if (next) expect(next.maxScore).toBeLessThan(band.minScore);
        });
        if (bands.length > 0) expect(bands.at(-1)!.shareTo).toBe(1);
      }),
    );
    const evenly = Array.from({ length: 100 }, (_, i) => row(i, i % 4 === 0 ? 1 : 0));
    const deciles = scoreBands(evenly);
    expect(deciles.map((band) => band.leads)).toEqual(Array(10).fill(10));
    expect(deciles[0]).toMatchObject({ band: 1, minScore: 90, maxScore: 99, shareFrom: 0, shareTo: 0.1 });
  });

  test('It should give lift 1 everywhere to a score that knows nothing, and above 1 at the top of a good one', () => {
    const flat = Array.from({ length: 100 }, (_, i) => row(i, i % 2 === 0 ? 1 : 0));
    for (const lift of liftByBand(scoreBands(flat))) expect(lift.lift).toBeCloseTo(1, 12);
    const good = Array.from({ length: 100 }, (_, i) => row(i, i >= 80 ? 1 : 0));
    const lift = liftByBand(scoreBands(good));
    expect(lift[0]).toMatchObject({ lift: 5, cumulativeLift: 5, cumulativeShareOfPositives: 0.5 });
    expect(lift.at(-1)).toMatchObject({ lift: 0, cumulativeLift: 1, cumulativeShareOfLeads: 1 });
  });

  test('It should fit a conversion rate that never falls as the score rises', () => {
    const fit = isotonicFit([1, 2, 3, 4, 5, 6], [0, 1, 0, 1, 1, 0]);
    expect(fit.map((block) => block.rate)).toEqual([0, 0.5, 2 / 3]);
    fc.assert(
      fc.property(rowsArbitrary, (pairs) => {
        const result = calibration(pairs.map(([score, label]) => row(score, label)));
        for (let i = 1; i < result.fit.length; i += 1) {
          expect(result.fit[i]!.rate).toBeGreaterThan(result.fit[i - 1]!.rate);
        }
        for (const band of result.bands) {
          expect(band.lower).toBeLessThanOrEqual(band.observedRate);
          expect(band.upper).toBeGreaterThanOrEqual(band.observedRate);
        }
      }),
    );
  });
});

describe('conversion, time to convert, rules and distribution', () => {
  test('It should give the conversion rate of each segment over its leads with an outcome', () => {
    const rows = [
      row(90, 1, { segment: 'hot' }),
      row(80, 0, { segment: 'hot' }),
      row(85, undefined, { segment: 'hot' }),
      row(10, 0, { segment: 'cold' }),
      row(50, undefined, { segment: 'warm' }),
    ];
    expect(conversionBy(rows, 'segment')).toMatchObject([
      { value: 'hot', leads: 3, open: 1, labelled: 2, positives: 1, rate: 0.5 },
      { value: 'warm', leads: 1, open: 1, labelled: 0, rate: null, lower: null },
      { value: 'cold', leads: 1, labelled: 1, positives: 0, rate: 0 },
    ]);
  });

  test('It should give the median days from MQL to conversion of converted leads only', () => {
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const at = (days: number) => new Date(t0 + days * DAY).toISOString();
    const converted = (mqlDay: number, day: number) =>
      row(50, 1, { mqlAt: at(mqlDay), outcome: { kind: 'converted', at: at(day) } });
    const rows = [
      converted(0, 2),
      converted(1, 5),
      converted(0, 10),
      converted(3, 4.5),
      row(50, 0, { mqlAt: at(0), outcome: { kind: 'lost', at: at(1) } }),
      row(50, 1, { outcome: { kind: 'converted', at: at(3) } }),
      converted(5, 4),
    ];
    expect(medianDaysMqlToConversion(rows)).toBe(3);
    expect(medianDaysMqlToConversion(rows.slice(0, 3))).toBe(4);
    expect(medianDaysMqlToConversion([])).toBeNull();
  });

  test('It should show a rule that fires for converters only as carrying weight', () => {
    const rules: RuleInfo[] = [
      { ruleId: 'demo-request', kind: 'engagement', points: 30 },
      { ruleId: 'newsletter', kind: 'engagement', points: 5 },
      { ruleId: 'unused', kind: 'fit', points: 10 },
    ];
    const rows = Array.from({ length: 40 }, (_, i) => {
      const converter = i < 10;
      const hits: Record<string, number> = { newsletter: 1 };
      const points: Record<string, number> = { newsletter: 5 };
      if (converter && i % 2 === 0) {
        hits['demo-request'] = 1;
        points['demo-request'] = 30;
      }
      return row(0, converter ? 1 : 0, { ruleHits: hits, rulePoints: points });
    });
    const weights = ruleWeights(rows, rules);
    expect(weights.map((weight) => weight.ruleId)).toEqual(['demo-request', 'newsletter', 'unused']);
    expect(weights[0]).toMatchObject({
      firedAmongConverters: 0.5,
      firedAmongNonConverters: 0,
      firedDifference: 0.5,
      meanPointsConverters: 15,
      meanPointsNonConverters: 0,
      pointsDifference: 15,
      firedLeads: 5,
      rateWhenFired: 1,
    });
    expect(weights[1]).toMatchObject({
      firedAmongConverters: 1,
      firedAmongNonConverters: 1,
      pointsDifference: 0,
    });
    expect(weights[2]).toMatchObject({ firedLeads: 0, rateWhenFired: null, pointsDifference: 0 });
  });

  test('It should put every lead, open ones included, in the score distribution', () => {
    const rows = [row(0, 1), row(7, 0), row(7, undefined), row(19, undefined), row(100, 1)];
    const bins = scoreDistribution(rows, 10);
    expect(bins.reduce((sum, bin) => sum + bin.leads, 0)).toBe(5);
    expect(bins.reduce((sum, bin) => sum + bin.open, 0)).toBe(2);
    expect(bins[0]).toMatchObject({ from: 0, to: 10, leads: 3, converted: 1, notConverted: 1, open: 1 });
    expect(bins.at(-1)).toMatchObject({ to: 100, leads: 1, converted: 1 });
    expect(scoreDistribution([row(42, 0), row(42, 1)])).toEqual([
      { from: 42, to: 43, leads: 2, converted: 1, notConverted: 1, open: 0 },
    ]);
  });
});

describe('the model report', () => {
  const options = { generatedAt: '2026-03-01T00:00:00Z', client: 'example', modelVersion: 'v3', seed: 5 };

  test('It should print as JSON exactly what it holds, and warn when outcomes are too few for an AUC', () => {
    const rows = [
      ...Array.from({ length: 6 }, (_, i) =>
        row(60 + i, 1, { outcome: { kind: 'converted', at: options.generatedAt } }),
      ),
      ...Array.from({ length: 30 }, (_, i) =>
        row(i, 0, { outcome: { kind: 'lost', at: options.generatedAt } }),
      ),
      row(10, 0, { outcome: { kind: 'disqualified', at: options.generatedAt, reason: 'student' } }),
      row(20, undefined),
      row(Number.NaN, undefined),
    ];
    const report = buildModelReport(rows, [{ ruleId: 'r1', kind: 'fit', points: 5 }], options);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.counts).toEqual({
      leads: 38,
      labelled: 37,
      positives: 6,
      negatives: 31,
      open: 1,
      outcomes: { converted: 6, lost: 30, disqualified: 1 },
    });
    expect(report.auc.value).toBe(1);
    expect(report.notes.map((note) => note.code)).toEqual([
      'invalid-scores',
      'few-outcomes',
      'open-leads',
      'no-mql-timing',
    ]);
    expect(report.notes[1]!.message).toContain(`at least ${MIN_OUTCOMES_PER_CLASS} of each`);
  });

  test('It should report nothing but the distribution before any outcome', () => {
    const report = buildModelReport([row(10, undefined), row(30, undefined)], [], options);
    expect(report.auc).toEqual({ value: null, interval: null });
    expect(report.bands).toEqual([]);
    expect(report.roc).toEqual([]);
    expect(report.distribution.reduce((sum, bin) => sum + bin.leads, 0)).toBe(2);
    expect(report.notes[0]!.code).toBe('no-outcomes');
  });
});
