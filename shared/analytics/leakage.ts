/**
 * The leakage guard of predictive scoring (PRODUCT §6.4): names profile fields that tell the
 * outcome rather than predict it — fields sales fill in during or after the sale (call notes,
 * stage, quality ratings). A model trained with them looks excellent on past leads and is
 * useless on a new lead, where the field is still empty.
 *
 * A field is flagged when either
 * (a) it separates outcomes almost perfectly on its own: its out-of-fold single-field AUC is at
 *     least 0.95 (or at most 0.05). The field's levels (categoricals as the encoding pools them,
 *     numerics in 20 quantile bins, missing as a level) are scored by their conversion rate on
 *     the other folds of a stratified 5-fold split, so a field with many small levels cannot
 *     look perfect by memorising them; or
 * (b) one of its common values — held by at least 5% of the labelled leads and at least 20
 *     leads — almost always or almost never converts: at least max(95%, 1 − (1 − p)/8) or at
 *     most min(4%, p/8) converted, for a base rate p. Checked only while p itself is between 5%
 *     and 95% (when nearly every lead converts, or none does, every value looks extreme). The
 *     /8 terms keep the bar relative to the base rate: with p = 10%, a value converting at 3%
 *     is an honest weak segment, not a near-certain loss.
 *
 * Why these bars: honest strong predictors in CRM exports top out around 90–93% (a paid-ad lead
 * form, referrals, working professionals) and bottom out around 8–12% (chat-only contacts,
 * bounced emails) at a 30–40% base rate, while sales-filled values sit at 96–99% ("will revert
 * after reading the email", "closed") or at 0–3% ("ringing", "worst" quality, "already a
 * student"). A value must be common so that a rare perfect value (1.5% of leads at 98%: a small
 * referral site) counts as a strong predictor, not as leakage; and at least 20 leads so that a
 * small dataset cannot fill a "common" value by chance. The guard runs on all labelled leads
 * (the counts match what the user sees in the CRM); leaving a field out can only make the
 * holdout harder, never flatter it.
 */
import type { ModelRow } from './dataset.ts';
import {
  categoryOf,
  type FieldProfile,
  formatCount,
  MISSING,
  minLevelLeads,
  numberOf,
  OTHER,
  quantileOfSorted,
} from './features.ts';
import { auc, type Label, mulberry32 } from './metrics.ts';

export type LabelledLead = Pick<ModelRow, 'profile'> & { readonly label: Label };

/** Single-field out-of-fold AUC at or above which (or at or below 1 − it) a field is leaking. */
export const LEAKAGE_AUC = 0.95;
/** A common value is held by at least this share of the labelled leads ... */
export const COMMON_VALUE_SHARE = 0.05;
/** ... and at least this many. */
export const COMMON_VALUE_MIN_LEADS = 20;
/** A common value converting at least this often (or more, at a high base rate) is leaking. */
export const ALWAYS_RATE = 0.95;
/** A common value converting at most this often (or less, at a low base rate) is leaking. */
export const NEVER_RATE = 0.04;
/** The rate bars are at least 1/8 of the way from the base rate to 0% or 100%. */
const BASE_RATE_FRACTION = 8;
/** Common values are judged only while the base rate is within [this, 1 − this]. */
export const MIN_BASE_RATE = 0.05;
export const LEAKAGE_FOLDS = 5;
const NUMERIC_BINS = 20;
/** Pseudo-leads at the base rate added to each level's out-of-fold rate. */
const SMOOTHING = 1;
/** Common values named in a warning, at most. */
const VALUES_NAMED = 3;

export interface ValueFinding {
  /** The value as text; `<missing>` for leads without one. */
  readonly value: string;
  readonly leads: number;
  readonly share: number;
  readonly rate: number;
}

export interface LeakageFinding {
  readonly field: string;
  /** The field's out-of-fold single-field AUC. */
  readonly auc: number;
  /** Common values that almost always or almost never convert, most common first. */
  readonly values: readonly ValueFinding[];
  /** What gives the field away, in words, e.g. `"Tags" = "Ringing": 1,203 leads (13%), 2.9% converted`. */
  readonly detail: string;
}

export interface LeakageOptions {
  /** Seed of the fold split (default 1). */
  readonly seed?: number;
  readonly folds?: number;
}

/**
 * The labelled leads' row indices by class, each in a seeded random order: negatives, then
 * positives. Taking the first share of each list gives a stratified sample; dealing each list
 * round-robin gives stratified folds.
 */
export function shuffledByClass(labels: readonly Label[], seed: number): [number[], number[]] {
  const random = mulberry32(seed);
  const classes: [number[], number[]] = [[], []];
  labels.forEach((label, index) => {
    classes[label].push(index);
  });
  for (const members of classes) {
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
  }
  return classes;
}

/** The fold (0 … folds − 1) of each row, stratified by label. */
export function stratifiedFolds(labels: readonly Label[], folds: number, seed: number): Int32Array {
  const fold = new Int32Array(labels.length);
  for (const members of shuffledByClass(labels, seed)) {
    members.forEach((row, position) => {
      fold[row] = position % folds;
    });
  }
  return fold;
}

/** The leaking fields among `fields` (identifier-like ones are not judged), by field name. */
export function findLeakage(
  rows: readonly LabelledLead[],
  fields: readonly FieldProfile[],
  options: LeakageOptions = {},
): LeakageFinding[] {
  const labels = rows.map((row) => row.label);
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  if (positives === 0 || positives === rows.length) return [];
  const baseRate = positives / rows.length;
  const fold = stratifiedFolds(labels, options.folds ?? LEAKAGE_FOLDS, options.seed ?? 1);
  const findings: LeakageFinding[] = [];
  for (const profile of fields) {
    if (profile.kind === 'identifier') continue;
    const separation = outOfFoldAuc(levelKeys(rows, profile), labels, fold, options.folds ?? LEAKAGE_FOLDS);
    const values = extremeCommonValues(rows, profile, baseRate);
    const separates = separation >= LEAKAGE_AUC || separation <= 1 - LEAKAGE_AUC;
    if (!separates && values.length === 0) continue;
    const parts = [
      ...(separates
        ? [`"${profile.field}" alone separates outcomes (out-of-fold AUC ${separation.toFixed(3)})`]
        : []),
      ...values.slice(0, VALUES_NAMED).map((value) => describeValue(profile.field, value)),
    ];
    findings.push({
      field: profile.field,
      auc: separation,
      values,
      detail: `${parts.join('; ')}; overall ${formatPercent(baseRate, 1)} converted.`,
    });
  }
  return findings;
}

/** Each lead's level of the field, as the single-field score groups them. */
function levelKeys(rows: readonly LabelledLead[], profile: FieldProfile): string[] {
  const { field } = profile;
  if (profile.kind === 'numeric') {
    const numbers = rows.flatMap((row) => {
      const value = numberOf(row.profile[field]);
      return value === undefined ? [] : [value];
    });
    const sorted = Float64Array.from(numbers).sort();
    const cuts = [
      ...new Set(
        Array.from({ length: NUMERIC_BINS - 1 }, (_, k) => quantileOfSorted(sorted, (k + 1) / NUMERIC_BINS)),
      ),
    ];
    return rows.map((row) => {
      const value = numberOf(row.profile[field]);
      return value === undefined ? MISSING : `#${cuts.filter((cut) => value > cut).length}`;
    });
  }
  const values = rows.map((row) => categoryOf(row.profile[field]));
  const counts = countBy(values.map((value) => value ?? MISSING));
  const minLeads = minLevelLeads(rows.length);
  return values.map((value) =>
    value === undefined ? MISSING : counts.get(value)! >= minLeads ? value : OTHER,
  );
}

/**
 * The AUC of scoring each lead by its level's conversion rate on the other folds (smoothed
 * towards their base rate; a level not met there scores the base rate).
 */
function outOfFoldAuc(
  keys: readonly string[],
  labels: readonly Label[],
  fold: Int32Array,
  folds: number,
): number {
  const totals = new Map<string, { leads: number[]; positives: number[] }>();
  const foldLeads = new Array<number>(folds).fill(0);
  const foldPositives = new Array<number>(folds).fill(0);
  keys.forEach((key, row) => {
    let total = totals.get(key);
    if (!total) {
      total = { leads: new Array<number>(folds).fill(0), positives: new Array<number>(folds).fill(0) };
      totals.set(key, total);
    }
    const f = fold[row]!;
    total.leads[f]!++;
    total.positives[f]! += labels[row]!;
    foldLeads[f]!++;
    foldPositives[f]! += labels[row]!;
  });
  const allLeads = sum(foldLeads);
  const allPositives = sum(foldPositives);
  const scores = keys.map((key, row) => {
    const f = fold[row]!;
    const total = totals.get(key)!;
    const prior = (allPositives - foldPositives[f]!) / (allLeads - foldLeads[f]!);
    const leads = sum(total.leads) - total.leads[f]!;
    const positives = sum(total.positives) - total.positives[f]!;
    return (positives + SMOOTHING * prior) / (leads + SMOOTHING);
  });
  return auc(scores, labels) ?? 0.5;
}

/** The field's common values (missing included) that almost always or almost never convert. */
function extremeCommonValues(
  rows: readonly LabelledLead[],
  profile: FieldProfile,
  baseRate: number,
): ValueFinding[] {
  if (baseRate < MIN_BASE_RATE || baseRate > 1 - MIN_BASE_RATE) return [];
  const always = Math.max(ALWAYS_RATE, 1 - (1 - baseRate) / BASE_RATE_FRACTION);
  const never = Math.min(NEVER_RATE, baseRate / BASE_RATE_FRACTION);
  const minLeads = Math.max(COMMON_VALUE_MIN_LEADS, COMMON_VALUE_SHARE * rows.length);
  const groups =
    profile.kind === 'numeric'
      ? commonNumbers(rows, profile.field, minLeads)
      : commonCategories(rows, profile.field, minLeads);
  return groups
    .map((group) => ({
      value: group.value,
      leads: group.leads,
      share: group.leads / rows.length,
      rate: group.positives / group.leads,
    }))
    .filter((value) => value.rate >= always || value.rate <= never)
    .sort((a, b) => b.leads - a.leads || (a.value < b.value ? -1 : 1));
}

interface ValueGroup {
  readonly value: string;
  leads: number;
  positives: number;
}

/** Leads and converters of each category held by at least `minLeads` leads (missing included). */
function commonCategories(rows: readonly LabelledLead[], field: string, minLeads: number): ValueGroup[] {
  const groups = new Map<string, ValueGroup>();
  for (const row of rows) {
    const value = categoryOf(row.profile[field]) ?? MISSING;
    let group = groups.get(value);
    if (!group) {
      group = { value, leads: 0, positives: 0 };
      groups.set(value, group);
    }
    group.leads++;
    group.positives += row.label;
  }
  return [...groups.values()].filter((group) => group.leads >= minLeads);
}

/**
 * The same for a numeric field's exact values: found on the sorted values first, since a
 * measured field has thousands of distinct values and only a few (0, say) can be common.
 */
function commonNumbers(rows: readonly LabelledLead[], field: string, minLeads: number): ValueGroup[] {
  const values = rows.map((row) => numberOf(row.profile[field]));
  const sorted = Float64Array.from(values.filter((value) => value !== undefined)).sort();
  const common: number[] = [];
  for (let start = 0, end = 0; start < sorted.length; start = end) {
    while (end < sorted.length && sorted[end] === sorted[start]) end++;
    if (end - start >= minLeads) common.push(sorted[start]!);
  }
  const groups: ValueGroup[] = common.map((value) => ({ value: String(value), leads: 0, positives: 0 }));
  const missing: ValueGroup = { value: MISSING, leads: 0, positives: 0 };
  values.forEach((value, i) => {
    const group = value === undefined ? missing : groups[common.indexOf(value)];
    if (!group) return;
    group.leads++;
    group.positives += rows[i]!.label;
  });
  return [...groups, missing].filter((group) => group.leads >= minLeads);
}

function describeValue(field: string, value: ValueFinding): string {
  const which = value.value === MISSING ? `"${field}" missing` : `"${field}" = "${value.value}"`;
  return (
    `${which}: ${formatCount(value.leads)} leads (${formatPercent(value.share, value.share < 0.1 ? 1 : 0)}), ` +
    `${formatPercent(value.rate, 1)} converted`
  );
}

const formatPercent = (share: number, digits: number) => `${(share * 100).toFixed(digits)}%`;

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
