import { capRoom, recordAward, type WindowEntries } from './caps.ts';
import { addToPool, EMPTY_POOL, type EngagementPool, poolValueAt } from './decay.ts';
import { type Cause, evaluate, HISTORY_LIMIT, type ScoredParts } from './evaluate.ts';
import type { CompiledEngagementRule, CompiledModel } from './model.ts';
import { hasFields, mergeProfile, profileComponents, withDerivedFields } from './profile.ts';
import type {
  LeadState,
  Profile,
  RuleContribution,
  RuleTally,
  ScoreBreakdown,
  ScoreChanges,
  ScoringEvent,
} from './types.ts';

export { HISTORY_LIMIT, mergeProfile, withDerivedFields };

const EMPTY_TALLY: RuleTally = { count: 0, awarded: 0, bonus: 0, capped: 0 };
const NO_CONTRIBUTIONS: readonly RuleContribution[] = Object.freeze([]);
const NO_RULES: readonly CompiledEngagementRule[] = Object.freeze([]);

/** A new lead with no profile and no events. */
export function newLeadState(leadId: string, model: CompiledModel): LeadState {
  return {
    leadId,
    modelVersion: model.version,
    profile: {},
    fit: { score: 0, rules: [] },
    source: { points: 0, multiplier: 1, rules: [] },
    pool: EMPTY_POOL,
    tallies: {},
    windows: {},
    thresholds: {},
    segment: null,
    grade: null,
    score: 0,
    disqualified: null,
    lifecycle: 'lead',
    eventCount: 0,
    updatedAt: 0,
    history: [],
  };
}

/** The lead's score at `now`: fit and source never decay; engagement does, floored at zero. */
export function scoreAt(state: LeadState, model: CompiledModel, now: number): ScoreBreakdown {
  const pool = poolValueAt(state.pool, model, now);
  const engagement = Math.max(0, pool) * state.source.multiplier;
  const fit = state.fit.score;
  const source = state.source.points;
  return { fit, source, engagement, total: fit + source + engagement };
}

/**
 * A private copy of a record, laid out in the model's key order: cloning a fixed template is one
 * fast copy whatever the source's shape (a stored state's records come back from JSON sparse).
 */
function copyRecord<T>(template: Readonly<Record<string, undefined>>, source: Readonly<Record<string, T>>) {
  const copy = { ...template } as Record<string, T>;
  for (const key in source) copy[key] = source[key]!;
  return copy;
}

/**
 * The points a rule gives after its own cap and its category's, recorded in the windows they
 * count against (`windows` is the caller's private copy).
 */
function capAward(
  rule: CompiledEngagementRule,
  model: CompiledModel,
  windows: Record<string, WindowEntries>,
  raw: number,
  t: number,
): number {
  const categoryCap = rule.category === undefined ? undefined : model.categoryCaps.get(rule.category);
  const ownCap = rule.capPoints !== Number.POSITIVE_INFINITY;
  let points = raw;
  if (ownCap)
    points = Math.min(points, capRoom(windows[rule.windowKey], rule.capPoints, rule.capWindowMs, t));
  if (categoryCap !== undefined) {
    points = Math.min(points, capRoom(windows[categoryCap.key], categoryCap.points, categoryCap.windowMs, t));
  }
  if (points <= 0) return 0;
  if (ownCap) windows[rule.windowKey] = recordAward(windows[rule.windowKey], rule.capWindowMs, t, points);
  if (categoryCap !== undefined) {
    windows[categoryCap.key] = recordAward(windows[categoryCap.key], categoryCap.windowMs, t, points);
  }
  return points;
}

interface Engagement {
  readonly tallies: LeadState['tallies'];
  readonly windows: LeadState['windows'];
  readonly pool: EngagementPool;
  readonly awarded: readonly RuleContribution[];
}

/**
 * What the engagement rules of the event's type give: repeat bonus for repeats 1..maxRepeats,
 * then the caps; every award joins the pool at the event's time. Records that change are
 * copied once; the input state is never modified.
 */
function scoreEngagement(state: LeadState, event: ScoringEvent, model: CompiledModel): Engagement {
  const rules = model.rulesByEvent.get(event.type);
  let tallies: Record<string, RuleTally> | undefined;
  let windows: Record<string, WindowEntries> | undefined;
  let awarded: RuleContribution[] | undefined;
  let pool = state.pool;
  const t = event.occurredAt;
  for (const rule of rules ?? NO_RULES) {
    if (!rule.matches(event.attributes)) continue;
    tallies ??= copyRecord(model.talliesTemplate, state.tallies);
    const tally = tallies[rule.id] ?? EMPTY_TALLY;
    const repeat = rule.repeat;
    const bonus = repeat && tally.count >= 1 && tally.count <= repeat.maxRepeats ? repeat.bonus : 0;
    const raw = rule.points + bonus;
    let points = raw;
    if (raw > 0 && rule.capped) {
      windows ??= copyRecord(model.windowsTemplate, state.windows);
      points = capAward(rule, model, windows, raw, t);
    }
    tallies[rule.id] = {
      count: tally.count + 1,
      awarded: tally.awarded + points,
      bonus: tally.bonus + bonus,
      capped: tally.capped + (raw - points),
    };
    pool = addToPool(pool, model, points, t, raw > 0);
    const contribution = { ruleId: rule.id, points };
    if (awarded === undefined) awarded = [contribution];
    else awarded.push(contribution);
  }
  return {
    tallies: tallies ?? state.tallies,
    windows: windows ?? state.windows,
    pool,
    awarded: awarded ?? NO_CONTRIBUTIONS,
  };
}

/**
 * Applies one event (and the profile fields it brings) to a lead: O(rules for the event's type)
 * plus O(fit rules) when the profile changes; never O(history). Returns the new state and what
 * changed (threshold crossings, segment, grade, disqualification) for the caller to publish.
 * The input state is never modified. A late event (before the lead's last update) is added at
 * its own time and the lead is evaluated at its last update.
 */
export function applyEvent(
  state: LeadState,
  event: ScoringEvent,
  model: CompiledModel,
): { state: LeadState; awarded: readonly RuleContribution[]; changes: ScoreChanges } {
  let profile = state.profile;
  let components: Pick<LeadState, 'fit' | 'source' | 'disqualified'> = state;
  if (hasFields(event.profile)) {
    profile = mergeProfile(state.profile, event.profile);
    components = profileComponents(profile, model, state.disqualified);
  }
  const engagement = scoreEngagement(state, event, model);
  const parts: ScoredParts = {
    profile,
    fit: components.fit,
    source: components.source,
    pool: engagement.pool,
    tallies: engagement.tallies,
    windows: engagement.windows,
    disqualified: components.disqualified,
    eventCount: state.eventCount + 1,
  };
  const now = Math.max(event.occurredAt, state.updatedAt);
  const cause: Cause = { cause: event.type, eventId: event.id, rules: engagement.awarded };
  const result = evaluate(state, parts, model, now, cause);
  return { state: result.state, awarded: engagement.awarded, changes: result.changes };
}

/** Updates the profile alone (no engagement event), e.g. an enrichment or CRM sync. */
export function applyProfile(
  state: LeadState,
  profile: Readonly<Profile>,
  model: CompiledModel,
  now: number,
): { state: LeadState; changes: ScoreChanges } {
  const merged = mergeProfile(state.profile, profile);
  const parts: ScoredParts = {
    ...state,
    profile: merged,
    ...profileComponents(merged, model, state.disqualified),
  };
  return evaluate(state, parts, model, now, {
    cause: 'profile',
    eventId: undefined,
    rules: NO_CONTRIBUTIONS,
  });
}

/**
 * Re-evaluates a lead at `now` (the decay job's entry point): the decayed score, its segment,
 * grade and threshold states, with the changes since they were last reported.
 */
export function observe(
  state: LeadState,
  model: CompiledModel,
  now: number,
): { state: LeadState; changes: ScoreChanges } {
  return evaluate(state, state, model, now, { cause: 'decay', eventId: undefined, rules: NO_CONTRIBUTIONS });
}

/** True when the changes are worth an event on the bus (anything but a no-op). */
export function hasChanges(changes: ScoreChanges): boolean {
  return (
    changes.scoreAfter !== changes.scoreBefore ||
    changes.segmentChange !== null ||
    changes.gradeChange !== null ||
    changes.thresholdCrossings.length > 0 ||
    changes.newlyDisqualified !== null
  );
}
