import type { PredictiveModel } from '#shared/analytics/train.ts';
import type { Band, ClientConfig, EngagementRule, ModelConfig } from '#shared/config/schema.ts';
import { compileConditions, type Predicate } from './conditions.ts';

export const DAY_MS = 86_400_000;

export interface CompiledFitRule {
  readonly id: string;
  readonly points: number;
  readonly matches: Predicate;
}

export interface CompiledEngagementRule {
  readonly id: string;
  readonly event: string;
  readonly points: number;
  readonly category: string | undefined;
  readonly repeat: EngagementRule['repeat'];
  readonly capPoints: number;
  readonly capWindowMs: number;
  /** Key of the rule's own cap window in `LeadState.windows`. */
  readonly windowKey: string;
  /** The rule's place in `CompiledModel.ruleIds` (its tally's slot in a working lead). */
  readonly slot: number;
  /** The place of `windowKey` in `CompiledModel.windowKeys`, or -1 without a cap of its own. */
  readonly windowSlot: number;
  /** The cap of the rule's category, if it has one. */
  readonly categoryCap: CompiledCategoryCap | undefined;
  /** True when a cap (the rule's or its category's) can cut this rule's awards. */
  readonly capped: boolean;
  /** The rule awards at most once within this window (0: no such limit). */
  readonly resubmitWindowMs: number;
  /** Fast track: the threshold the rule qualifies a lead for, and for which grades. */
  readonly qualifies: CompiledFastTrack | undefined;
  readonly matches: Predicate;
}

export interface CompiledFastTrack {
  readonly threshold: string;
  /** Grades that qualify; null for any grade. */
  readonly grades: ReadonlySet<string> | null;
  readonly holdMs: number;
}

/** Default resubmission window of form_submit rules (PRODUCT §3.7). */
export const FORM_RESUBMIT_WINDOW_DAYS = 30;

function compileFastTrack(qualifies: EngagementRule['qualifies']): CompiledFastTrack | undefined {
  if (qualifies === undefined) return undefined;
  if (typeof qualifies === 'string') return { threshold: qualifies, grades: null, holdMs: 30 * DAY_MS };
  return {
    threshold: qualifies.threshold,
    grades: qualifies.grades ? new Set(qualifies.grades) : null,
    holdMs: qualifies.holdDays * DAY_MS,
  };
}

export interface CompiledCategoryCap {
  readonly points: number;
  readonly windowMs: number;
  /** Key of the category's cap window in `LeadState.windows`. */
  readonly key: string;
  /** The place of `key` in `CompiledModel.windowKeys`. */
  readonly slot: number;
}

export interface CompiledSourceRule {
  readonly id: string;
  readonly points: number;
  readonly multiplier: number;
  readonly matches: Predicate;
}

export interface CompiledDisqualificationRule {
  readonly id: string;
  readonly reason: string;
  readonly matches: Predicate;
}

export interface CompiledThreshold {
  readonly name: string;
  readonly score: number;
  readonly rearmBelow: number;
  readonly lifecycle: 'mql' | 'sql' | undefined;
}

export interface InactivityStep {
  readonly afterMs: number;
  readonly subtract: number | undefined;
  readonly multiply: number | undefined;
}

/** A scoring model ready for the hot path: rules indexed by event type, predicates compiled. */
export interface CompiledModel {
  readonly version: string;
  readonly fitRules: readonly CompiledFitRule[];
  readonly sourceRules: readonly CompiledSourceRule[];
  readonly disqualifyRules: readonly CompiledDisqualificationRule[];
  /** Engagement rules by event type: applying an event costs O(rules for its type). */
  readonly rulesByEvent: ReadonlyMap<string, readonly CompiledEngagementRule[]>;
  readonly rulesById: ReadonlyMap<string, CompiledEngagementRule>;
  readonly categoryCaps: ReadonlyMap<string, CompiledCategoryCap>;
  /**
   * Every engagement rule id (and cap window key) with no value, in model order: records copied
   * from these templates share one object shape, which keeps the per-event copy cheap. Keys
   * whose value is undefined vanish when a state is stored as JSON.
   */
  readonly talliesTemplate: Readonly<Record<string, undefined>>;
  readonly windowsTemplate: Readonly<Record<string, undefined>>;
  /**
   * The templates' keys as arrays: a working lead (see working-lead.ts) keeps tallies and cap
   * windows in arrays indexed by these slots, so the hot path does no keyed lookups.
   */
  readonly ruleIds: readonly string[];
  readonly windowKeys: readonly string[];
  readonly halfLifeMs: number | null;
  /** Inactivity steps sorted by afterMs. */
  readonly inactivity: readonly InactivityStep[];
  readonly thresholds: readonly CompiledThreshold[];
  readonly segments: readonly Band[];
  readonly grades: ModelConfig['grades'];
  readonly account: ModelConfig['account'];
  /** The opt-in predictive blend (PRODUCT §6.4), or null. */
  readonly predictive: { readonly weight: number; readonly model: PredictiveModel } | null;
}

const cache = new WeakMap<object, CompiledModel>();

/** Compiles (and memoises per config object) the scoring model of a client configuration. */
export function compileModel(config: Pick<ClientConfig, 'model' | 'lists'>): CompiledModel {
  const cached = cache.get(config);
  if (cached) return cached;
  const { model, lists } = config;
  const categories = model.engagement.categories;
  // Slots first (ids are unique: the schema checks), so every compiled rule knows its own.
  const ruleIds = model.engagement.rules.map((rule) => rule.id);
  const windowKeys = [
    ...model.engagement.rules.filter((rule) => rule.cap !== undefined).map((rule) => `r:${rule.id}`),
    ...Object.keys(categories).map((name) => `c:${name}`),
  ];
  const categoryCaps = new Map<string, CompiledCategoryCap>(
    Object.entries(categories).map(([name, c]) => [
      name,
      {
        points: c.cap.points,
        windowMs: c.cap.windowDays * DAY_MS,
        key: `c:${name}`,
        slot: windowKeys.indexOf(`c:${name}`),
      },
    ]),
  );
  const rulesByEvent = new Map<string, CompiledEngagementRule[]>();
  const rulesById = new Map<string, CompiledEngagementRule>();
  for (const rule of model.engagement.rules) {
    const categoryCap = rule.category === undefined ? undefined : categoryCaps.get(rule.category);
    const compiled: CompiledEngagementRule = {
      id: rule.id,
      event: rule.event,
      points: rule.points,
      category: rule.category,
      repeat: rule.repeat,
      capPoints: rule.cap?.points ?? Number.POSITIVE_INFINITY,
      capWindowMs: (rule.cap?.windowDays ?? 0) * DAY_MS,
      windowKey: `r:${rule.id}`,
      slot: ruleIds.indexOf(rule.id),
      windowSlot: rule.cap === undefined ? -1 : windowKeys.indexOf(`r:${rule.id}`),
      categoryCap,
      capped: rule.cap !== undefined || categoryCap !== undefined,
      resubmitWindowMs:
        (rule.resubmitWindowDays ?? (rule.event === 'form_submit' ? FORM_RESUBMIT_WINDOW_DAYS : 0)) * DAY_MS,
      qualifies: compileFastTrack(rule.qualifies),
      matches: compileConditions(rule.when, lists),
    };
    rulesById.set(rule.id, compiled);
    const forType = rulesByEvent.get(rule.event) ?? [];
    forType.push(compiled);
    rulesByEvent.set(rule.event, forType);
  }
  const talliesTemplate: Record<string, undefined> = {};
  const windowsTemplate: Record<string, undefined> = {};
  for (const id of ruleIds) talliesTemplate[id] = undefined;
  for (const key of windowKeys) windowsTemplate[key] = undefined;
  const compiled: CompiledModel = {
    version: model.version,
    fitRules: model.fit.rules.map((r) => ({
      id: r.id,
      points: r.points,
      matches: compileConditions(r.when, lists),
    })),
    sourceRules: model.source.map((r) => ({
      id: r.id,
      points: r.points,
      multiplier: r.multiplier,
      matches: compileConditions(r.when, lists),
    })),
    disqualifyRules: model.disqualify.map((r) => ({
      id: r.id,
      reason: r.reason,
      matches: compileConditions(r.when, lists),
    })),
    rulesByEvent,
    rulesById,
    categoryCaps,
    talliesTemplate,
    windowsTemplate,
    ruleIds,
    windowKeys,
    halfLifeMs: model.decay.halfLifeDays === null ? null : model.decay.halfLifeDays * DAY_MS,
    inactivity: [...model.decay.inactivity]
      .map((s) => ({ afterMs: s.afterDays * DAY_MS, subtract: s.subtract, multiply: s.multiply }))
      .sort((a, b) => a.afterMs - b.afterMs),
    thresholds: model.thresholds.map((t) => ({
      name: t.name,
      score: t.score,
      rearmBelow: t.rearmBelow ?? t.score - 10,
      lifecycle: t.lifecycle,
    })),
    segments: model.segments,
    grades: model.grades,
    account: model.account,
    predictive: model.predictive
      ? { weight: model.predictive.weight, model: model.predictive.model as PredictiveModel }
      : null,
  };
  cache.set(config, compiled);
  return compiled;
}

/** The band a score falls in (bands are listed from highest min to lowest; the last catches all). */
export function bandFor(bands: readonly Band[], score: number): string {
  for (const band of bands) {
    if (band.min === undefined || score >= band.min) return band.name;
  }
  return bands[bands.length - 1]!.name;
}

/** The grade for a fit score (A-D by default). */
export function gradeFor(grades: ModelConfig['grades'], fit: number): string {
  for (const g of grades) {
    if (g.minFit === undefined || fit >= g.minFit) return g.grade;
  }
  return grades[grades.length - 1]!.grade;
}
