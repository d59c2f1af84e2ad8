import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictiveBlock } from '#scripts/cli/train.ts';
import type { ModelRow } from '#shared/analytics/dataset.ts';
import { predictProbability, trainPredictive } from '#shared/analytics/train.ts';
import { ruleInfoOf } from '#shared/app/model-data.ts';
import { parseClientConfig } from '#shared/config/load.ts';
import { foldEvents, scoreAt } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { compileModel } from '#shared/scoring/model.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { DAY, event, exampleConfig, profileEvent } from '#test/fixtures/scoring.ts';

/**
 * The opt-in predictive blend (PRODUCT §6.4): weight × the trained model's probability, its own
 * explanation line, a function of the lead's events like every other part of the score.
 */
const T0 = Date.parse('2026-11-02T09:00:00Z');
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const encoding = {
  version: 1 as const,
  columns: [
    { kind: 'rule' as const, name: 'rule:pricing-page', ruleId: 'pricing-page', transform: 'log1p' as const },
    { kind: 'level' as const, name: 'industry=software', field: 'industry', value: 'software' },
    {
      kind: 'numeric' as const,
      name: 'employees',
      field: 'employees',
      low: 0,
      high: 10_000,
      mean: 500,
      sd: 1000,
    },
    { kind: 'missing' as const, name: 'employees=<missing>', field: 'employees', numeric: true },
  ],
};
const blend = {
  weight: 40,
  model: { intercept: -2, coefficients: [1.2, 0.8, 0.5, -0.3], encoding },
};
const blendConfig = parseClientConfig({
  ...exampleConfig,
  model: { ...exampleConfig.model, predictive: blend },
});
const model = compileModel(blendConfig);

const buyer = { email: 'dana@northwind.io', company: 'Northwind', industry: 'software', employees: 1500 };
const events: ScoringEvent[] = [
  profileEvent(T0, buyer),
  event('page_view', T0 + DAY, { url: '/pricing' }),
  event('page_view', T0 + 2 * DAY, { url: '/pricing' }),
  event('page_view', T0 + 3 * DAY, { url: '/blog/a' }),
];

describe('predictive blend', () => {
  it('It should add weight × probability as its own explanation line, the lines still summing to the score', () => {
    const state = foldEvents('ld_blend', events, model);
    const expected = sigmoid(-2 + 1.2 * Math.log1p(2) + 0.8 + 0.5 * ((1500 - 500) / 1000));
    expect(state.predictive?.probability).toBeCloseTo(expected, 12);
    const explanation = explain(state, model, T0 + 3 * DAY);
    const line = explanation.lines.find((l) => l.kind === 'predictive');
    expect(line?.points).toBeCloseTo(40 * expected, 12);
    expect(line?.text).toMatch(/^predictive model: [\d.]+% likely to convert × 40: [\d.]+$/);
    const sum = explanation.lines.reduce((s, l) => s + l.points, 0);
    expect(sum).toBeCloseTo(explanation.total, 9);
    expect(explanation.predictive).toBeCloseTo(40 * expected, 12);
  });

  it('It should keep the blend constant between events while engagement decays', () => {
    const state = foldEvents('ld_blend', events, model);
    const now = scoreAt(state, model, T0 + 3 * DAY);
    const later = scoreAt(state, model, T0 + 60 * DAY);
    expect(later.predictive).toBe(now.predictive);
    expect(later.engagement).toBeLessThan(now.engagement);
  });

  it('It should give the same blend whatever the order the events arrive in', () => {
    const expected = foldEvents('ld_blend', events, model).predictive;
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        expect(foldEvents('ld_blend', order, model).predictive).toEqual(expected);
      }),
    );
  });

  it('It should leave scores untouched for a model without a blend', () => {
    const plain = compileModel(exampleConfig);
    const state = foldEvents('ld_plain', events, plain);
    expect(state.predictive).toBeUndefined();
    expect(explain(state, plain, T0 + 3 * DAY).lines.some((l) => l.kind === 'predictive')).toBe(false);
  });

  it('It should accept what `leadscore train --out` writes, and score a lead as the trained model does', () => {
    const rules = ruleInfoOf(compileModel(exampleConfig));
    const rows: ModelRow[] = Array.from({ length: 400 }, (_, i) => {
      const software = i % 3 === 0;
      const views = i % 5;
      const label = (software ? 0.7 : 0.2) + views * 0.05 > ((i * 7919) % 100) / 100 ? 1 : 0;
      return {
        leadId: `ld_${i}`,
        score: views * 10,
        segment: 'cold',
        grade: 'C',
        label,
        ruleHits: (views > 0 ? { 'pricing-page': views } : {}) as Record<string, number>,
        rulePoints: {},
        profile: { industry: software ? 'software' : 'retail' },
      };
    });
    const result = trainPredictive(rows, rules, { lambda: 1 });
    if (result.status !== 'trained') throw new Error(result.reason);
    const block = predictiveBlock(result, 30, '2026-12-01T00:00:00Z');
    const config = parseClientConfig({
      ...exampleConfig,
      model: { ...exampleConfig.model, predictive: JSON.parse(JSON.stringify(block.predictive)) },
    });
    const trainedModel = compileModel(config);
    const state = foldEvents(
      'ld_trained',
      [profileEvent(T0, { email: 'a@b.io', industry: 'software' }), ...events.slice(1, 3)],
      trainedModel,
    );
    const p = predictProbability(result, {
      profile: { industry: 'software' },
      ruleHits: { 'pricing-page': 2 },
    });
    expect(state.predictive?.probability).toBeCloseTo(p, 9);
  });

  it('It should refuse a blend whose coefficients do not match its encoding, naming the path', () => {
    expect(() =>
      parseClientConfig({
        ...exampleConfig,
        model: {
          ...exampleConfig.model,
          predictive: { ...blend, model: { ...blend.model, coefficients: [1] } },
        },
      }),
    ).toThrow(/model\.predictive\.model\.coefficients/);
  });
});
