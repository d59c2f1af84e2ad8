/**
 * Feature encoding for predictive scoring (PRODUCT §6.4): turns a lead's rule hits and profile
 * attributes into a fixed vector of numbers. The encoding is fitted on training leads and kept
 * as plain JSON (`FeatureEncoding`), so the scoring engine can apply the very same encoding to
 * one lead later (`encodeRow`) without the training data.
 *
 * Columns, in this order:
 * - one per rule of the current model, named `rule:<ruleId>`: for an engagement rule
 *   `log1p(hits)` (its events counted, with diminishing returns: the 10th visit tells less than
 *   the first), for a fit or source rule `1` when it fired, else `0`;
 * - per profile field, by field name:
 *   - a numeric field (at least 98% of its present values are numbers) gives `<field>`: the
 *     value clipped to the training 1st–99th percentiles, then standardised by the training mean
 *     and standard deviation of the clipped values, so a coefficient is per standard deviation;
 *     a lead without a number there gets 0 (the mean) and a `<field>=<missing>` indicator;
 *   - a categorical field gives one indicator per common level, `<field>=<value>`; levels held by
 *     fewer than max(10, 1% of the training leads) are pooled into `<field>=<other>` (as is any
 *     value first met after training), and a missing value is its own level `<field>=<missing>`;
 * - columns that are constant over the training leads are dropped (a rule that never fired, a
 *   level every lead has, a field never missing has no `<missing>` column).
 *
 * Identifier-like fields (ids, emails, running numbers: almost every value distinct) are left out
 * with an `identifier` warning: a model can only memorise them.
 */
import type { AttributeValue, ModelRow, RuleInfo } from './dataset.ts';

/** What encoding reads of a lead: a `ModelRow` is one, so is a lead being scored. */
export type LeadInput = Pick<ModelRow, 'profile' | 'ruleHits'>;

export type FeatureColumn =
  | {
      readonly kind: 'rule';
      readonly name: string;
      readonly ruleId: string;
      readonly transform: 'indicator' | 'log1p';
    }
  | {
      readonly kind: 'numeric';
      readonly name: string;
      readonly field: string;
      /** Training 1st and 99th percentiles: values are clipped to [low, high] first. */
      readonly low: number;
      readonly high: number;
      readonly mean: number;
      readonly sd: number;
    }
  | {
      readonly kind: 'missing';
      readonly name: string;
      readonly field: string;
      /** A numeric field's: a present value that is not a number counts as missing too. */
      readonly numeric: boolean;
    }
  | { readonly kind: 'level'; readonly name: string; readonly field: string; readonly value: string }
  | {
      readonly kind: 'other';
      readonly name: string;
      readonly field: string;
      /** The field's common levels (every other present value is `<other>`). */
      readonly levels: readonly string[];
    };

/** A fitted encoding, plain JSON: the columns of the feature vector, in order. */
export interface FeatureEncoding {
  readonly version: 1;
  readonly columns: readonly FeatureColumn[];
}

export type WarningKind = 'leakage' | 'identifier' | 'constant' | 'convergence';

export interface TrainingWarning {
  /** The profile field, or `rule:<ruleId>`, the warning is about (`model` for the fit itself). */
  readonly feature: string;
  readonly kind: WarningKind;
  readonly detail: string;
  /** Whether the feature was left out of the model. */
  readonly excluded?: boolean;
}

export type FieldKind = 'numeric' | 'categorical' | 'identifier';

export interface FieldProfile {
  readonly field: string;
  readonly kind: FieldKind;
  /** Leads with a value for the field. */
  readonly present: number;
  /** Distinct present values. */
  readonly distinct: number;
}

/** A field is numeric when at least this share of its present values are numbers. */
export const NUMERIC_SHARE = 0.98;
/** A field is identifier-like when at least this share of its present values are distinct ... */
export const IDENTIFIER_DISTINCT_SHARE = 0.95;
/** ... and it is present for at least this many leads (fewer distinct values say nothing). */
export const IDENTIFIER_MIN_PRESENT = 20;
/** Levels held by fewer leads than max(MIN_LEVEL_LEADS, MIN_LEVEL_SHARE · leads) are pooled. */
export const MIN_LEVEL_LEADS = 10;
export const MIN_LEVEL_SHARE = 0.01;

export const MISSING = '<missing>';
export const OTHER = '<other>';

const RULE_PREFIX = 'rule:';

/** The rule column name of a rule id. */
export const ruleFeatureName = (ruleId: string) => `${RULE_PREFIX}${ruleId}`;

/** A present value as a category: trimmed text; undefined for absent, blank or NaN. */
export function categoryOf(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** A value as a number; undefined for absent or non-numeric values. */
export function numberOf(value: AttributeValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Fewest leads a level needs not to be pooled into `<other>`. */
export function minLevelLeads(leads: number): number {
  return Math.max(MIN_LEVEL_LEADS, Math.ceil(MIN_LEVEL_SHARE * leads));
}

/**
 * What each profile field holds over some leads: numeric, categorical or identifier-like
 * (fields sorted by name). An identifier is a field present for enough leads whose values are
 * almost all distinct and, for a numeric field, all whole numbers (a running number; a measured
 * quantity with decimals is kept).
 */
export function profileFields(rows: readonly LeadInput[]): FieldProfile[] {
  interface Stats {
    present: number;
    /** Present values that are numbers, and whole numbers among them. */
    numeric: number;
    integers: number;
    numbers: Set<number>;
    texts: Set<string>;
  }
  const byField = new Map<string, Stats>();
  for (const row of rows) {
    for (const field in row.profile) {
      const value = row.profile[field];
      let stats = byField.get(field);
      if (!stats) {
        stats = { present: 0, numeric: 0, integers: 0, numbers: new Set(), texts: new Set() };
        byField.set(field, stats);
      }
      const number = numberOf(value);
      if (number !== undefined) {
        stats.present++;
        stats.numeric++;
        stats.numbers.add(number);
        if (Number.isInteger(number)) stats.integers++;
        continue;
      }
      const category = categoryOf(value);
      if (category === undefined) continue;
      stats.present++;
      stats.texts.add(category);
    }
  }
  return [...byField.keys()].sort(compareText).flatMap((field) => {
    const stats = byField.get(field)!;
    if (stats.present === 0) return [];
    const numeric = stats.numeric >= NUMERIC_SHARE * stats.present;
    const distinct = stats.numbers.size + stats.texts.size;
    const identifier =
      stats.present >= IDENTIFIER_MIN_PRESENT &&
      distinct >= IDENTIFIER_DISTINCT_SHARE * stats.present &&
      (!numeric || stats.integers === stats.numeric);
    const kind: FieldKind = identifier ? 'identifier' : numeric ? 'numeric' : 'categorical';
    return [{ field, kind, present: stats.present, distinct }];
  });
}

export interface EncodingOptions {
  /** Profile fields to leave out (the leakage guard's finds). */
  readonly exclude?: readonly string[];
}

export interface FittedEncoding {
  readonly encoding: FeatureEncoding;
  /** Identifier-like and constant fields left out. */
  readonly warnings: TrainingWarning[];
}

/** Fits the encoding on training leads (see the module comment for the columns it makes). */
export function fitEncoding(
  rows: readonly LeadInput[],
  rules: readonly RuleInfo[],
  options: EncodingOptions = {},
): FittedEncoding {
  const excluded = new Set(options.exclude ?? []);
  const columns: FeatureColumn[] = [];
  const warnings: TrainingWarning[] = [];
  const leads = rows.length;

  for (const rule of rules) {
    const transform = rule.kind === 'engagement' ? 'log1p' : 'indicator';
    const column: FeatureColumn = {
      kind: 'rule',
      name: ruleFeatureName(rule.ruleId),
      ruleId: rule.ruleId,
      transform,
    };
    if (!isConstant(rows, (row) => ruleValue(column, row))) columns.push(column);
  }

  for (const profile of profileFields(rows)) {
    const { field } = profile;
    if (excluded.has(field)) continue;
    if (profile.kind === 'identifier') {
      warnings.push({
        feature: field,
        kind: 'identifier',
        detail:
          `"${field}" has ${formatCount(profile.distinct)} distinct values in ${formatCount(profile.present)} ` +
          `leads: an identifier, not a trait; left out.`,
        excluded: true,
      });
      continue;
    }
    const fieldColumns =
      profile.kind === 'numeric'
        ? numericColumns(rows, field)
        : categoricalColumns(rows, field, minLevelLeads(leads));
    if (fieldColumns.length === 0) {
      warnings.push({
        feature: field,
        kind: 'constant',
        detail: `"${field}" is the same for all ${formatCount(leads)} training leads once rare values are pooled; left out.`,
        excluded: true,
      });
    }
    columns.push(...fieldColumns);
  }
  return { encoding: { version: 1, columns }, warnings };
}

function numericColumns(rows: readonly LeadInput[], field: string): FeatureColumn[] {
  const values = rows.flatMap((row) => {
    const value = numberOf(row.profile[field]);
    return value === undefined ? [] : [value];
  });
  const columns: FeatureColumn[] = [];
  if (values.length > 0) {
    const sorted = Float64Array.from(values).sort();
    let low = quantileOfSorted(sorted, 0.01);
    let high = quantileOfSorted(sorted, 0.99);
    // A field that is almost always one value clips to a constant: keep its full range instead.
    if (low === high) [low, high] = [sorted[0]!, sorted[sorted.length - 1]!];
    const { mean, sd } = meanAndSd(values.map((value) => clip(value, low, high)));
    if (sd > 0) columns.push({ kind: 'numeric', name: field, field, low, high, mean, sd });
  }
  if (values.length > 0 && values.length < rows.length) {
    columns.push({ kind: 'missing', name: `${field}=${MISSING}`, field, numeric: true });
  }
  return columns;
}

function categoricalColumns(rows: readonly LeadInput[], field: string, minLeads: number): FeatureColumn[] {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const row of rows) {
    const value = categoryOf(row.profile[field]);
    if (value === undefined) missing++;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const levels = [...counts]
    .filter(([, count]) => count >= minLeads)
    .sort(([a, countA], [b, countB]) => countB - countA || compareText(a, b))
    .map(([value]) => value);
  const pooled = rows.length - missing - levels.reduce((sum, level) => sum + counts.get(level)!, 0);
  const columns: FeatureColumn[] = levels
    .filter((level) => counts.get(level)! < rows.length)
    .map((value) => ({ kind: 'level', name: `${field}=${value}`, field, value }));
  if (pooled > 0 && pooled < rows.length)
    columns.push({ kind: 'other', name: `${field}=${OTHER}`, field, levels });
  if (missing > 0 && missing < rows.length) {
    columns.push({ kind: 'missing', name: `${field}=${MISSING}`, field, numeric: false });
  }
  return columns;
}

/** The feature vector of a lead (a `ModelRow` or a lead being scored) under a fitted encoding. */
export function encodeRow(encoding: FeatureEncoding, lead: LeadInput): Float64Array {
  const columns = encoding.columns;
  const vector = new Float64Array(columns.length);
  for (let j = 0; j < columns.length; j++) vector[j] = columnValue(columns[j]!, lead);
  return vector;
}

/** Level sets of `<other>` columns, built once per column object. */
const levelSets = new WeakMap<FeatureColumn, ReadonlySet<string>>();

function columnValue(column: FeatureColumn, lead: LeadInput): number {
  switch (column.kind) {
    case 'rule':
      return ruleValue(column, lead);
    case 'numeric': {
      const value = numberOf(lead.profile[column.field]);
      return value === undefined ? 0 : (clip(value, column.low, column.high) - column.mean) / column.sd;
    }
    case 'missing': {
      const value = lead.profile[column.field];
      const missing = column.numeric ? numberOf(value) === undefined : categoryOf(value) === undefined;
      return missing ? 1 : 0;
    }
    case 'level':
      return categoryOf(lead.profile[column.field]) === column.value ? 1 : 0;
    case 'other': {
      const value = categoryOf(lead.profile[column.field]);
      if (value === undefined) return 0;
      let levels = levelSets.get(column);
      if (!levels) {
        levels = new Set(column.levels);
        levelSets.set(column, levels);
      }
      return levels.has(value) ? 0 : 1;
    }
  }
}

function ruleValue(column: Extract<FeatureColumn, { kind: 'rule' }>, lead: LeadInput): number {
  const hits = lead.ruleHits[column.ruleId] ?? 0;
  if (!(hits > 0)) return 0;
  return column.transform === 'log1p' ? Math.log1p(hits) : 1;
}

function isConstant(rows: readonly LeadInput[], value: (row: LeadInput) => number): boolean {
  const first = rows[0];
  if (first === undefined) return true;
  const reference = value(first);
  return rows.every((row) => value(row) === reference);
}

const clip = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  // Rounding can leave a tiny spread on equal values; treat it as none.
  return { mean, sd: variance > 1e-24 * Math.max(1, mean * mean) ? Math.sqrt(variance) : 0 };
}

/** The `q` quantile of sorted values, interpolating linearly between order statistics. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** Code-point order: the same on every machine (no locale). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Made on first use: building an Intl formatter loads ICU data, ~7 ms of every cold start of the
// functions that bundle this module but never format a count.
let countFormat: Intl.NumberFormat | undefined;

/** A count with thousands separators: 2,072. */
export const formatCount = (count: number) => {
  countFormat ??= new Intl.NumberFormat('en-US');
  return countFormat.format(count);
};
