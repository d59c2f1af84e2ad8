import { addToPool, EMPTY_POOL, poolValueAt } from './decay.ts';
import { bandFor, type CompiledEngagementRule, type CompiledModel, gradeFor } from './model.ts';
import type {
  HistoryEntry,
  LeadState,
  Lifecycle,
  Profile,
  RuleContribution,
  RuleTally,
  ScoreBreakdown,
  ScoreChanges,
  ScoringEvent,
  ThresholdCrossing,
} from './types.ts';

/** How many audit-trail entries a lead keeps inline; the full trail is its stored events. */
export const HISTORY_LIMIT = 20;

const EMPTY_TALLY: RuleTally = { count: 0, awarded: 0, bonus: 0, capped: 0 };

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

/** Profile fields derived from others, so rules can test them (the email's domain). */
export function withDerivedFields(profile: Profile): Profile {
  const email = profile.email;
  if (typeof email !== 'string') return profile;
  const at = email.lastIndexOf('@');
  return at < 0 ? profile : { ...profile, emailDomain: email.slice(at + 1).toLowerCase() };
}

/** Merges profile fields: a non-blank incoming value replaces the stored one. */
export function mergeProfile(current: Profile, incoming: Readonly<Profile>): Profile {
  const merged: Profile = { ...current };
  for (const [key, value] of Object.entries(incoming)) {
    if (typeof value === 'string' && value.trim() === '') continue;
    merged[key] = value;
  }
  return withDerivedFields(merged);
}

function profileComponents(profile: Profile, model: CompiledModel, current: LeadState['disqualified']) {
  const fitRules: RuleContribution[] = [];
  let fit = 0;
  for (const rule of model.fitRules) {
    if (rule.matches(profile)) {
      fitRules.push({ ruleId: rule.id, points: rule.points });
      fit += rule.points;
    }
  }
  const sourceRules: RuleContribution[] = [];
  let sourcePoints = 0;
  let multiplier = 1;
  for (const rule of model.sourceRules) {
    if (rule.matches(profile)) {
      sourceRules.push({ ruleId: rule.id, points: rule.points });
      sourcePoints += rule.points;
      multiplier *= rule.multiplier;
    }
  }
  // Disqualification is sticky: a later clean form does not lift a competitor or spam verdict.
  let disqualified = current;
  if (disqualified === null) {
    const rule = model.disqualifyRules.find((r) => r.matches(profile));
    if (rule) disqualified = { ruleId: rule.id, reason: rule.reason };
  }
  return {
    fit: { score: fit, rules: fitRules },
    source: { points: sourcePoints, multiplier, rules: sourceRules },
    disqualified,
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

function windowSum(
  entries: readonly (readonly [number, number])[] | undefined,
  from: number,
  to: number,
): number {
  if (!entries) return 0;
  let sum = 0;
  for (const [time, points] of entries) if (time > from && time <= to) sum += points;
  return sum;
}

function recordInWindow(
  windows: Record<string, readonly (readonly [number, number])[]>,
  key: string,
  windowMs: number,
  time: number,
  points: number,
): void {
  const kept = (windows[key] ?? []).filter(([t]) => t > time - windowMs || t > time);
  kept.push([time, points]);
  windows[key] = kept;
}

interface Award {
  readonly rule: CompiledEngagementRule;
  readonly raw: number;
  readonly bonus: number;
  readonly awarded: number;
}

/** Points one rule gives for one event: repeat bonus, then the rule's and its category's caps. */
function awardFor(
  rule: CompiledEngagementRule,
  state: LeadState,
  model: CompiledModel,
  windows: LeadState['windows'],
  t: number,
): Award {
  const tally = state.tallies[rule.id] ?? EMPTY_TALLY;
  const bonus =
    rule.repeat && tally.count >= 1 && tally.count <= rule.repeat.maxRepeats ? rule.repeat.bonus : 0;
  const raw = rule.points + bonus;
  if (raw <= 0) return { rule, raw, bonus, awarded: raw };
  let room = raw;
  if (Number.isFinite(rule.capPoints)) {
    room = Math.min(room, rule.capPoints - windowSum(windows[`r:${rule.id}`], t - rule.capWindowMs, t));
  }
  const categoryCap = rule.category === undefined ? undefined : model.categoryCaps.get(rule.category);
  if (categoryCap) {
    room = Math.min(
      room,
      categoryCap.points - windowSum(windows[`c:${rule.category}`], t - categoryCap.windowMs, t),
    );
  }
  return { rule, raw, bonus, awarded: Math.max(0, room) };
}

/**
 * Applies one event (and the profile fields it brings) to a lead: O(rules for the event's type)
 * plus O(fit rules) when the profile changes; never O(history). Returns the new state and what
 * changed (threshold crossings, segment, grade, disqualification) for the caller to publish.
 */
export function applyEvent(
  state: LeadState,
  event: ScoringEvent,
  model: CompiledModel,
): { state: LeadState; awarded: readonly RuleContribution[]; changes: ScoreChanges } {
  const t = event.occurredAt;
  let next: LeadState = state;
  if (event.profile && Object.keys(event.profile).length > 0) {
    const profile = mergeProfile(state.profile, event.profile);
    next = { ...next, profile, ...profileComponents(profile, model, state.disqualified) };
  }
  const rules = model.rulesByEvent.get(event.type);
  const awarded: RuleContribution[] = [];
  if (rules) {
    const tallies: Record<string, RuleTally> = { ...next.tallies };
    const windows: Record<string, readonly (readonly [number, number])[]> = { ...next.windows };
    let pool = next.pool;
    for (const rule of rules) {
      if (!rule.matches(event.attributes)) continue;
      const award = awardFor(rule, next, model, windows, t);
      const tally = tallies[rule.id] ?? EMPTY_TALLY;
      tallies[rule.id] = {
        count: tally.count + 1,
        awarded: tally.awarded + award.awarded,
        bonus: tally.bonus + award.bonus,
        capped: tally.capped + (award.raw - award.awarded),
      };
      if (award.awarded > 0) {
        if (Number.isFinite(rule.capPoints))
          recordInWindow(windows, `r:${rule.id}`, rule.capWindowMs, t, award.awarded);
        const categoryCap = rule.category === undefined ? undefined : model.categoryCaps.get(rule.category);
        if (categoryCap)
          recordInWindow(windows, `c:${rule.category}`, categoryCap.windowMs, t, award.awarded);
      }
      pool = addToPool(pool, model, award.awarded, t, award.raw > 0);
      awarded.push({ ruleId: rule.id, points: award.awarded });
    }
    next = { ...next, tallies, windows, pool };
  }
  next = { ...next, eventCount: next.eventCount + 1 };
  const now = Math.max(t, state.updatedAt);
  return { ...evaluate(next, model, now, { cause: event.type, eventId: event.id, rules: awarded }), awarded };
}

/** Updates the profile alone (no engagement event), e.g. an enrichment or CRM sync. */
export function applyProfile(
  state: LeadState,
  profile: Readonly<Profile>,
  model: CompiledModel,
  now: number,
) {
  const merged = mergeProfile(state.profile, profile);
  const next = { ...state, profile: merged, ...profileComponents(merged, model, state.disqualified) };
  return evaluate(next, model, now, { cause: 'profile', rules: [] });
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
  return evaluate(state, model, now, { cause: 'decay', rules: [] });
}

function evaluate(
  state: LeadState,
  model: CompiledModel,
  now: number,
  cause: { cause: string; eventId?: string; rules: readonly RuleContribution[] },
): { state: LeadState; changes: ScoreChanges } {
  const { total, fit } = scoreAt(state, model, now);
  const disqualified = state.disqualified;
  const segment = disqualified ? 'disqualified' : bandFor(model.segments, total);
  const grade = gradeFor(model.grades, fit);
  const crossings: ThresholdCrossing[] = [];
  const thresholds: Record<string, boolean> = { ...state.thresholds };
  let lifecycle: Lifecycle = state.lifecycle;
  for (const threshold of model.thresholds) {
    const above = thresholds[threshold.name] === true;
    if (!above && !disqualified && total >= threshold.score) {
      thresholds[threshold.name] = true;
      crossings.push({ name: threshold.name, direction: 'up', threshold: threshold.score });
      if (threshold.lifecycle === 'mql' && lifecycle === 'lead') lifecycle = 'mql';
      if (threshold.lifecycle === 'sql' && (lifecycle === 'lead' || lifecycle === 'mql')) lifecycle = 'sql';
    } else if (above && (total < threshold.rearmBelow || disqualified)) {
      thresholds[threshold.name] = false;
      crossings.push({ name: threshold.name, direction: 'down', threshold: threshold.rearmBelow });
    }
  }
  const changes: ScoreChanges = {
    scoreBefore: state.score,
    scoreAfter: total,
    segmentChange: segment !== state.segment ? { from: state.segment, to: segment } : null,
    gradeChange: grade !== state.grade ? { from: state.grade, to: grade } : null,
    thresholdCrossings: crossings,
    newlyDisqualified: disqualified && segment !== state.segment ? disqualified : null,
  };
  const moved = total !== state.score || changes.segmentChange !== null || crossings.length > 0;
  const history: readonly HistoryEntry[] = moved
    ? [
        ...state.history.slice(-(HISTORY_LIMIT - 1)),
        {
          at: now,
          cause: cause.cause,
          ...(cause.eventId === undefined ? {} : { eventId: cause.eventId }),
          rules: cause.rules,
          total,
        },
      ]
    : state.history;
  return {
    state: {
      ...state,
      modelVersion: model.version,
      thresholds,
      segment,
      grade,
      score: total,
      lifecycle,
      updatedAt: Math.max(state.updatedAt, now),
      history,
    },
    changes,
  };
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
