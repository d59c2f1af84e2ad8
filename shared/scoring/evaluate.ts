import { poolAt } from './decay.ts';
import { bandFor, type CompiledModel, type CompiledThreshold, gradeFor } from './model.ts';
import type {
  Classification,
  HistoryEntry,
  LeadState,
  Lifecycle,
  Reported,
  ScoreBreakdown,
  ScoreChanges,
  ThresholdCrossing,
  ThresholdState,
} from './types.ts';

/** How many audit-trail entries a lead keeps inline; the full trail is its stored events. */
export const HISTORY_LIMIT = 20;

const BELOW: ThresholdState = Object.freeze({ above: false, ups: 0 });
const NO_CROSSINGS: readonly ThresholdCrossing[] = Object.freeze([]);

/**
 * The lead's score at `t`: fit and source never decay; engagement does, floored at zero; the
 * predictive blend, if any, is constant between events.
 */
export function breakdownAt(
  state: Pick<LeadState, 'fit' | 'source' | 'pool' | 'predictive'>,
  model: CompiledModel,
  t: number,
): ScoreBreakdown {
  const pool = poolAt(state.pool, model, t);
  const engagement = Math.max(0, pool.pos + pool.neg) * state.source.multiplier;
  const fit = state.fit.score;
  const source = state.source.points;
  const predictive = model.predictive === null ? 0 : (state.predictive?.points ?? 0);
  return { fit, source, engagement, predictive, total: fit + source + engagement + predictive };
}

export const thresholdState = (states: LeadState['thresholds'], name: string): ThresholdState =>
  states[name] ?? BELOW;

/** True when a lead above `threshold` falls back (is armed again) at `t` with score `total`. */
function rearms(threshold: CompiledThreshold, state: ThresholdState, t: number, total: number, dq: boolean) {
  if (!state.above) return false;
  if (dq) return true;
  return total < threshold.rearmBelow && (state.holdUntil === undefined || t >= state.holdUntil);
}

/**
 * The threshold states after the score became `total` at `t` (hysteresis, PRODUCT §2.8): a lead
 * above a threshold is armed again once below its rearm line (and past any fast-track hold);
 * an armed lead crosses upward when it reaches the score, or when a fast track qualifies it.
 * The same function applies the decay before an event, the event itself, and the decay until
 * a lead is observed, so the states are a function of the lead's events and the instant.
 */
export function thresholdsAt(
  model: CompiledModel,
  current: LeadState['thresholds'],
  t: number,
  total: number,
  disqualified: boolean,
  fastTracks: readonly { threshold: string; ruleId: string; holdMs: number }[] = [],
): LeadState['thresholds'] {
  let next: Record<string, ThresholdState> | undefined;
  for (const threshold of model.thresholds) {
    let state = thresholdState(current, threshold.name);
    const before = state;
    if (rearms(threshold, state, t, total, disqualified)) state = { above: false, ups: state.ups };
    if (!disqualified) {
      const track = fastTracks.find((f) => f.threshold === threshold.name);
      if (!state.above && (total >= threshold.score || track)) {
        state = track
          ? { above: true, ups: state.ups + 1, holdUntil: t + track.holdMs, fastTrackedBy: track.ruleId }
          : { above: true, ups: state.ups + 1 };
      } else if (state.above && track) {
        state = {
          ...state,
          holdUntil: Math.max(state.holdUntil ?? 0, t + track.holdMs),
          fastTrackedBy: track.ruleId,
        };
      }
    }
    if (state === before) continue;
    next ??= { ...current };
    next[threshold.name] = state;
  }
  return next ?? current;
}

/** The lifecycle stage after new upward crossings: lead → mql → sql, never backwards. */
export function lifecycleAfter(
  model: CompiledModel,
  lifecycle: Lifecycle,
  before: LeadState['thresholds'],
  after: LeadState['thresholds'],
): Lifecycle {
  if (before === after) return lifecycle;
  let stage = lifecycle;
  for (const threshold of model.thresholds) {
    if (thresholdState(after, threshold.name).ups <= thresholdState(before, threshold.name).ups) continue;
    if (threshold.lifecycle === 'mql' && stage === 'lead') stage = 'mql';
    if (threshold.lifecycle === 'sql' && (stage === 'lead' || stage === 'mql')) stage = 'sql';
  }
  return stage;
}

/** The audit trail with one entry added, keeping the last HISTORY_LIMIT entries. */
export function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const keep = Math.min(history.length, HISTORY_LIMIT - 1);
  const next: HistoryEntry[] = new Array(keep + 1);
  const offset = history.length - keep;
  for (let i = 0; i < keep; i++) next[i] = history[offset + i]!;
  next[keep] = entry;
  return next;
}

/**
 * The lead as classified at `t` (not before its last event): total, segment, grade and the
 * threshold states with the decay until `t` applied. The one decision that evaluation, the
 * decay index and the read API share.
 */
export function classify(state: LeadState, model: CompiledModel, t: number): Classification {
  const at = Math.max(t, state.last?.at ?? t);
  const breakdown = breakdownAt(state, model, at);
  const disqualified = state.disqualified !== null;
  return {
    at,
    breakdown,
    segment: disqualified ? 'disqualified' : bandFor(model.segments, breakdown.total),
    grade: gradeFor(model.grades, breakdown.fit),
    disqualified,
    thresholds: thresholdsAt(model, state.thresholds, at, breakdown.total, disqualified),
  };
}

/** What changed between what was reported and a classification (the events to publish). */
export function changesSince(
  reported: Reported,
  now: Classification,
  state: Pick<LeadState, 'disqualified'>,
  model: CompiledModel,
): ScoreChanges {
  let crossings = NO_CROSSINGS;
  for (const threshold of model.thresholds) {
    const was = thresholdState(reported.thresholds, threshold.name);
    const is = thresholdState(now.thresholds, threshold.name);
    let crossing: ThresholdCrossing | undefined;
    if (is.above && (!was.above || is.ups > was.ups)) {
      crossing = {
        name: threshold.name,
        direction: 'up',
        threshold: threshold.score,
        ...(is.fastTrackedBy && is.holdUntil !== undefined && now.breakdown.total < threshold.score
          ? { fastTrack: is.fastTrackedBy }
          : {}),
      };
    } else if (was.above && !is.above) {
      crossing = { name: threshold.name, direction: 'down', threshold: threshold.rearmBelow };
    }
    if (crossing === undefined) continue;
    if (crossings === NO_CROSSINGS) crossings = [];
    (crossings as ThresholdCrossing[]).push(crossing);
  }
  return {
    scoreBefore: reported.score,
    scoreAfter: now.breakdown.total,
    segmentChange: now.segment !== reported.segment ? { from: reported.segment, to: now.segment } : null,
    gradeChange: now.grade !== reported.grade ? { from: reported.grade, to: now.grade } : null,
    thresholdCrossings: crossings,
    newlyDisqualified: now.disqualified && !reported.disqualified ? state.disqualified : null,
  };
}

/** What a classification reports (stored so that the next report says only what changed since). */
export function reportOf(now: Classification): Reported {
  return {
    at: now.at,
    score: now.breakdown.total,
    segment: now.segment,
    grade: now.grade,
    disqualified: now.disqualified,
    thresholds: now.thresholds,
  };
}
