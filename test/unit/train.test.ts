import { describe, expect, it } from 'vitest';
import type { AttributeValue, ModelRow, RuleInfo } from '#shared/analytics/dataset.ts';
import { encodeRow, fitEncoding } from '#shared/analytics/features.ts';
import { sigmoid } from '#shared/analytics/logistic.ts';
import { auc, type Label, mulberry32 } from '#shared/analytics/metrics.ts';
import {
  predictProbability,
  type TrainRefusal,
  type TrainResult,
  trainPredictive,
} from '#shared/analytics/train.ts';

/*
 * Predictive scoring training on generated leads whose outcomes follow known coefficients, so
 * what the training finds can be held against the truth: coefficient signs and order, the
 * holdout AUC against the generator's own AUC, a planted leaking column, identifiers, rare
 * levels and missing values. A second generator reproduces the per-value conversion rates of a
 * public CRM export (the "X Education" leads) to pin the leakage guard's thresholds.
 */

const RULES: RuleInfo[] = [
  { ruleId: 'demo-request', kind: 'fit', points: 20 },
  { ruleId: 'pricing-page', kind: 'engagement', points: 5 },
  { ruleId: 'webinar', kind: 'source', points: 10 },
  { ruleId: 'free-email', kind: 'fit', points: -10 },
  { ruleId: 'never-fires', kind: 'fit', points: 15 },
];

/** The generator's log-odds: what training should find. */
const TRUTH = {
  intercept: -1,
  demoRequest: 1.4,
  freeEmail: -0.9,
  pricingPerLog1p: 0.8,
  employeesPerSd: 0.7,
  employeesMissing: -0.5,
  webinar: 0.3,
  industry: { software: 0.8, finance: 0, retail: -0.6 } as Record<string, number>,
};

function normals(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Generated {
  readonly rows: ModelRow[];
  /** AUC of the generator's true probabilities over all leads: the best any model can do. */
  readonly trueAuc: number;
}

/**
 * Leads with rule hits, a numeric field with missing values, a categorical field with a long
 * tail of rare levels, a country with missing values, Yes/No strings, two identifier columns
 * and, if asked, a `stage` column filled in by sales ("won" for almost every converter).
 */
function generateLeads(leads: number, seed: number, { leak = false } = {}): Generated {
  const random = mulberry32(seed);
  const normal = normals(random);
  const rows: ModelRow[] = [];
  const truths: number[] = [];
  for (let i = 0; i < leads; i++) {
    const demo = random() < 0.25;
    const freeEmail = random() < 0.35;
    const webinar = random() < 0.3;
    const pricing = Math.floor(random() * random() * 6); // 0–5 visits, mostly few
    const employeesMissing = random() < 0.15;
    const employeesZ = normal();
    const draw = random();
    const industry =
      draw < 0.3
        ? 'software'
        : draw < 0.55
          ? 'retail'
          : draw < 0.8
            ? 'finance'
            : `rare-${Math.floor(random() * 40)}`;
    const countryDraw = random();
    const country =
      countryDraw < 0.5 ? 'US' : countryDraw < 0.7 ? 'DE' : countryDraw < 0.9 ? 'FR' : undefined;

    const eta =
      TRUTH.intercept +
      (demo ? TRUTH.demoRequest : 0) +
      (freeEmail ? TRUTH.freeEmail : 0) +
      (webinar ? TRUTH.webinar : 0) +
      TRUTH.pricingPerLog1p * Math.log1p(pricing) +
      (employeesMissing ? TRUTH.employeesMissing : TRUTH.employeesPerSd * employeesZ) +
      (TRUTH.industry[industry] ?? 0);
    const probability = sigmoid(eta);
    const label: Label = random() < probability ? 1 : 0;

    const ruleHits: Record<string, number> = {};
    if (demo) ruleHits['demo-request'] = 1;
    if (freeEmail) ruleHits['free-email'] = 1;
    if (webinar) ruleHits.webinar = 1;
    if (pricing > 0) ruleHits['pricing-page'] = pricing;
    const rulePoints = Object.fromEntries(
      Object.entries(ruleHits).map(([ruleId, hits]) => [
        ruleId,
        hits * RULES.find((r) => r.ruleId === ruleId)!.points,
      ]),
    );
    const profile: Record<string, AttributeValue> = {
      crmId: `crm-${(seed * 1_000_003 + i * 7_919).toString(36)}`,
      leadNumber: 500_000 + i * 3 + (i % 2),
      industry,
      newsletter: random() < 0.4 ? 'Yes' : 'No',
    };
    if (!employeesMissing) profile.employees = Math.round(200 + 80 * employeesZ);
    if (country) profile.country = country;
    if (leak) {
      const stage = random();
      profile.stage =
        label === 1 ? (stage < 0.97 ? 'won' : 'open') : stage < 0.6 ? 'lost' : stage < 0.98 ? 'open' : 'won';
    }
    rows.push({
      leadId: `lead-${String(i).padStart(6, '0')}`,
      score: Object.values(rulePoints).reduce((sum, points) => sum + points, 0),
      segment: 'warm',
      grade: 'B',
      label,
      ruleHits,
      rulePoints,
      profile,
    });
    truths.push(probability);
  }
  return {
    rows,
    trueAuc: auc(
      truths,
      rows.map((row) => row.label!),
    )!,
  };
}

function trained(result: TrainResult | TrainRefusal): TrainResult {
  if (result.status !== 'trained') throw new Error(`Refused: ${result.reason}`);
  return result;
}

const coefficientOf = (result: TrainResult, name: string) => {
  const feature = result.features.find((f) => f.name === name);
  if (!feature) throw new Error(`No feature ${name} in ${result.features.map((f) => f.name).join(', ')}`);
  return feature.coefficient;
};

const clean = generateLeads(6_000, 42);
const started = performance.now();
const cleanResult = trained(trainPredictive(clean.rows, RULES, { seed: 3 }));
console.info(`trainPredictive on 6,000 leads: ${(performance.now() - started).toFixed(0)} ms`);

describe('predictive training on generated leads', () => {
  it('It should recover the signs and the order of the coefficients the leads were drawn from', () => {
    const demo = coefficientOf(cleanResult, 'rule:demo-request');
    const freeEmail = coefficientOf(cleanResult, 'rule:free-email');
    const pricing = coefficientOf(cleanResult, 'rule:pricing-page');
    const webinar = coefficientOf(cleanResult, 'rule:webinar');
    const employees = coefficientOf(cleanResult, 'employees');

    expect([demo > 0, freeEmail < 0, pricing > 0, webinar > 0, employees > 0]).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(Math.abs(demo)).toBeGreaterThan(Math.abs(freeEmail));
    expect(Math.abs(freeEmail)).toBeGreaterThan(Math.abs(webinar));
    expect(pricing).toBeGreaterThan(webinar);
    expect(demo).toBeCloseTo(TRUTH.demoRequest, 0);
    // employees was drawn per standard deviation of a normal; the encoding scales by the same sd.
    expect(employees).toBeCloseTo(TRUTH.employeesPerSd, 0);
    expect(coefficientOf(cleanResult, 'industry=software')).toBeGreaterThan(
      coefficientOf(cleanResult, 'industry=finance'),
    );
    expect(coefficientOf(cleanResult, 'industry=finance')).toBeGreaterThan(
      coefficientOf(cleanResult, 'industry=retail'),
    );
    // Sorted by |coefficient|.
    const sizes = cleanResult.features.map((f) => Math.abs(f.coefficient));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it('It should reach a holdout AUC close to the AUC of the true probabilities, above the current points', () => {
    const { holdout } = cleanResult;

    expect(cleanResult).toMatchObject({ leads: 6_000, training: { size: 4_200 } });
    expect(holdout.size).toBe(1_800);
    expect(Math.abs(holdout.auc - clean.trueAuc)).toBeLessThan(0.03);
    expect(holdout.aucInterval!.lower).toBeLessThan(holdout.auc);
    expect(holdout.aucInterval!.upper).toBeGreaterThan(holdout.auc);
    // The rule points ignore the profile (employees, industry): they rank leads worse.
    const scoreAuc = auc(
      clean.rows.map((row) => row.score),
      clean.rows.map((row) => row.label!),
    )!;
    expect(Math.abs(holdout.aucCurrentModel - scoreAuc)).toBeLessThan(0.03);
    expect(holdout.aucCurrentModel).toBeLessThan(holdout.auc - 0.03);
    expect(holdout.aucRulesOnly).toBeGreaterThan(holdout.aucCurrentModel - 0.02);
  });

  it('It should suggest points on the current scale that follow the learned weights', () => {
    const byRule = Object.fromEntries(cleanResult.suggestions.map((s) => [s.ruleId, s]));

    expect(Object.keys(byRule).sort()).toEqual(['demo-request', 'free-email', 'pricing-page', 'webinar']);
    expect(byRule['demo-request']!.suggestedPoints).toBeGreaterThan(byRule.webinar!.suggestedPoints);
    expect(byRule['free-email']!.suggestedPoints).toBeLessThan(0);
    // The webinar is over-valued at 10 points: its true weight is a fifth of a demo request's.
    expect(byRule.webinar!.suggestedPoints).toBeLessThan(byRule.webinar!.points);
    for (const suggestion of cleanResult.suggestions) {
      expect(Number.isInteger(suggestion.suggestedPoints)).toBe(true);
      expect(suggestion.suggestedPoints).toBe(Math.round(cleanResult.pointsScale! * suggestion.coefficient));
    }
    expect(cleanResult.warnings).toContainEqual(
      expect.objectContaining({ feature: 'rule:never-fires', kind: 'constant' }),
    );
  });

  it('It should drop identifier columns with a warning', () => {
    for (const field of ['crmId', 'leadNumber']) {
      expect(cleanResult.warnings).toContainEqual(
        expect.objectContaining({ feature: field, kind: 'identifier', excluded: true }),
      );
      expect(cleanResult.features.filter((f) => f.name.startsWith(field))).toEqual([]);
    }
  });

  it('It should pool rare levels into <other> and give missing values their own level', () => {
    const names = cleanResult.features.map((f) => f.name);

    expect(names).toContain('industry=<other>');
    expect(names.filter((name) => name.startsWith('industry=rare-'))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining(['employees=<missing>', 'country=<missing>', 'newsletter=Yes']),
    );
    expect(coefficientOf(cleanResult, 'employees=<missing>')).toBeLessThan(0);
    expect(cleanResult.warnings.filter((w) => w.kind === 'leakage')).toEqual([]);
  });

  it('It should score a new lead from the JSON model alone, with unseen levels and missing values', () => {
    const stored = JSON.parse(JSON.stringify(cleanResult)) as TrainResult;
    const lead = {
      profile: { industry: 'aerospace', newsletter: 'Yes', leadNumber: 1 },
      ruleHits: { 'demo-request': 1, 'pricing-page': 3 },
    };
    const vector = encodeRow(stored.encoding, lead);
    const column = (name: string) => vector[stored.encoding.columns.findIndex((c) => c.name === name)];

    expect(column('employees')).toBe(0);
    expect(column('employees=<missing>')).toBe(1);
    expect(column('industry=<other>')).toBe(1);
    expect(column('country=<missing>')).toBe(1);
    expect(column('rule:pricing-page')).toBeCloseTo(Math.log1p(3), 12);
    expect(predictProbability(stored, lead)).toBe(predictProbability(cleanResult, lead));
    expect(predictProbability(stored, lead)).toBeGreaterThan(
      predictProbability(stored, { profile: {}, ruleHits: {} }),
    );
  });

  it('It should give the same model whatever the order of the rows', () => {
    const reversed = trained(
      trainPredictive([...clean.rows].reverse(), RULES, { seed: 3, lambda: cleanResult.lambda }),
    );
    const given = trained(trainPredictive(clean.rows, RULES, { seed: 3, lambda: cleanResult.lambda }));

    expect(reversed.holdout.auc).toBe(given.holdout.auc);
    expect(reversed.coefficients).toEqual(given.coefficients);
    expect(given.coefficients).toEqual(cleanResult.coefficients);
  });
});

describe('the leakage guard', () => {
  const leaky = generateLeads(4_000, 9, { leak: true });

  it('It should name a column filled in by sales and leave it out of the model', () => {
    const result = trained(trainPredictive(leaky.rows, RULES, { seed: 1 }));
    const warning = result.warnings.find((w) => w.feature === 'stage');

    expect(warning).toMatchObject({ kind: 'leakage', excluded: true });
    expect(warning!.detail).toMatch(/"stage" alone separates outcomes \(out-of-fold AUC 0\.9\d+\)/);
    expect(result.features.filter((f) => f.name.startsWith('stage'))).toEqual([]);
    expect(result.holdout.auc).toBeLessThan(0.9);
    expect(result.warnings.filter((w) => w.kind === 'leakage').map((w) => w.feature)).toEqual(['stage']);
  });

  it('It should train on a leaking column named in keep, still warning about it', () => {
    const result = trained(trainPredictive(leaky.rows, RULES, { seed: 1, keep: ['stage'] }));

    expect(result.warnings).toContainEqual(
      expect.objectContaining({ feature: 'stage', kind: 'leakage', excluded: false }),
    );
    expect(coefficientOf(result, 'stage=won')).toBeGreaterThan(2);
    expect(result.holdout.auc).toBeGreaterThan(0.95);
  });

  it('It should flag sales-filled CRM columns but not strong honest predictors (X Education rates)', () => {
    const started = performance.now();
    const result = trained(trainPredictive(xEducationLike(9_240, 5), [], { seed: 1 }));
    console.info(
      `X Education-like 9,240 leads: ${(performance.now() - started).toFixed(0)} ms, ` +
        `${result.encoding.columns.length} columns, holdout AUC ${result.holdout.auc.toFixed(3)}; warnings:\n` +
        result.warnings.map((w) => `  ${w.kind} ${w.feature}: ${w.detail}`).join('\n'),
    );
    const flagged = (kind: string) =>
      result.warnings
        .filter((w) => w.kind === kind)
        .map((w) => w.feature)
        .sort();

    expect(flagged('leakage')).toEqual(['Lead Quality', 'Tags']);
    expect(flagged('identifier')).toEqual(['Lead Number', 'Prospect ID']);
    const tags = result.warnings.find((w) => w.feature === 'Tags')!;
    expect(tags.detail).toMatch(
      /"Tags" = "Will revert after reading the email": 2,\d{3} leads \(2\d%\), 9\d\.\d% converted/,
    );
    expect(result.features.some((f) => f.name === 'Lead Origin=Lead Add Form')).toBe(true);
  });
});

describe('refusing to train', () => {
  it('It should refuse with 20 converted leads, saying 30 more are needed', () => {
    const { rows } = generateLeads(3_000, 1);
    let converted = 0;
    const few = rows
      .filter((row) => row.label === 0 || converted++ < 20)
      .map((row, i) => (i % 10 === 0 ? { ...row, label: undefined } : row));
    const result = trainPredictive(few, RULES);

    expect(result.status).toBe('refused');
    const refusal = result as TrainRefusal;
    expect(refusal.positives + refusal.negatives + refusal.openLeads).toBe(few.length);
    expect(refusal.needed).toEqual({ positives: 50 - refusal.positives, negatives: 0 });
    expect(refusal.positives).toBeLessThanOrEqual(20);
    expect(refusal.reason).toContain(`${50 - refusal.positives} more converted leads are needed`);
  });

  it('It should count the missing outcomes of both kinds against minOutcomes', () => {
    const { rows } = generateLeads(120, 2);
    const result = trainPredictive(rows, RULES, { minOutcomes: 100 }) as TrainRefusal;
    const positives = rows.filter((row) => row.label === 1).length;

    expect(result).toMatchObject({
      status: 'refused',
      needed: { positives: 100 - positives, negatives: 100 - (120 - positives) },
    });
    expect(result.reason).toMatch(/\d+ more converted and \d+ more lost or disqualified leads are needed/);
  });
});

describe('feature encoding', () => {
  it('It should winsorise and standardise numbers, drop constant columns and keep the encoding plain JSON', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      profile: {
        visits: i === 0 ? 1_000_000 : i % 10,
        plan: 'free',
        ...(i % 4 === 0 ? {} : { size: (i % 7) * 10 }),
      } as Record<string, AttributeValue>,
      ruleHits: {},
    }));
    const { encoding, warnings } = fitEncoding(rows, RULES);
    const visits = encoding.columns.find((c) => c.name === 'visits');

    expect(encoding.columns.map((c) => c.name)).toEqual(['size', 'size=<missing>', 'visits']);
    expect(visits).toMatchObject({ kind: 'numeric', high: 9 });
    expect(warnings).toContainEqual(expect.objectContaining({ feature: 'plan', kind: 'constant' }));
    const encoded = rows.map((row) => encodeRow(encoding, row)[2]!);
    expect(Math.max(...encoded)).toBe(encodeRow(encoding, { profile: { visits: 9 }, ruleHits: {} })[2]);
    expect(encoded.reduce((sum, value) => sum + value, 0) / encoded.length).toBeCloseTo(0, 12);
    expect(JSON.parse(JSON.stringify(encoding))).toEqual(encoding);
  });
});

describe('identifier detection', () => {
  it('It should drop a running number and an id, but keep a measured quantity whose values are all distinct', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({
      profile: {
        id: `lead-${i}`,
        number: 1_000 + 3 * i,
        revenue: 1_000 + i * 13.37,
        plan: i % 3 ? 'pro' : 'free',
      },
      ruleHits: {},
    }));

    const { encoding, warnings } = fitEncoding(rows, []);

    expect(encoding.columns.map((c) => c.name)).toEqual(['plan=pro', 'plan=free', 'revenue']);
    expect(warnings.map((w) => [w.feature, w.kind])).toEqual([
      ['id', 'identifier'],
      ['number', 'identifier'],
    ]);
  });
});

/**
 * Leads with the per-value shares and conversion rates of the public "X Education" lead
 * export (9,240 leads, 38.5% converted). Each column is drawn given the outcome, so every
 * column has the published rate per value; `Tags` and `Lead Quality` are filled in by sales.
 * A level listed as [value, share, rate]; the remainder level takes what makes the base rate.
 */
function xEducationLike(leads: number, seed: number): ModelRow[] {
  const baseRate = 0.385;
  type Level = readonly [string | undefined, number, number];
  const columns: Record<string, { levels: Level[]; rest: string | undefined }> = {
    Tags: {
      levels: [
        ['Will revert after reading the email', 0.224, 0.966],
        ['Ringing', 0.13, 0.029],
        ['Interested in other courses', 0.055, 0.025],
        ['Already a student', 0.05, 0.006],
        ['Closed by Horizzon', 0.039, 0.994],
        ['Switched off', 0.026, 0.017],
        ['Busy', 0.02, 0.56],
        ['Lost to EINS', 0.019, 0.977],
        [undefined, 0.363, 0.25],
      ],
      rest: 'Other tags',
    },
    'Lead Quality': {
      levels: [
        ['Worst', 0.065, 0.02],
        ['High in Relevance', 0.069, 0.948],
        ['Might be', 0.17, 0.76],
        ['Not Sure', 0.118, 0.24],
        ['Low in Relevance', 0.063, 0.82],
      ],
      rest: undefined,
    },
    'Lead Origin': {
      levels: [
        ['Lead Add Form', 0.078, 0.924],
        ['Lead Import', 0.006, 0.24],
        ['API', 0.387, 0.31],
      ],
      rest: 'Landing Page Submission',
    },
    'Lead Source': {
      levels: [
        ['Welingak Website', 0.015, 0.986],
        ['Reference', 0.058, 0.918],
        ['Olark Chat', 0.19, 0.255],
        ['Google', 0.31, 0.4],
        ['Organic Search', 0.125, 0.378],
      ],
      rest: 'Direct Traffic',
    },
    'Last Activity': {
      levels: [
        ['SMS Sent', 0.3, 0.63],
        ['Email Opened', 0.37, 0.36],
        ['Olark Chat Conversation', 0.105, 0.086],
        ['Email Bounced', 0.035, 0.12],
        ['Page Visited on Website', 0.07, 0.236],
      ],
      rest: 'Converted to Lead',
    },
    'What is your current occupation': {
      levels: [
        ['Working Professional', 0.076, 0.916],
        ['Unemployed', 0.606, 0.435],
        [undefined, 0.291, 0.137],
      ],
      rest: 'Student',
    },
    'Lead Profile': {
      levels: [
        ['Potential Lead', 0.175, 0.785],
        ['Student of SomeSchool', 0.026, 0.037],
        ['Select', 0.45, 0.42],
      ],
      rest: undefined,
    },
    'Do Not Email': { levels: [['Yes', 0.079, 0.16]], rest: 'No' },
    Magazine: { levels: [], rest: 'No' },
  };
  // P(value | outcome) from share and rate: share·rate/base for converters, share·(1 − rate)/(1 − base) else.
  const conditional = Object.entries(columns).map(([field, { levels, rest }]) => {
    const share = 1 - levels.reduce((sum, [, s]) => sum + s, 0);
    const rate = (baseRate - levels.reduce((sum, [, s, r]) => sum + s * r, 0)) / share;
    const all: Level[] = [...levels, [rest, share, rate]];
    return {
      field,
      values: all.map(([value]) => value),
      converted: all.map(([, s, r]) => (s * r) / baseRate),
      lost: all.map(([, s, r]) => (s * (1 - r)) / (1 - baseRate)),
    };
  });
  const random = mulberry32(seed);
  const normal = normals(random);
  const pick = (weights: readonly number[]) => {
    let u = random();
    for (let i = 0; i < weights.length - 1; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  };
  return Array.from({ length: leads }, (_, i) => {
    const label: Label = random() < baseRate ? 1 : 0;
    const profile: Record<string, AttributeValue> = {
      'Prospect ID': `7927b2df-8bba-4d29-b9a2-${String(i).padStart(12, '0')}`,
      'Lead Number': 579_533 + i * 9 + (i % 7),
    };
    for (const column of conditional) {
      const value = column.values[pick(label === 1 ? column.converted : column.lost)];
      if (value !== undefined) profile[column.field] = value;
    }
    // Time on the website: ~24% never visited; else log-normal, longer for converters (AUC ~0.75).
    if (random() >= 0.24)
      profile['Total Time Spent on Website'] = Math.round(Math.exp(label ? 6.4 + normal() : 5.4 + normal()));
    else profile['Total Time Spent on Website'] = 0;
    return {
      leadId: `x-${i}`,
      score: 0,
      segment: 'cold',
      grade: 'C',
      label,
      ruleHits: {},
      rulePoints: {},
      profile,
    };
  });
}
