/**
 * Predictive scoring training (PRODUCT §6.4): an L2-regularised logistic regression of the
 * outcome on rule hits and profile attributes, judged on a stratified holdout next to the
 * current rule model's AUC on the same leads, with suggested point values for the existing
 * rules and the leakage guard. Pure: rows and rules in, a JSON-serialisable result out.
 *
 * Steps:
 * 1. Only labelled leads count (1 converted, 0 lost or disqualified). With fewer than
 *    `minOutcomes` (default 50) of either class the answer is a refusal saying how many more of
 *    each are needed: below ~50 per class a holdout of 30% has ~15 of a class, and its AUC is
 *    too noisy to tell one model from another.
 * 2. The leakage guard (`findLeakage`) judges every profile field on all labelled leads; leaking
 *    fields are left out unless named in `keep` (they are warned about either way).
 * 3. Leads are ordered by id (the result does not depend on input order) and split by a seeded
 *    PRNG into training and holdout (30%), stratified by outcome.
 * 4. The encoding (`fitEncoding`) is fitted on the training part. λ, unless given, is the one of
 *    `LAMBDA_GRID` with the lowest 5-fold cross-validated log-loss on the training part.
 * 5. The model is fitted on the whole training part and judged on the holdout: its AUC (with a
 *    stratified bootstrap 95% interval) and the AUC of the leads' current `score`.
 * 6. Suggested points come from a second regression on the rule columns alone (same λ, same
 *    training leads), since the rules are all a point model has: fitted together with profile
 *    attributes, a rule about a profile field would share its weight with that field.
 */
import type { ModelRow, RuleInfo } from './dataset.ts';
import {
  compareText,
  encodeRow,
  type FeatureColumn,
  type FeatureEncoding,
  fitEncoding,
  formatCount,
  type LeadInput,
  profileFields,
  ruleFeatureName,
  type TrainingWarning,
} from './features.ts';
import { findLeakage, type LabelledLead, shuffledByClass, stratifiedFolds } from './leakage.ts';
import {
  type DesignMatrix,
  designMatrix,
  fitLogistic,
  type LogisticFit,
  linearPredictor,
  sigmoid,
} from './logistic.ts';
import { type AucInterval, auc, bootstrapAucInterval, type Label, median } from './metrics.ts';

/** A fitted model as a client config can hold it inline: apply with `predictProbability`. */
export interface PredictiveModel {
  readonly intercept: number;
  /** One per column of `encoding`, in order. */
  readonly coefficients: readonly number[];
  readonly encoding: FeatureEncoding;
}

export interface TrainOptions {
  /** Seed of the holdout split, the cross-validation folds and the bootstrap (default 1). */
  readonly seed?: number;
  /** Share of the labelled leads held out to judge the model (default 0.3). */
  readonly holdout?: number;
  /** L2 penalty; chosen by cross-validation over `LAMBDA_GRID` when absent. */
  readonly lambda?: number;
  /** Profile fields to train on although the leakage guard flags them. */
  readonly keep?: readonly string[];
  /** Fewest converted and fewest lost/disqualified leads to train on (default 50 each). */
  readonly minOutcomes?: number;
}

export const DEFAULT_HOLDOUT = 0.3;
export const DEFAULT_MIN_OUTCOMES = 50;
/**
 * Penalties tried by cross-validation. Columns are standardised or 0/1, so λ is in units of
 * leads: λ = 1 barely touches a level held by hundreds of leads and halves the weight of one
 * held by a handful; the grid spans "almost none" to "strong" in half-decades.
 */
export const LAMBDA_GRID: readonly number[] = [0.1, 0.3, 1, 3, 10, 30, 100];
export const CV_FOLDS = 5;
const BOOTSTRAP_ITERATIONS = 1000;

export interface FeatureWeight {
  readonly name: string;
  readonly kind: FeatureColumn['kind'];
  /** Log-odds per unit: per standard deviation for a numeric field, per hit (0/1 or log1p) else. */
  readonly coefficient: number;
  readonly oddsRatio: number;
  /** Training leads with a non-zero value in the column. */
  readonly leads: number;
}

export interface RuleSuggestion {
  readonly ruleId: string;
  readonly kind: RuleInfo['kind'];
  readonly points: number;
  readonly suggestedPoints: number;
  /**
   * The rule's weight in the rules-only regression, in log-odds: for a fit or source rule per
   * firing; for an engagement rule per event, as log1p(m)·c/m at the median hit count m of the
   * leads it fired for (its log1p coefficient c spread evenly over a typical lead's events).
   */
  readonly coefficient: number;
  /** Training leads the rule fired for. */
  readonly leads: number;
}

export interface TrainResult extends PredictiveModel {
  readonly status: 'trained';
  /** Labelled leads used (training + holdout), converters among them, open leads ignored. */
  readonly leads: number;
  readonly positives: number;
  readonly negatives: number;
  readonly openLeads: number;
  readonly training: { readonly size: number; readonly positives: number };
  readonly holdout: {
    readonly size: number;
    readonly positives: number;
    readonly auc: number;
    readonly aucInterval: AucInterval | null;
    /** AUC of the leads' current rule `score` on the same holdout leads. */
    readonly aucCurrentModel: number;
    readonly aucCurrentModelInterval: AucInterval | null;
    /** AUC of the rules-only regression behind the suggestions: what better points could reach. */
    readonly aucRulesOnly: number | null;
  };
  readonly lambda: number;
  readonly lambdaSelection:
    | { readonly method: 'given' }
    | {
        readonly method: 'cross-validation';
        readonly folds: number;
        readonly grid: readonly { readonly lambda: number; readonly logLoss: number }[];
      };
  /** The model's columns by |coefficient|, largest first. */
  readonly features: readonly FeatureWeight[];
  readonly suggestions: readonly RuleSuggestion[];
  /** Suggested points = round(pointsScale × coefficient) (see `suggestPoints`). */
  readonly pointsScale: number | null;
  readonly warnings: readonly TrainingWarning[];
  readonly iterations: number;
  readonly converged: boolean;
}

export interface TrainRefusal {
  readonly status: 'refused';
  readonly leads: number;
  readonly positives: number;
  readonly negatives: number;
  readonly openLeads: number;
  readonly minOutcomes: number;
  /** More converted (positives) and lost/disqualified (negatives) leads needed to train. */
  readonly needed: { readonly positives: number; readonly negatives: number };
  readonly reason: string;
}

/** Trains the predictive model, or refuses when there are too few outcomes (see the module comment). */
export function trainPredictive(
  rows: readonly ModelRow[],
  rules: readonly RuleInfo[],
  options: TrainOptions = {},
): TrainResult | TrainRefusal {
  const seed = options.seed ?? 1;
  const holdoutShare = options.holdout ?? DEFAULT_HOLDOUT;
  const minOutcomes = options.minOutcomes ?? DEFAULT_MIN_OUTCOMES;
  if (!(holdoutShare > 0 && holdoutShare < 1)) {
    throw new RangeError(`holdout must be in (0, 1), got ${holdoutShare}`);
  }
  if (!Number.isInteger(minOutcomes) || minOutcomes < 2) {
    throw new RangeError(`minOutcomes must be a whole number ≥ 2, got ${minOutcomes}`);
  }
  if (options.lambda !== undefined && !(options.lambda >= 0)) {
    throw new RangeError(`lambda must be ≥ 0, got ${options.lambda}`);
  }

  const labelled = rows
    .filter((row): row is ModelRow & LabelledLead => row.label === 0 || row.label === 1)
    .sort((a, b) => compareText(a.leadId, b.leadId));
  const positives = labelled.filter((row) => row.label === 1).length;
  const counts = { leads: labelled.length, positives, negatives: labelled.length - positives };
  const openLeads = rows.length - labelled.length;
  if (counts.positives < minOutcomes || counts.negatives < minOutcomes) {
    return refusal(counts, openLeads, minOutcomes);
  }

  // 2. Leakage guard, on every labelled lead.
  const keep = new Set(options.keep ?? []);
  const warnings: TrainingWarning[] = findLeakage(labelled, profileFields(labelled), { seed }).map(
    (finding) => ({
      feature: finding.field,
      kind: 'leakage',
      detail: keep.has(finding.field)
        ? `${finding.detail} Kept, as asked.`
        : `${finding.detail} Looks filled in during or after the sale: left out (name it in keep to use it).`,
      excluded: !keep.has(finding.field),
    }),
  );
  const exclude = warnings.filter((warning) => warning.excluded).map((warning) => warning.feature);

  // 3. Stratified holdout.
  const labels = labelled.map((row) => row.label);
  const inHoldout = new Uint8Array(labelled.length);
  for (const members of shuffledByClass(labels, seed)) {
    const size = Math.min(members.length - 1, Math.max(1, Math.round(holdoutShare * members.length)));
    for (const row of members.slice(0, size)) inHoldout[row] = 1;
  }
  const train = labelled.filter((_, i) => inHoldout[i] === 0);
  const test = labelled.filter((_, i) => inHoldout[i] === 1);

  // 4. Encoding and λ.
  const fitted = fitEncoding(train, rules, { exclude });
  warnings.push(...fitted.warnings, ...unusedRuleWarnings(rules, fitted.encoding, train.length));
  const { encoding } = fitted;
  const x = designMatrix(
    train.map((row) => encodeRow(encoding, row)),
    encoding.columns.length,
  );
  const y = train.map((row) => row.label);
  const selection = options.lambda === undefined ? selectLambda(x, y, seed) : undefined;
  const lambda = options.lambda ?? selection!.lambda;

  // 5. Fit and judge.
  const fit = fitLogistic(x, y, { lambda });
  if (!fit.converged) {
    warnings.push({
      feature: 'model',
      kind: 'convergence',
      detail: `The regression did not converge in ${fit.iterations} steps; its coefficients are approximate.`,
    });
  }
  const model: PredictiveModel = { intercept: fit.intercept, coefficients: fit.coefficients, encoding };
  const testLabels = test.map((row) => row.label);
  const predicted = test.map((row) => predictProbability(model, row));
  const current = test.map((row) => row.score);
  const bootstrap = { iterations: BOOTSTRAP_ITERATIONS, seed };

  // 6. Suggested points.
  const rulesOnly = rulesOnlyFit(x, y, encoding, lambda);
  const suggested = suggestPoints(rules, encoding, rulesOnly, train);

  return {
    status: 'trained',
    ...counts,
    openLeads,
    training: { size: train.length, positives: y.filter((label) => label === 1).length },
    holdout: {
      size: test.length,
      positives: testLabels.filter((label) => label === 1).length,
      auc: aucOf(predicted, testLabels),
      aucInterval: bootstrapAucInterval(predicted, testLabels, bootstrap),
      aucCurrentModel: aucOf(current, testLabels),
      aucCurrentModelInterval: bootstrapAucInterval(current, testLabels, bootstrap),
      aucRulesOnly: rulesOnly
        ? aucOf(
            test.map((row) => rulesOnly.predict(row)),
            testLabels,
          )
        : null,
    },
    lambda,
    lambdaSelection: selection
      ? { method: 'cross-validation', folds: CV_FOLDS, grid: selection.grid }
      : { method: 'given' },
    intercept: fit.intercept,
    coefficients: fit.coefficients,
    encoding,
    features: featureWeights(encoding, fit.coefficients, x),
    suggestions: suggested.suggestions,
    pointsScale: suggested.scale,
    warnings,
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

/** The predicted probability that a lead converts, under a trained model. */
export function predictProbability(model: PredictiveModel, lead: LeadInput): number {
  const { columns } = model.encoding;
  if (model.coefficients.length !== columns.length) {
    throw new RangeError(`${model.coefficients.length} coefficients for ${columns.length} feature columns`);
  }
  const vector = encodeRow(model.encoding, lead);
  let eta = model.intercept;
  for (let j = 0; j < vector.length; j++) eta += vector[j]! * model.coefficients[j]!;
  return sigmoid(eta);
}

function refusal(
  counts: { leads: number; positives: number; negatives: number },
  openLeads: number,
  minOutcomes: number,
): TrainRefusal {
  const needed = {
    positives: Math.max(0, minOutcomes - counts.positives),
    negatives: Math.max(0, minOutcomes - counts.negatives),
  };
  const missing = [
    ...(needed.positives > 0 ? [`${formatCount(needed.positives)} more converted`] : []),
    ...(needed.negatives > 0 ? [`${formatCount(needed.negatives)} more lost or disqualified`] : []),
  ];
  return {
    status: 'refused',
    ...counts,
    openLeads,
    minOutcomes,
    needed,
    reason:
      `Too few outcomes to train: ${formatCount(counts.positives)} converted and ` +
      `${formatCount(counts.negatives)} lost or disqualified leads, and training needs at least ` +
      `${formatCount(minOutcomes)} of each; ${missing.join(' and ')} leads are needed.`,
  };
}

/** Warnings for rules without a column: they never fired (or always did) for the training leads. */
function unusedRuleWarnings(
  rules: readonly RuleInfo[],
  encoding: FeatureEncoding,
  trainingLeads: number,
): TrainingWarning[] {
  const present = new Set(encoding.columns.map((column) => column.name));
  return rules
    .filter((rule) => !present.has(ruleFeatureName(rule.ruleId)))
    .map((rule) => ({
      feature: ruleFeatureName(rule.ruleId),
      kind: 'constant',
      detail:
        `Rule "${rule.ruleId}" fired alike for all ${formatCount(trainingLeads)} training leads ` +
        `(never, or for every one): nothing to learn about it, no suggestion.`,
      excluded: true,
    }));
}

/**
 * The λ of `LAMBDA_GRID` with the lowest cross-validated log-loss (mean over all training
 * leads of each one's loss when its fold was held out; a tie goes to the larger λ). Each fold
 * walks the grid from the largest λ down, starting each fit from the previous one.
 */
function selectLambda(
  x: DesignMatrix,
  y: readonly Label[],
  seed: number,
): { lambda: number; grid: { lambda: number; logLoss: number }[] } {
  const fold = stratifiedFolds(y, CV_FOLDS, seed + 1);
  const descending = [...LAMBDA_GRID].sort((a, b) => b - a);
  const losses = new Array<number>(descending.length).fill(0);
  for (let f = 0; f < CV_FOLDS; f++) {
    const fitRows: number[] = [];
    const heldRows: number[] = [];
    for (let row = 0; row < x.rows; row++) (fold[row] === f ? heldRows : fitRows).push(row);
    let start: LogisticFit | undefined;
    descending.forEach((lambda, g) => {
      start = fitLogistic(x, y, { lambda, rows: fitRows, ...(start ? { start } : {}) });
      for (const row of heldRows) {
        const p = sigmoid(linearPredictor(x, row, start.intercept, start.coefficients));
        const clipped = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
        losses[g]! -= y[row] === 1 ? Math.log(clipped) : Math.log(1 - clipped);
      }
    });
  }
  const grid = descending.map((lambda, g) => ({ lambda, logLoss: losses[g]! / x.rows })).reverse();
  const best = grid.reduce((a, b) =>
    b.logLoss < a.logLoss || (b.logLoss === a.logLoss && b.lambda > a.lambda) ? b : a,
  );
  return { lambda: best.lambda, grid };
}

interface RulesOnlyFit {
  /** Coefficient of each rule column, by rule id. */
  readonly coefficients: ReadonlyMap<string, number>;
  readonly predict: (lead: LeadInput) => number;
}

/** The regression on the rule columns alone (undefined when no rule has a column). */
function rulesOnlyFit(
  x: DesignMatrix,
  y: readonly Label[],
  encoding: FeatureEncoding,
  lambda: number,
): RulesOnlyFit | undefined {
  const ruleColumns = encoding.columns.flatMap((column, j) =>
    column.kind === 'rule' ? [{ column, j }] : [],
  );
  if (ruleColumns.length === 0) return undefined;
  const positionOf = new Int32Array(x.columns).fill(-1);
  ruleColumns.forEach(({ j }, position) => {
    positionOf[j] = position;
  });
  const subset = designMatrix(
    Array.from({ length: x.rows }, (_, row) => {
      const dense = new Float64Array(ruleColumns.length);
      for (let k = x.rowStart[row]!; k < x.rowStart[row + 1]!; k++) {
        const position = positionOf[x.indices[k]!]!;
        if (position >= 0) dense[position] = x.values[k]!;
      }
      return dense;
    }),
    ruleColumns.length,
  );
  const fit = fitLogistic(subset, y, { lambda });
  const model: PredictiveModel = {
    intercept: fit.intercept,
    coefficients: fit.coefficients,
    encoding: { version: 1, columns: ruleColumns.map(({ column }) => column) },
  };
  return {
    coefficients: new Map(
      ruleColumns.map(({ column }, k) => [column.kind === 'rule' ? column.ruleId : '', fit.coefficients[k]!]),
    ),
    predict: (lead) => predictProbability(model, lead),
  };
}

/**
 * Suggested integer points for the rules with a coefficient: one scale k for all, fitted by
 * least squares through the origin between the current points and the (per-event)
 * coefficients, points ≈ k·c, so suggestions stay on the scale of the current model and the
 * thresholds keep their meaning: k = Σ pᵢcᵢ / Σ cᵢ². When k is not positive (the current points
 * disagree with the data overall) k = Σ|pᵢ| / Σ|cᵢ| keeps the current total magnitude; when
 * every current point is 0, the strongest rule gets ±10.
 */
function suggestPoints(
  rules: readonly RuleInfo[],
  encoding: FeatureEncoding,
  fit: RulesOnlyFit | undefined,
  train: readonly LeadInput[],
): { suggestions: RuleSuggestion[]; scale: number | null } {
  if (!fit) return { suggestions: [], scale: null };
  const weighted = rules.flatMap((rule) => {
    const raw = fit.coefficients.get(rule.ruleId);
    if (raw === undefined) return [];
    const hits = train.map((row) => row.ruleHits[rule.ruleId] ?? 0).filter((count) => count > 0);
    const column = encoding.columns.find((c) => c.name === ruleFeatureName(rule.ruleId));
    const typical = median(hits) ?? 1;
    const perEvent =
      column?.kind === 'rule' && column.transform === 'log1p' ? (raw * Math.log1p(typical)) / typical : raw;
    return [{ rule, coefficient: perEvent, leads: hits.length }];
  });
  const dot = weighted.reduce((sum, { rule, coefficient }) => sum + rule.points * coefficient, 0);
  const squares = weighted.reduce((sum, { coefficient }) => sum + coefficient * coefficient, 0);
  const absolutePoints = weighted.reduce((sum, { rule }) => sum + Math.abs(rule.points), 0);
  const absoluteCoefficients = weighted.reduce((sum, { coefficient }) => sum + Math.abs(coefficient), 0);
  const largest = weighted.reduce((max, { coefficient }) => Math.max(max, Math.abs(coefficient)), 0);
  let scale = squares > 0 ? dot / squares : 0;
  if (!(scale > 0)) scale = absoluteCoefficients > 0 ? absolutePoints / absoluteCoefficients : 0;
  if (!(scale > 0)) scale = largest > 0 ? 10 / largest : 0;
  return {
    scale,
    suggestions: weighted.map(({ rule, coefficient, leads }) => ({
      ruleId: rule.ruleId,
      kind: rule.kind,
      points: rule.points,
      suggestedPoints: Math.round(scale * coefficient) + 0, // + 0: no -0 in JSON
      coefficient,
      leads,
    })),
  };
}

function featureWeights(
  encoding: FeatureEncoding,
  coefficients: readonly number[],
  x: DesignMatrix,
): FeatureWeight[] {
  const leads = new Array<number>(encoding.columns.length).fill(0);
  for (const j of x.indices) leads[j]!++;
  return encoding.columns
    .map((column, j) => ({
      name: column.name,
      kind: column.kind,
      coefficient: coefficients[j]!,
      oddsRatio: Math.exp(coefficients[j]!),
      leads: leads[j]!,
    }))
    .sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient) || compareText(a.name, b.name));
}

/** The AUC of scores on leads of both classes (the holdout always has both). */
function aucOf(scores: number[], labels: Label[]): number {
  const value = auc(scores, labels);
  if (value === null) throw new Error('The holdout lacks a class');
  return value;
}
