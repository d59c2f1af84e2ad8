import { capRoom, recordAward, type WindowEntries } from './caps.ts';
import { addToPool, EMPTY_POOL, type EngagementPool, needsRenormalising, poolAt } from './decay.ts';
import {
  appendHistory,
  breakdownAt,
  changesSince,
  classify,
  HISTORY_LIMIT,
  lifecycleAfter,
  reportOf,
  thresholdsAt,
} from './evaluate.ts';
import { type CompiledEngagementRule, type CompiledModel, gradeFor } from './model.ts';
import { foldOutcome, outcomeKindOf, reachedAfter } from './outcomes.ts';
import { predictivePoints } from './predictive.ts';
import { hasFields, mergeProfile, profileComponents } from './profile.ts';
import type {
  EventKey,
  LeadState,
  RuleContribution,
  RuleTally,
  ScoreBreakdown,
  ScoreChanges,
  ScoringEvent,
} from './types.ts';

export { classify, HISTORY_LIMIT };

const EMPTY_TALLY: RuleTally = { count: 0, awarded: 0, bonus: 0, capped: 0, pos: 0, neg: 0 };
const NO_CONTRIBUTIONS: readonly RuleContribution[] = Object.freeze([]);
const NO_RULES: readonly CompiledEngagementRule[] = Object.freeze([]);

/** An event folded out of order: the caller must replay the lead's events (see `withEvent`). */
export class LateEventError extends Error {
  override name = 'LateEventError';
}

/** A new lead with no profile and no events. */
export function newLeadState(leadId: string, model: CompiledModel): LeadState {
  return {
    leadId,
    modelVersion: model.version,
    profile: {},
    trustedFields: [],
    fit: { score: 0, rules: [] },
    source: { points: 0, multiplier: 1, rules: [] },
    pool: EMPTY_POOL,
    tallies: {},
    windows: {},
    thresholds: {},
    disqualified: null,
    lifecycle: 'lead',
    eventCount: 0,
    last: null,
    history: [],
    reported: { at: 0, score: 0, segment: null, grade: null, disqualified: false, thresholds: {} },
  };
}

/** The order of a lead's history: event time, ties broken by event id (PRODUCT §2.12). */
export function compareEvents(a: EventKey, b: EventKey): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const keyOf = (event: ScoringEvent): EventKey => ({ at: event.occurredAt, id: event.id });

/** True when the event belongs before (or at) the newest event already folded into the lead. */
export function isLate(state: LeadState, event: ScoringEvent): boolean {
  return state.last !== null && compareEvents(keyOf(event), state.last) <= 0;
}

/** The lead's score at `t` (not before its last event). */
export function scoreAt(state: LeadState, model: CompiledModel, t: number): ScoreBreakdown {
  return breakdownAt(state, model, Math.max(t, state.last?.at ?? t));
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

/** Every rule's share brought to its live value and the scales reset to 1 (rare: see MIN_SCALE). */
function renormalise(pool: EngagementPool, tallies: Record<string, RuleTally>): EngagementPool {
  const { posScale, negScale } = pool;
  for (const id in tallies) {
    const tally = tallies[id];
    if (tally) tallies[id] = { ...tally, pos: tally.pos * posScale, neg: tally.neg * negScale };
  }
  return { ...pool, posScale: 1, negScale: 1 };
}

interface Engagement {
  readonly tallies: LeadState['tallies'];
  readonly windows: LeadState['windows'];
  readonly pool: LeadState['pool'];
  readonly awarded: readonly RuleContribution[];
  readonly fastTracks: readonly { threshold: string; ruleId: string; holdMs: number }[];
}

/**
 * What the engagement rules of the event's type give, folded in event-time order: repeat bonus
 * for repeats 1..maxRepeats, one award per resubmission window, then the caps; every award joins
 * the pool at the event's time. O(rules for the event's type); records that change are copied
 * once and the input state is never modified.
 */
function scoreEngagement(
  state: LeadState,
  event: ScoringEvent,
  model: CompiledModel,
  grade: string,
  disqualified: boolean,
): Engagement {
  const rules = model.rulesByEvent.get(event.type);
  let tallies: Record<string, RuleTally> | undefined;
  let windows: Record<string, WindowEntries> | undefined;
  let awarded: RuleContribution[] | undefined;
  let fastTracks: { threshold: string; ruleId: string; holdMs: number }[] | undefined;
  let pool = state.pool;
  const t = event.occurredAt;
  for (const rule of rules ?? NO_RULES) {
    if (!rule.matches(event.attributes)) continue;
    if (tallies === undefined) {
      tallies = copyRecord(model.talliesTemplate, state.tallies);
      pool = poolAt(pool, model, t);
      if (needsRenormalising(pool)) pool = renormalise(pool, tallies);
    }
    const tally = tallies[rule.id] ?? EMPTY_TALLY;
    const resubmitted =
      rule.resubmitWindowMs > 0 &&
      tally.lastAwardAt !== undefined &&
      t - tally.lastAwardAt < rule.resubmitWindowMs;
    const repeat = rule.repeat;
    const bonus =
      !resubmitted && repeat && tally.count >= 1 && tally.count <= repeat.maxRepeats ? repeat.bonus : 0;
    const raw = rule.points + bonus;
    let points = resubmitted ? 0 : raw;
    if (points > 0 && rule.capped) {
      windows ??= copyRecord(model.windowsTemplate, state.windows);
      points = capAward(rule, model, windows, raw, t);
    }
    const added = addToPool(pool, model, points, t, raw > 0 && !resubmitted);
    pool = added.pool;
    tallies[rule.id] = {
      count: tally.count + 1,
      awarded: tally.awarded + points,
      bonus: tally.bonus + bonus,
      capped: tally.capped + (raw - points),
      pos: points > 0 ? tally.pos + added.share : tally.pos,
      neg: points < 0 ? tally.neg + added.share : tally.neg,
      ...(raw > 0 && !resubmitted
        ? { lastAwardAt: t }
        : tally.lastAwardAt !== undefined
          ? { lastAwardAt: tally.lastAwardAt }
          : {}),
    };
    const contribution = { ruleId: rule.id, points };
    if (awarded === undefined) awarded = [contribution];
    else awarded.push(contribution);
    const track = rule.qualifies;
    if (track && !disqualified && !resubmitted && (track.grades === null || track.grades.has(grade))) {
      fastTracks ??= [];
      fastTracks.push({ threshold: track.threshold, ruleId: rule.id, holdMs: track.holdMs });
    }
  }
  return {
    tallies: tallies ?? state.tallies,
    windows: windows ?? state.windows,
    pool,
    awarded: awarded ?? NO_CONTRIBUTIONS,
    fastTracks: fastTracks ?? [],
  };
}

/**
 * Folds one event into a lead, in event-time order: the decay up to the event (which may arm a
 * threshold again), the profile fields it brings, its engagement awards, and the crossings it
 * makes. O(rules for the event's type), plus O(fit rules) when the profile changes. A spam
 * submission changes nothing. The event must come after every event folded so far (else
 * `LateEventError`: see `withEvent`). The input state is never modified; `reported` is kept.
 */
export function foldEvent(state: LeadState, event: ScoringEvent, model: CompiledModel): LeadState {
  if (event.spam) return state;
  if (isLate(state, event)) {
    throw new LateEventError(`event ${event.id} comes before the lead's newest event ${state.last?.id}`);
  }
  const outcome = outcomeKindOf(event.type);
  if (outcome !== null) return foldOutcome(state, outcome, event, model);
  const t = event.occurredAt;
  const before = breakdownAt(state, model, t).total;
  const armed = thresholdsAt(model, state.thresholds, t, before, state.disqualified !== null);

  let profile = state.profile;
  let trustedFields = state.trustedFields;
  let components: Pick<LeadState, 'fit' | 'source' | 'disqualified'> = state;
  let profileChanged = false;
  if (hasFields(event.profile)) {
    const merged = mergeProfile(state.profile, state.trustedFields, event.profile, event.trusted === true);
    trustedFields = merged.trustedFields;
    if (merged.changed) {
      profile = merged.profile;
      profileChanged = true;
      components = profileComponents(profile, model, state.disqualified);
    }
  }
  const disqualified = components.disqualified !== null;
  const grade = gradeFor(model.grades, components.fit.score);
  const engagement = scoreEngagement(state, event, model, grade, disqualified);
  // The blend's inputs change only with the profile or a rule firing: computed then (and once).
  const predictive =
    model.predictive === null
      ? undefined
      : profileChanged || engagement.tallies !== state.tallies || state.predictive === undefined
        ? predictivePoints(model, profile, components, engagement.tallies)
        : state.predictive;
  const parts = { fit: components.fit, source: components.source, pool: engagement.pool, predictive };
  const total = breakdownAt(parts, model, t).total;
  const thresholds = thresholdsAt(model, armed, t, total, disqualified, engagement.fastTracks);
  const moved = engagement.awarded.length > 0 || profileChanged || thresholds !== state.thresholds;
  const lifecycle = lifecycleAfter(model, state.lifecycle, state.thresholds, thresholds);
  return {
    leadId: state.leadId,
    modelVersion: model.version,
    profile,
    trustedFields,
    fit: components.fit,
    source: components.source,
    pool: engagement.pool,
    predictive,
    tallies: engagement.tallies,
    windows: engagement.windows,
    thresholds,
    disqualified: components.disqualified,
    lifecycle,
    reached: reachedAfter(state, lifecycle, t),
    outcomes: state.outcomes,
    eventCount: state.eventCount + 1,
    last: keyOf(event),
    history: moved
      ? appendHistory(state.history, {
          at: t,
          cause: event.type,
          eventId: event.id,
          rules: engagement.awarded,
          total,
        })
      : state.history,
    reported: state.reported,
  };
}

/** A lead's state from its events, folded in event-time order (order of arrival does not matter). */
export function foldEvents(leadId: string, events: readonly ScoringEvent[], model: CompiledModel): LeadState {
  const sorted = [...events].sort((a, b) => compareEvents(keyOf(a), keyOf(b)));
  let state = newLeadState(leadId, model);
  for (const event of sorted) {
    if (state.last !== null && compareEvents(keyOf(event), state.last) === 0) continue; // same event twice
    state = foldEvent(state, event, model);
  }
  return state;
}

/**
 * The lead with one more event. In order (the common case) it is one fold step; a late event
 * takes its place in history: the lead's other events (`history`, which the caller loads only
 * then) are replayed with it in time order, keeping what was reported. Either way the result is
 * the same function of the lead's set of events.
 */
export function withEvent(
  state: LeadState,
  event: ScoringEvent,
  model: CompiledModel,
  history?: readonly ScoringEvent[],
): LeadState {
  if (!isLate(state, event) || event.spam) return foldEvent(state, event, model);
  if (history === undefined) throw new LateEventError(`event ${event.id} is late: replay the lead's events`);
  return replay(state, [...history, event], model);
}

/** The lead refolded from all of its events in time order, keeping what was reported. */
export function replay(state: LeadState, events: readonly ScoringEvent[], model: CompiledModel): LeadState {
  return { ...foldEvents(state.leadId, events, model), reported: state.reported };
}

/**
 * Observes a lead at `now`: its classification then (decay applied), what changed since it was
 * last reported, and the state with that report recorded. The decay job's entry point, and the
 * last step of every write.
 */
export function observe(
  state: LeadState,
  model: CompiledModel,
  now: number,
): { state: LeadState; changes: ScoreChanges } {
  const classification = classify(state, model, now);
  const changes = changesSince(state.reported, classification, state, model);
  return { state: { ...state, reported: reportOf(classification) }, changes };
}

/**
 * Folds an in-order event and observes the lead at the event's time (or its last report, if
 * later): a convenience for replays that report as they go (examples, the simulator).
 */
export function applyEvent(
  state: LeadState,
  event: ScoringEvent,
  model: CompiledModel,
): { state: LeadState; awarded: readonly RuleContribution[]; changes: ScoreChanges } {
  const folded = foldEvent(state, event, model);
  const entry = folded.history[folded.history.length - 1];
  const awarded = folded !== state && entry?.eventId === event.id ? entry.rules : NO_CONTRIBUTIONS;
  return { ...observe(folded, model, Math.max(event.occurredAt, state.reported.at)), awarded };
}
