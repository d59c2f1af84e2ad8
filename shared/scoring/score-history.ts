/**
 * A lead's score over time (PRODUCT §2.12, §6.1), for the sales console's chart and timeline:
 * the lead's stored events replayed in event-time order with the engine itself (`foldEvent`,
 * `classify`), the score sampled between events in closed form (half-life decay and the
 * inactivity steps, so the chart shows the decay the engine applies, never a browser's guess),
 * and one marker per event with the score just before and after it and what each rule awarded.
 * Pure: no I/O, no clock (the end of the chart is a parameter).
 */
import { stepTimes } from './decay.ts';
import { classify, compareEvents, foldEvent, newLeadState } from './engine.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState, Lifecycle, RuleContribution, ScoringEvent } from './types.ts';

/** One sampled point of the score line. */
export interface ScorePoint {
  /** Epoch ms. */
  readonly at: number;
  readonly score: number;
  readonly segment: string;
}

/** One event of the lead, where the chart marks it and the timeline lists it. */
export interface EventMarker {
  readonly at: number;
  readonly eventId: string;
  readonly type: string;
  /** The score just before the event (decay since the previous event applied) and just after. */
  readonly scoreBefore: number;
  readonly scoreAfter: number;
  /** What the score lost to decay since the previous event (≥ 0; 0 for the first event). */
  readonly decayedSincePrevious: number;
  /** What each engagement rule awarded at this event (after caps and resubmission windows). */
  readonly rules: readonly RuleContribution[];
  /** How the fit and source points moved with the profile fields the event brought (0: unchanged). */
  readonly profilePoints: number;
  /** Thresholds the lead crossed upward at this event (`mql`, ...). */
  readonly crossed: readonly string[];
  readonly segment: string;
  readonly lifecycle: Lifecycle;
  /** True for a spam submission: kept, marked, scored nothing (PRODUCT §3.7). */
  readonly spam: boolean;
}

export interface ScoreHistory {
  readonly from: number;
  readonly to: number;
  readonly points: readonly ScorePoint[];
  readonly markers: readonly EventMarker[];
  /** The lines the chart draws: thresholds (with their rearm line) and the segments' lower bounds. */
  readonly thresholds: readonly {
    readonly name: string;
    readonly score: number;
    readonly rearmBelow: number;
  }[];
  readonly bands: readonly { readonly name: string; readonly min: number }[];
}

export interface ScoreHistoryOptions {
  /** Evenly spaced samples over the whole span, besides the events and inactivity steps (default 200). */
  readonly samples?: number;
}

const DEFAULT_SAMPLES = 200;

/** The score and segment the engine gives `state` at `t` (never before its last event). */
function pointOf(state: LeadState, model: CompiledModel, t: number): ScorePoint {
  const classification = classify(state, model, t);
  return { at: t, score: classification.breakdown.total, segment: classification.segment };
}

/** Events in the engine's order (event time, ties by id), each event once. */
function orderedEvents(events: readonly ScoringEvent[]): ScoringEvent[] {
  const sorted = [...events].sort((a, b) =>
    compareEvents({ at: a.occurredAt, id: a.id }, { at: b.occurredAt, id: b.id }),
  );
  return sorted.filter(
    (e, i) => i === 0 || e.id !== sorted[i - 1]!.id || e.occurredAt !== sorted[i - 1]!.occurredAt,
  );
}

/**
 * The samples of a state's score in the open interval (from, to): the evenly spaced instants
 * of the grid that fall inside, plus each inactivity step (a point just before it and one at
 * it, so the drop is drawn as the engine applies it).
 */
function decayPoints(
  state: LeadState,
  model: CompiledModel,
  from: number,
  to: number,
  grid: readonly number[],
): ScorePoint[] {
  const times = grid.filter((t) => t > from && t < to);
  for (const { time } of stepTimes({ at: from, lastActivity: state.pool.lastActivity }, model)) {
    if (time > from && time < to) times.push(Math.max(from + 1, time - 1), time);
  }
  times.sort((a, b) => a - b);
  return times.filter((t, i) => i === 0 || t !== times[i - 1]).map((t) => pointOf(state, model, t));
}

/** The points of a state that come from its profile (fit and source rules; they never decay). */
const profilePointsOf = (state: LeadState) => state.fit.score + state.source.points;

/** Thresholds whose upward crossings grew between two states. */
function crossedBetween(before: LeadState, after: LeadState, model: CompiledModel): string[] {
  return model.thresholds
    .filter((t) => (after.thresholds[t.name]?.ups ?? 0) > (before.thresholds[t.name]?.ups ?? 0))
    .map((t) => t.name);
}

/**
 * The score history of a lead from its events, up to `to` (epoch ms; the chart's right edge,
 * usually the read time; never before the last event). Folding is the engine's, event by event,
 * so the last point is the score the lead has at `to` and the markers' awards are the ones its
 * explanation adds up.
 */
export function scoreHistory(
  leadId: string,
  events: readonly ScoringEvent[],
  model: CompiledModel,
  to: number,
  options: ScoreHistoryOptions = {},
): ScoreHistory {
  const ordered = orderedEvents(events);
  const first = ordered[0]?.occurredAt ?? to;
  const end = Math.max(to, ordered.at(-1)?.occurredAt ?? to);
  const samples = Math.max(2, options.samples ?? DEFAULT_SAMPLES);
  const step = (end - first) / (samples - 1);
  const grid = step > 0 ? Array.from({ length: samples }, (_, i) => first + i * step) : [];

  const points: ScorePoint[] = [];
  const markers: EventMarker[] = [];
  let state = newLeadState(leadId, model);
  let previousAt: number | undefined;
  let previousAfter = 0;
  for (const event of ordered) {
    const t = event.occurredAt;
    if (previousAt !== undefined) points.push(...decayPoints(state, model, previousAt, t, grid));
    const before = pointOf(state, model, t);
    const next = foldEvent(state, event, model);
    const after = pointOf(next, model, t);
    const entry = next.history.at(-1);
    markers.push({
      at: t,
      eventId: event.id,
      type: event.type,
      scoreBefore: before.score,
      scoreAfter: after.score,
      decayedSincePrevious: previousAt === undefined ? 0 : Math.max(0, previousAfter - before.score),
      rules: next !== state && entry?.eventId === event.id ? entry.rules : [],
      profilePoints: profilePointsOf(next) - profilePointsOf(state),
      crossed: crossedBetween(state, next, model),
      segment: after.segment,
      lifecycle: next.lifecycle,
      spam: event.spam === true,
    });
    points.push(before, after);
    state = next;
    previousAt = t;
    previousAfter = after.score;
  }
  if (previousAt !== undefined && end > previousAt) {
    points.push(...decayPoints(state, model, previousAt, end, grid), pointOf(state, model, end));
  }
  return {
    from: first,
    to: end,
    points,
    markers,
    thresholds: model.thresholds.map((t) => ({ name: t.name, score: t.score, rearmBelow: t.rearmBelow })),
    bands: model.segments.flatMap((band) =>
      band.min === undefined ? [] : [{ name: band.name, min: band.min }],
    ),
  };
}
