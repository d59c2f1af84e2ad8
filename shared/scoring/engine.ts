import { capRoom, recordAwardInPlace } from './caps.ts';
import { EMPTY_POOL, needsRenormalising } from './decay.ts';
import {
  breakdownAt,
  changesSince,
  classify,
  type FastTrack,
  fastTrackFor,
  HISTORY_LIMIT,
  lifecycleAfterCrossing,
  nextThresholdState,
  reportOf,
} from './evaluate.ts';
import { type CompiledEngagementRule, type CompiledModel, gradeFor } from './model.ts';
import { outcomeEffects, outcomeKindOf, reachedAfter } from './outcomes.ts';
import { predictivePoints } from './predictive.ts';
import { hasFields, mergeProfile, profileComponents } from './profile.ts';
import type {
  EventKey,
  LeadState,
  RuleContribution,
  ScoreBreakdown,
  ScoreChanges,
  ScoringEvent,
} from './types.ts';
import { WorkingLead } from './working-lead.ts';

export { classify, HISTORY_LIMIT };

const NO_CONTRIBUTIONS: readonly RuleContribution[] = Object.freeze([]);

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
 * The points a rule gives after its own cap and its category's, recorded in the windows they
 * count against.
 */
function capAward(rule: CompiledEngagementRule, lead: WorkingLead, raw: number, t: number): number {
  const categoryCap = rule.categoryCap;
  const ownCap = rule.windowSlot >= 0;
  let points = raw;
  if (ownCap)
    points = Math.min(points, capRoom(lead.windows[rule.windowSlot], rule.capPoints, rule.capWindowMs, t));
  if (categoryCap !== undefined) {
    points = Math.min(
      points,
      capRoom(lead.windows[categoryCap.slot], categoryCap.points, categoryCap.windowMs, t),
    );
  }
  if (points <= 0) return 0;
  if (ownCap) recordAwardInPlace(lead.windowFor(rule.windowSlot), rule.capWindowMs, t, points);
  if (categoryCap !== undefined) {
    recordAwardInPlace(lead.windowFor(categoryCap.slot), categoryCap.windowMs, t, points);
  }
  return points;
}

/**
 * What the engagement rules of the event's type give, folded in event-time order: repeat bonus
 * for repeats 1..maxRepeats, one award per resubmission window, then the caps; every award joins
 * the pool at the event's time. O(rules for the event's type), in place; the fast tracks the
 * awards earn are added to `fastTracks`.
 */
function scoreEngagement(
  lead: WorkingLead,
  event: ScoringEvent,
  model: CompiledModel,
  grade: string,
  disqualified: boolean,
  fastTracks: FastTrack[],
): readonly RuleContribution[] {
  const rules = model.rulesByEvent.get(event.type);
  if (rules === undefined) return NO_CONTRIBUTIONS;
  let awarded: RuleContribution[] | undefined;
  const pool = lead.pool;
  const t = event.occurredAt;
  for (const rule of rules) {
    if (!rule.matches(event.attributes)) continue;
    if (awarded === undefined) {
      lead.decayPoolTo(model, t);
      if (needsRenormalising(pool)) lead.renormalise();
    }
    const tally = lead.tallyFor(rule.slot);
    const resubmitted =
      rule.resubmitWindowMs > 0 &&
      tally.lastAwardAt !== undefined &&
      t - tally.lastAwardAt < rule.resubmitWindowMs;
    const repeat = rule.repeat;
    const bonus =
      !resubmitted && repeat && tally.count >= 1 && tally.count <= repeat.maxRepeats ? repeat.bonus : 0;
    const raw = rule.points + bonus;
    let points = resubmitted ? 0 : raw;
    if (points > 0 && rule.capped) points = capAward(rule, lead, raw, t);
    const activity = raw > 0 && !resubmitted;
    const share = lead.addToPool(model, points, t, activity);
    tally.count += 1;
    tally.awarded += points;
    tally.bonus += bonus;
    tally.capped += raw - points;
    if (points > 0) tally.pos += share;
    if (points < 0) tally.neg += share;
    if (activity) tally.lastAwardAt = t;
    const contribution = { ruleId: rule.id, points };
    if (awarded === undefined) awarded = [contribution];
    else awarded.push(contribution);
    const track = rule.qualifies;
    if (track && !disqualified && !resubmitted && (track.grades === null || track.grades.has(grade))) {
      fastTracks.push({ threshold: track.threshold, ruleId: rule.id, holdMs: track.holdMs });
    }
  }
  return awarded ?? NO_CONTRIBUTIONS;
}

/**
 * The lead's thresholds after its score became `total` at `t` (see `nextThresholdState`), in
 * place; an upward crossing moves the lifecycle. True when a threshold's state changed.
 */
function crossThresholds(
  lead: WorkingLead,
  model: CompiledModel,
  t: number,
  total: number,
  disqualified: boolean,
  fastTracks: readonly FastTrack[],
): boolean {
  let changed = false;
  const thresholds = model.thresholds;
  for (let slot = 0; slot < thresholds.length; slot++) {
    const threshold = thresholds[slot]!;
    const before = lead.thresholds[slot]!;
    const track = fastTracks.length === 0 ? undefined : fastTrackFor(fastTracks, threshold.name);
    const after = nextThresholdState(threshold, before, t, total, disqualified, track);
    if (after === before) continue;
    lead.setThreshold(model, slot, after);
    if (after.ups > before.ups) lead.lifecycle = lifecycleAfterCrossing(threshold, lead.lifecycle);
    changed = true;
  }
  return changed;
}

const NO_FAST_TRACKS: readonly FastTrack[] = Object.freeze([]);

/**
 * Folds one in-order, non-spam event into a working lead (the one implementation of the rules;
 * see `foldEvent`).
 */
function foldInto(lead: WorkingLead, event: ScoringEvent, model: CompiledModel): void {
  const t = event.occurredAt;
  const outcome = outcomeKindOf(event.type);
  if (outcome !== null) {
    const effects = outcomeEffects(lead.snapshot(model), outcome, event, model);
    lead.disqualified = effects.disqualified;
    lead.lifecycle = effects.lifecycle;
    lead.reached = effects.reached;
    lead.outcomes = effects.outcomes;
    lead.eventCount += 1;
    lead.lastAt = t;
    lead.lastId = event.id;
    return;
  }
  const lifecycle = lead.lifecycle;
  const before = lead.totalAt(model, t);
  let thresholdsMoved = crossThresholds(lead, model, t, before, lead.disqualified !== null, NO_FAST_TRACKS);

  let profileChanged = false;
  if (hasFields(event.profile)) {
    const merged = mergeProfile(lead.profile, lead.trustedFields, event.profile, event.trusted === true);
    lead.trustedFields = merged.trustedFields;
    if (merged.changed) {
      lead.profile = merged.profile;
      profileChanged = true;
      const components = profileComponents(merged.profile, model, lead.disqualified);
      lead.fit = components.fit;
      lead.source = components.source;
      lead.disqualified = components.disqualified;
    }
  }
  const disqualified = lead.disqualified !== null;
  const grade = gradeFor(model.grades, lead.fit.score);
  const fastTracks = lead.fastTracks;
  if (fastTracks.length > 0) fastTracks.length = 0;
  const awarded = scoreEngagement(lead, event, model, grade, disqualified, fastTracks);
  // The blend's inputs change only with the profile or a rule firing: computed then (and once).
  const predictive = lead.predictive;
  if (model.predictive === null) lead.predictive = undefined;
  else if (profileChanged || awarded.length > 0 || predictive === undefined)
    lead.predictive = predictivePoints(model, lead.profile, lead, lead.tallyIds, lead.tallies);
  // Nothing of the score changed at the event: the total is the one just before it.
  const unchanged = awarded.length === 0 && !profileChanged && lead.predictive === predictive;
  const total = unchanged ? before : lead.totalAt(model, t);
  if (crossThresholds(lead, model, t, total, disqualified, fastTracks)) thresholdsMoved = true;
  lead.reached = reachedAfter(lead.reached, lifecycle, lead.lifecycle, t);
  lead.modelVersion = model.version;
  lead.eventCount += 1;
  lead.lastAt = t;
  lead.lastId = event.id;
  if (awarded.length > 0 || profileChanged || thresholdsMoved)
    lead.appendHistory({ at: t, cause: event.type, eventId: event.id, rules: awarded, total });
}

/**
 * Folds one event into a lead, in event-time order: the decay up to the event (which may arm a
 * threshold again), the profile fields it brings, its engagement awards, and the crossings it
 * makes. O(rules for the event's type), plus O(fit rules) when the profile changes. A spam
 * submission changes nothing. The event must come after every event folded so far (else
 * `LateEventError`: see `withEvent`). The input state is never modified; `reported` is kept.
 * (The live path: one event on a working copy of the lead. A replay folds all of a lead's
 * events on one working copy: see `foldEvents`.)
 */
export function foldEvent(state: LeadState, event: ScoringEvent, model: CompiledModel): LeadState {
  if (event.spam) return state;
  if (isLate(state, event)) {
    throw new LateEventError(`event ${event.id} comes before the lead's newest event ${state.last?.id}`);
  }
  const lead = new WorkingLead(state, model);
  foldInto(lead, event, model);
  return lead.freeze(model);
}

/** Event-time order, ties by event id (`compareEvents` on the events themselves). */
const byEventTime = (a: ScoringEvent, b: ScoringEvent): number =>
  a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The events in event-time order: the array itself when it already is (a stored history). */
function inEventOrder(events: readonly ScoringEvent[]): readonly ScoringEvent[] {
  for (let i = 1; i < events.length; i++) {
    if (byEventTime(events[i - 1]!, events[i]!) > 0) return [...events].sort(byEventTime);
  }
  return events;
}

/**
 * Folds a lead's events in event-time order into one working lead, frozen once at the end: the
 * same result as folding them one by one with `foldEvent`, without building a state per event.
 */
function foldAll(start: LeadState, events: readonly ScoringEvent[], model: CompiledModel): LeadState {
  const lead = new WorkingLead(start, model);
  for (const event of inEventOrder(events)) {
    if (lead.lastId !== null && event.occurredAt === lead.lastAt && event.id === lead.lastId) continue; // same event twice
    if (event.spam) continue;
    foldInto(lead, event, model);
  }
  return lead.freeze(model);
}

/** A lead's state from its events, folded in event-time order (order of arrival does not matter). */
export function foldEvents(leadId: string, events: readonly ScoringEvent[], model: CompiledModel): LeadState {
  return foldAll(newLeadState(leadId, model), events, model);
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
  return foldAll({ ...newLeadState(state.leadId, model), reported: state.reported }, events, model);
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
